"""Driving an ASGI app by hand, to see exactly the messages a middleware sends.

Unlike an HTTP client this keeps repeated headers as separate entries and shows header names and
order as sent, and it lets a test send what no client would (two Origin headers, a websocket scope).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from support.threads import run


@dataclass
class Sent:
    """The response as the server would see it: status, raw header list, body."""

    status: int
    raw_headers: list[tuple[bytes, bytes]]
    body: bytes
    messages: list[dict[str, Any]] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), one entry per header line."""
        wanted = name.lower().encode()
        return [v.decode("latin-1") for k, v in self.raw_headers if k.lower() == wanted]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return bool(self.values(name))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http_scope(method: str = "GET", path: str = "/", headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }


async def acall(app: Any, scope: dict[str, Any]) -> Sent:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    starts = [m for m in messages if m["type"] == "http.response.start"]
    assert len(starts) == 1, messages
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Sent(starts[0]["status"], list(starts[0].get("headers", [])), body, messages)


def call(app: Any, method: str = "GET", headers: Iterable[tuple[str, str]] = (), path: str = "/") -> Sent:
    """Run one HTTP request through ``app`` and return what it sent."""
    scope = http_scope(method, path, headers)
    return run(acall, app, scope)


def preflight(app: Any, origin: str, method: str = "GET", request_headers: str | None = None, path: str = "/") -> Sent:
    headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if request_headers is not None:
        headers.append(("Access-Control-Request-Headers", request_headers))
    return call(app, "OPTIONS", headers, path)


class PlainApp:
    """An ASGI app answering 200 "app" with the given headers; counts its calls."""

    def __init__(self, headers: Iterable[tuple[str, str]] = (), status: int = 200) -> None:
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        self.status = status
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls.append(scope)
        await send({"type": "http.response.start", "status": self.status, "headers": list(self.headers)})
        await send({"type": "http.response.body", "body": b"app"})
