"""``new WebSocket(url)`` from a page: the opening handshake, which CORS does not govern.

A WebSocket handshake is never preflighted and never CORS-checked: the browser sends a GET with
``Upgrade: websocket`` and the page's ``Origin`` (``null`` for an opaque origin; Chromium, Firefox and
WebKit alike, checked in tests/middleware/test_engine_features.py), and the connection opens when the
server answers ``101 Switching Protocols`` with the right ``Sec-WebSocket-Accept``. Refusing a foreign
origin is therefore the server's job (RFC 6455, section 10.2), which is what corskit's middleware does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["WebSocketResult", "handshake_request", "open_asgi", "open_network", "websocket_url"]

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


@dataclass(frozen=True)
class WebSocketResult:
    """What ``new WebSocket(url)`` in the page got: an open connection, or an error event."""

    opened: bool
    #: the handshake response's status (101 when opened); None when no response came
    status: int | None
    url: str
    #: the handshake request exactly as sent (``Origin`` included)
    request_headers: tuple[tuple[str, str], ...]
    #: why the connection did not open, as a page would see it (an ``error`` then a ``close`` with 1006)
    error: str | None = None

    @property
    def origin(self) -> str | None:
        """The ``Origin`` header the handshake carried."""
        return next((v for k, v in self.request_headers if k.lower() == "origin"), None)


def websocket_url(url: str) -> str:
    """HTML's WebSocket constructor: http(s) URLs become ws(s); no fragments; other schemes are refused."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"a WebSocket URL must be ws:, wss:, http: or https: with a host, got {url!r}")
    if parts.fragment:
        raise ValueError("a WebSocket URL cannot have a fragment (the constructor throws a SyntaxError)")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def handshake_request(serialized_origin: str, user_agent: str) -> tuple[tuple[str, str], ...]:
    """The opening handshake's headers (RFC 6455, section 4.1), with the page's origin."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    return (
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", "13"),
        ("Origin", serialized_origin),
        ("User-Agent", user_agent),
    )


def _accept_for(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + _GUID).encode("ascii")).digest()).decode("ascii")


def _refused(url: str, headers: tuple[tuple[str, str], ...], status: int | None, why: str) -> WebSocketResult:
    return WebSocketResult(False, status, url, headers, f"WebSocket connection to '{url}' failed: {why}")


async def open_asgi(app: Any, url: str, headers: tuple[tuple[str, str], ...]) -> WebSocketResult:
    """Run the handshake against an ASGI app in-process (the ASGI WebSocket protocol)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    host_header = parts.netloc.rsplit("@", 1)[-1]
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": parts.scheme,
        "path": unquote(parts.path or "/"),
        "raw_path": (parts.path or "/").encode("latin-1", "replace"),
        "query_string": parts.query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": [(b"host", host_header.encode("latin-1"))]
        + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": (parts.hostname or "", port),
        "subprotocols": [],
        "state": {},
        "extensions": {"websocket.http.response": {}},
    }
    outcome: dict[str, Any] = {}
    connected = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        await finished.wait()  # the page closes the connection as soon as it knows the outcome
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        kind = message["type"]
        if "status" in outcome:
            return
        if kind == "websocket.accept":
            outcome["status"] = 101
        elif kind == "websocket.close":
            outcome["status"] = 403  # what an ASGI server answers for a close before accept
        elif kind == "websocket.http.response.start":
            outcome["status"] = int(message["status"])
        else:
            return
        finished.set()

    try:
        await app(scope, receive, send)
    except Exception as exc:  # a server answers 500 and the page sees a failed handshake
        outcome.setdefault("status", 500)
        outcome.setdefault("why", f"the app raised {type(exc).__name__}")
    finally:
        finished.set()
    status = outcome.get("status")
    if status == 101:
        return WebSocketResult(True, 101, url, headers)
    if status is None:
        return _refused(url, headers, None, "the app returned without answering the handshake")
    return _refused(url, headers, status, outcome.get("why") or f"Unexpected response code: {status}")


async def open_network(
    url: str, headers: tuple[tuple[str, str], ...], *, timeout: float, verify: Any
) -> WebSocketResult:
    """Run the handshake over TCP (TLS for wss:), then close the connection."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    # Browsers resolve localhost and *.localhost to loopback themselves (RFC 6761, section 6.3).
    address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    context: ssl.SSLContext | None = None
    if parts.scheme == "wss":
        context = verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc.rsplit('@', 1)[-1]}"]
    lines += [f"{k}: {v}" for k, v in headers]
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, ssl=context, server_hostname=host if context else None),
            timeout,
        )
    except (OSError, asyncio.TimeoutError) as exc:
        return _refused(url, headers, None, f"no connection ({type(exc).__name__})")
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        return _refused(url, headers, None, f"no handshake response ({type(exc).__name__})")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(status_line.split(" ", 2)[1])
    except (IndexError, ValueError):
        return _refused(url, headers, None, "the handshake response is not HTTP")
    answered = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answered[name.strip().lower()] = value.strip()
    if status != 101:
        return _refused(url, headers, status, f"Unexpected response code: {status}")
    key = next(v for k, v in headers if k == "Sec-WebSocket-Key")
    if answered.get("sec-websocket-accept") != _accept_for(key):
        return _refused(url, headers, status, "Incorrect 'Sec-WebSocket-Accept' header value")
    return WebSocketResult(True, 101, url, headers)
