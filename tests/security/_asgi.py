"""Driving corskit's middleware with raw, hostile ASGI scopes and checking what it sends.

Requests are built from bytes (what a server hands an ASGI app), so a test can send what no HTTP
client would: CR/LF/NUL, bytes >= 0x80, two Origin headers, 64 KiB values. When nothing suspends
(no async ``allow_origin_func``) the coroutine is driven by hand, which keeps hypothesis fast and makes
operation counts deterministic.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

Headers = list[tuple[bytes, bytes]]

TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Anything a header value must not carry: C0 controls except HTAB, and DEL.
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass
class Response:
    status: int | None = None
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    app_called: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def values(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == name]

    def one(self, name: bytes) -> bytes | None:
        values = self.values(name)
        assert len(values) <= 1, f"{name!r} sent {len(values)} times: {values!r}"
        return values[0] if values else None

    def vary_tokens(self) -> set[bytes]:
        return {item.strip().lower() for value in self.values(b"vary") for item in value.split(b",")}


def http_scope(method: str, headers: Sequence[tuple[bytes, bytes]], path: str = "/") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("203.0.113.9", 50000),
        "server": ("api.test", 443),
    }


def websocket_scope(headers: Sequence[tuple[bytes, bytes]], path: str = "/ws", denial: bool = True) -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "wss",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("203.0.113.9", 50000),
        "server": ("api.test", 443),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}} if denial else {},
    }


def make_app(response: Response, app_headers: Headers | None = None, status: int = 200) -> Any:
    """An endpoint that records being called and answers with ``app_headers``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        response.app_called = True
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": status, "headers": list(app_headers or [])})
        await send({"type": "http.response.body", "body": b"endpoint"})

    return app


def _drive(coro: Coroutine[Any, Any, None]) -> None:
    try:
        coro.send(None)
    except StopIteration:
        return

    # Something really suspended (an async allow_origin_func): finish it on an event loop.
    async def finish() -> None:
        while True:
            try:
                coro.send(None)
            except StopIteration:
                return
            await asyncio.sleep(0)

    asyncio.run(finish())


def run(
    middleware_cls: Any,
    config: dict[str, Any],
    scope: dict[str, Any],
    app_headers: Headers | None = None,
) -> Response:
    """Build the middleware around a recording app, send it one request, return what it sent."""
    response = Response()
    middleware = middleware_cls(make_app(response, app_headers), **config)
    return send_to(middleware, scope, response)


def send_to(middleware: Any, scope: dict[str, Any], response: Response | None = None) -> Response:
    response = Response() if response is None else response
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if scope["type"] == "websocket":
            if not received:
                received = True
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

    _drive(middleware(scope, receive, send))
    return response


def assert_wellformed(response: Response) -> None:
    """Every header is a (token, bytes-without-controls) pair, as HTTP/1.1 and latin-1 require."""
    for name, value in response.headers:
        assert isinstance(name, bytes) and isinstance(value, bytes), (name, value)
        assert TOKEN.fullmatch(name), f"malformed header name {name!r}"
        assert CONTROL.search(value) is None, f"control character in {name!r}: {value!r}"
        value.decode("latin-1")  # never fails for bytes; documents the requirement
