"""Driving an ASGI app by hand, so a test sees every message a middleware sends (and can send scopes
no HTTP client would: two Origin headers, a WebSocket scope without the denial extension)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio
from support.threads import run


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    messages: list[dict[str, Any]] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def cors_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers if k.startswith("access-control-")}


def scope_for(
    method: str = "GET", path: str = "/", headers: Iterable[tuple[str, str]] = (), kind: str = "http"
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http" if kind == "http" else "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    if kind == "http":
        scope["method"] = method
    return scope


async def arequest(app: Any, method: str = "GET", path: str = "/", headers: Iterable[tuple[str, str]] = ()) -> Reply:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope_for(method, path, headers), receive, send)
    starts = [m for m in messages if m["type"] == "http.response.start"]
    assert len(starts) == 1, messages
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    raw = starts[0].get("headers", [])
    return Reply(starts[0]["status"], [(k.decode().lower(), v.decode("latin-1")) for k, v in raw], body, messages)


def request(app: Any, method: str = "GET", path: str = "/", headers: Iterable[tuple[str, str]] = ()) -> Reply:
    """One HTTP request through ``app``; ``headers`` as (name, value) pairs, repeats kept."""
    return run(arequest, app, method, path, list(headers))


def preflight(app: Any, origin: str, method: str = "GET", path: str = "/", request_headers: str | None = None) -> Reply:
    headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if request_headers is not None:
        headers.append(("Access-Control-Request-Headers", request_headers))
    return request(app, "OPTIONS", path, headers)


class OkApp:
    """Answers every HTTP request with 200 "ok" (and remembers the scopes it saw)."""

    def __init__(self, status: int = 200, body: bytes = b"ok") -> None:
        self.status = status
        self.body = body
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen.append(scope)
        await send(
            {"type": "http.response.start", "status": self.status, "headers": [(b"content-type", b"text/plain")]}
        )
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
    async def __call__(self, origin: str) -> Any:  # type: ignore[override]
        await anyio.sleep(0)
        return CountingFunc.__call__(self, origin)
