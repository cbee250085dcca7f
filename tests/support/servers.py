"""Run an ASGI application for real, on 127.0.0.1, in a background thread.

API (for any test that needs a real socket, e.g. a Chromium test)::

    from support.servers import serve, RecordingApp

    with serve(app) as server:                  # waits until uvicorn accepts connections
        server.port                             # the free port it got
        server.url("/items", host="api.localhost")   # "http://api.localhost:PORT/items"
    # leaving the block stops uvicorn and joins its (daemon) thread

    recorder = RecordingApp(app)                # wraps an app, remembers every request it received
    with serve(recorder) as server:
        ...
        recorder.requests                       # list[RecordedRequest] (method, path, query, headers)
        recorder.find(path="/x", method="OPTIONS")

Notes:
- The listening socket is bound before uvicorn starts (port 0 → the OS picks a free port), so there is
  no race between choosing a port and using it.
- Chromium resolves ``*.localhost`` to the loopback address by itself, so ``http://app.localhost:PORT``
  and ``http://api.localhost:PORT`` reach the same server while being two different origins.
- uvicorn does not install signal handlers outside the main thread, so this is safe under pytest.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

ASGIApp = Any


@dataclass
class ServerHandle:
    """A running server: where it listens, and how to build URLs for it."""

    host: str
    port: int

    def url(self, path: str = "/", *, host: str | None = None, scheme: str = "http") -> str:
        """URL on this server; ``host`` may be any ``*.localhost`` name (Chromium maps it to loopback)."""
        if not path.startswith("/"):
            path = "/" + path
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def origin(self, host: str) -> str:
        """The serialized origin ``http://HOST:PORT`` for a host name on this server."""
        return f"http://{host}:{self.port}"


@contextmanager
def serve(
    app: ASGIApp,
    *,
    startup_timeout: float = 10.0,
    log_level: str = "warning",
    server_and_date_headers: bool = False,
) -> Iterator[ServerHandle]:
    """Serve ``app`` with uvicorn on 127.0.0.1:<free port> until the block ends.

    uvicorn's own ``server`` and ``date`` response headers are off by default (they only add noise, and
    ``date`` differs between two runs of the same request); pass ``server_and_date_headers=True`` for them.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=5,
        server_header=server_and_date_headers,
        date_header=server_and_date_headers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn-test")
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("uvicorn exited before it started; see the log above")
        if time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"uvicorn did not start within {startup_timeout} s")
        time.sleep(0.01)
    try:
        yield ServerHandle(host="127.0.0.1", port=port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class RecordedRequest:
    """One request as the server saw it. Header names are lower-cased; repeated headers stay separate."""

    method: str
    path: str
    query: str
    host: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (values of repeated headers joined with ", "), or None."""
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None


class RecordingApp:
    """ASGI wrapper that records every HTTP request before handing it to the wrapped app.

    Thread-safe: the server thread appends while the test thread reads.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
            host = next((v for k, v in headers if k == "host"), "")
            record = RecordedRequest(
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode("latin-1"),
                host=host,
                headers=headers,
            )
            with self._lock:
                self._requests.append(record)
        await self.app(scope, receive, send)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def find(
        self, *, path: str | None = None, method: str | None = None, query: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests matching every given criterion (exact match)."""
        return [
            r
            for r in self.requests
            if (path is None or r.path == path)
            and (method is None or r.method == method)
            and (query is None or r.query == query)
        ]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
