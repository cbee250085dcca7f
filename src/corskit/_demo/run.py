"""Bind the demo's three ports and run its servers (API, allowed page, refused page) until Ctrl-C.

The ports are bound here, before uvicorn starts, so that a busy port is one clear error (and nothing
has started yet), and uvicorn gets ready sockets. Ctrl-C or SIGTERM stops all three servers gracefully.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import uvicorn

from ..cli import CLIError
from ..cli._output import style
from .api import build_api, cors_options
from .journal import Journal
from .pages import PageServer, page_origin


@dataclass(frozen=True)
class Ports:
    host: str
    api: int
    page: int

    @property
    def refused_page(self) -> int:
        return self.page + 1


class _Server(uvicorn.Server):
    """uvicorn, minus its own signal handling: the demo stops its three servers together."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _RefusedHandshakeFilter(logging.Filter):
    """Drops uvicorn's false alarm after corskit refuses a WebSocket handshake with a 403.

    corskit answers with the ASGI denial response (``websocket.http.response.*``); uvicorn's websockets
    sans-I/O protocol sends that 403 but still logs "returned without completing handshake". The journal
    already prints the refusal as one line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def bind(host: str, port: int, option: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            message = f"port {port} on {host} is already in use; stop what uses it or pick another with {option}"
            raise CLIError(message) from None
        raise CLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _config(app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=2,
    )


def banner(ports: Ports, api_origin: str, allowed: str, refused: str, colour: bool) -> str:
    options = cors_options(allowed)
    origins = ", ".join(options["allow_origins"])
    return "\n".join(
        [
            style("corskit demo", "bold", colour=colour) + " — the FastAPI CORS lesson, live",
            f"  API (corskit)      {api_origin}    allow_origins: {origins}",
            "                     allow_credentials=True, allow_methods=['*'], allow_headers=['*']",
            f"  playground         {allowed}    an allowed origin: open this one",
            f"  refused playground {refused}    the same page on a port the API does not allow",
            "Ctrl-C stops the demo. One line per request to the API:",
            "",
        ]
    )


def serve_demo(ports: Ports, out: TextIO | None = None, colour: bool = False) -> int:
    """Run until Ctrl-C / SIGTERM; returns 0. Raises CLIError (nothing started) when a port is busy."""
    out = out if out is not None else sys.stdout
    api_origin = page_origin(ports.host, ports.api)
    allowed, refused = page_origin(ports.host, ports.page), page_origin(ports.host, ports.refused_page)
    sockets = []
    try:
        sockets.append(bind(ports.host, ports.api, "--api-port"))
        sockets.append(bind(ports.host, ports.page, "--page-port"))
        sockets.append(bind(ports.host, ports.refused_page, "--page-port (the refused page uses the next port)"))
    except CLIError:
        for sock in sockets:
            sock.close()
        raise
    journal = Journal(out, colour)
    api, explainer = build_api(allowed, journal)
    journal.wrap(api, explainer)
    pages = {"api_origin": api_origin, "allowed_page": allowed, "refused_page": refused}
    servers = [
        _Server(_config(journal)),
        _Server(_config(PageServer(role="allowed", **pages))),
        _Server(_config(PageServer(role="refused", **pages))),
    ]
    logging.getLogger("uvicorn.error").addFilter(_RefusedHandshakeFilter())
    out.write(banner(ports, api_origin, allowed, refused, colour) + "\n")
    out.flush()

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            for server in servers:
                # A second Ctrl-C while stopping: do not wait for open connections.
                server.force_exit = server.should_exit
                server.should_exit = True

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop)
        await asyncio.gather(*(s.serve(sockets=[sock]) for s, sock in zip(servers, sockets, strict=True)))

    try:
        asyncio.run(main())
    finally:
        for sock in sockets:
            sock.close()
    out.write("corskit demo: stopped\n")
    out.flush()
    return 0
