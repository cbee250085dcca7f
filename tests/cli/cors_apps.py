"""Servers for the ``check`` and ``scan`` tests: one ASGI app that routes ``/NAME/...`` to a differently
configured CORS setup (corskit, Starlette's middleware misconfigured, hand-written broken ones), so that
one uvicorn serves every case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from corskit import CORSMiddleware

ASGIApp = Callable[..., Any]


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello", headers={"X-Total": "3"})


def inner_app() -> Starlette:
    """The app behind every CORS setup: any path, the usual methods, a header worth exposing."""
    return Starlette(routes=[Route("/{path:path}", _hello, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])])


def corskit_app(**options: Any) -> ASGIApp:
    return CORSMiddleware(inner_app(), **options)


def starlette_app(**options: Any) -> ASGIApp:
    return StarletteCORS(inner_app(), **options)


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def hand_written(answer: Callable[[str | None, str | None, bool], list[tuple[str, str]]]) -> ASGIApp:
    """A server whose CORS headers come from ``answer(origin, cookie, is_preflight)`` -- the kind of
    code people write by hand, with its mistakes."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        is_preflight = scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None
        headers = answer(_header(scope, b"origin"), _header(scope, b"cookie"), is_preflight)
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        raw.append((b"content-type", b"text/plain"))
        await send({"type": "http.response.start", "status": 204 if is_preflight else 200, "headers": raw})
        await send({"type": "http.response.body", "body": b"" if is_preflight else b"hello"})

    return app


class Routes:
    """Routes ``/NAME/rest`` to ``apps[NAME]`` with the path ``/rest``; anything else is a 404."""

    def __init__(self, apps: Mapping[str, ASGIApp]) -> None:
        self.apps = dict(apps)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        name, _, rest = scope["path"].lstrip("/").partition("/")
        app = self.apps.get(name)
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no such app"})
            return
        path = "/" + rest
        raw = scope.get("raw_path")
        await app({**scope, "path": path, "raw_path": path.encode() if raw else raw}, receive, send)
