"""Driving an ASGI app by hand, to see exactly the messages a middleware sends.

Unlike an HTTP client this keeps repeated headers as separate entries, shows header names and order as
sent, and lets a test send what no client would: two Origin headers, CR/LF/NUL or bytes >= 0x80 in a
value, a WebSocket scope with or without the denial extension. When nothing suspends (no async
``allow_origin_func``) the coroutine is driven by hand, which keeps hypothesis fast; when it does
suspend, the call finishes on an event loop in a fresh thread (see :mod:`support.threads`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from support.threads import in_fresh_thread

RawHeaders = list[tuple[bytes, bytes]]
HeaderPairs = Iterable[tuple[str | bytes, str | bytes]]

TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Anything a header value must not carry: C0 controls except HTAB, and DEL.
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass
class Response:
    """What the app (through the middleware) sent: status, raw header list, body, every message."""

    status: int | None = None
    headers: RawHeaders = field(default_factory=list)
    body: bytes = b""
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Set by through(): whether the request reached the endpoint behind the middleware.
    app_called: bool = False

    def raw_values(self, name: bytes) -> list[bytes]:
        """Every value of header ``name`` (case-insensitive), as bytes, one entry per header line."""
        wanted = name.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def one(self, name: bytes) -> bytes | None:
        values = self.raw_values(name)
        assert len(values) <= 1, f"{name!r} sent {len(values)} times: {values!r}"
        return values[0] if values else None

    def values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), as text, one entry per header line."""
        return [v.decode("latin-1") for v in self.raw_values(name.encode("latin-1"))]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return bool(self.values(name))

    def names(self) -> list[str]:
        """The header names, lower-cased, in order."""
        return [k.decode("latin-1").lower() for k, _ in self.headers]

    def cors_headers(self) -> dict[str, str]:
        return {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in self.headers
            if k.lower().startswith(b"access-control-")
        }

    def vary_tokens(self) -> set[bytes]:
        return {item.strip().lower() for value in self.raw_values(b"vary") for item in value.split(b",")}

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def _raw(headers: HeaderPairs) -> RawHeaders:
    """Header pairs as a server passes them: text names lower-cased, text encoded as latin-1."""
    return [
        (
            name if isinstance(name, bytes) else name.lower().encode("latin-1"),
            value if isinstance(value, bytes) else value.encode("latin-1"),
        )
        for name, value in headers
    ]


def http_scope(method: str = "GET", path: str = "/", headers: HeaderPairs = (), root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": root_path,
        "headers": _raw(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def websocket_scope(
    headers: HeaderPairs = (), path: str = "/ws", denial: bool = True, root_path: str = ""
) -> dict[str, Any]:
    """A handshake scope; ``denial`` offers the extension that lets a middleware answer with a 403."""
    scope = http_scope("GET", path, headers, root_path)
    del scope["method"]
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    scope["extensions"] = {"websocket.http.response": {}} if denial else {}
    return scope


def drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` by hand; if it really suspends, finish it on an event loop in a fresh thread."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value

    async def finish() -> Any:
        while True:
            try:
                coro.send(None)
            except StopIteration as done:
                return done.value
            await asyncio.sleep(0)

    return in_fresh_thread(asyncio.run, finish())


async def acall(app: Any, scope: dict[str, Any], response: Response | None = None) -> Response:
    """Send one request (HTTP, or a WebSocket handshake) through ``app``; return what it sent."""
    response = Response() if response is None else response
    connected = False

    async def receive() -> dict[str, Any]:
        nonlocal connected
        if scope["type"] == "websocket":
            if not connected:
                connected = True
                return {"type": "websocket.connect"}
            return {"type": "websocket.disconnect", "code": 1000}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        response.messages.append(message)
        if message["type"] in ("http.response.start", "websocket.http.response.start"):
            assert response.status is None, "two response starts"
            response.status = message["status"]
            response.headers = list(message.get("headers", []))
        elif message["type"] in ("http.response.body", "websocket.http.response.body"):
            response.body += message.get("body", b"")

    await app(scope, receive, send)
    return response


def call(app: Any, scope: dict[str, Any]) -> Response:
    return drive(acall(app, scope))


def request(app: Any, method: str = "GET", path: str = "/", headers: HeaderPairs = ()) -> Response:
    """One HTTP request through ``app``; ``headers`` as (name, value) pairs, repeats kept."""
    response = call(app, http_scope(method, path, headers))
    assert response.status is not None, response.messages
    return response


async def arequest(app: Any, method: str = "GET", path: str = "/", headers: HeaderPairs = ()) -> Response:
    """:func:`request` from inside a running event loop."""
    return await acall(app, http_scope(method, path, headers))


def through(
    middleware_cls: Any, config: dict[str, Any], scope: dict[str, Any], app_headers: HeaderPairs = ()
) -> Response:
    """Wrap an :class:`Endpoint` in ``middleware_cls(**config)`` and send it ``scope``.

    ``app_called`` on the response says whether the request reached the endpoint.
    """
    endpoint = Endpoint(app_headers, body=b"endpoint")
    response = call(middleware_cls(endpoint, **config), scope)
    response.app_called = endpoint.called
    return response


def preflight(
    app: Any, origin: str, method: str = "GET", path: str = "/", request_headers: str | None = None
) -> Response:
    headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if request_headers is not None:
        headers.append(("Access-Control-Request-Headers", request_headers))
    return request(app, "OPTIONS", path, headers)


class Endpoint:
    """An ASGI app answering every request with ``status``, ``headers`` and ``body``; accepts WebSockets.

    ``calls`` holds every scope it was called with.
    """

    def __init__(self, headers: HeaderPairs = (), status: int = 200, body: bytes = b"app") -> None:
        self.headers = _raw(headers)
        self.status = status
        self.body = body
        self.calls: list[dict[str, Any]] = []

    @property
    def called(self) -> bool:
        return bool(self.calls)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls.append(scope)
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": self.status, "headers": list(self.headers)})
        await send({"type": "http.response.body", "body": self.body})


_UNSET: Any = object()


class CountingFunc:
    """An origin function that records every origin it is asked about; answers ``answer`` if given."""

    def __init__(self, allowed: Iterable[str] = (), answer: Any = _UNSET) -> None:
        self.allowed = set(allowed)
        self.answer = answer
        self.calls: list[str] = []

    def __call__(self, origin: str) -> Any:
        self.calls.append(origin)
        if self.answer is not _UNSET:
            return self.answer
        return origin in self.allowed


class AsyncCountingFunc(CountingFunc):
    """:class:`CountingFunc` as a coroutine function that really suspends once."""

    async def __call__(self, origin: str) -> Any:  # type: ignore[override]
        await asyncio.sleep(0)
        return CountingFunc.__call__(self, origin)


def assert_wellformed(response: Response) -> None:
    """Every header is a (token, bytes-without-controls) pair, as HTTP/1.1 and latin-1 require."""
    for name, value in response.headers:
        assert isinstance(name, bytes) and isinstance(value, bytes), (name, value)
        assert TOKEN.fullmatch(name), f"malformed header name {name!r}"
        assert CONTROL.search(value) is None, f"control character in {name!r}: {value!r}"
