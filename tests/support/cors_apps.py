"""Apps behind corskit for the real-browser feature tests (Chromium, Firefox ESR, WebKitGTK alike).

API::

    from support.cors_apps import cors_server, echo_app, build_api, is_tenant, init, allowed, preflights
    with cors_server(allow_origins=[...]) as (server, recorder):   # echo_app behind corskit, recorded
        ...
    build_api(is_tenant)           # FastAPI: /data (GET, PUT), /boom (500), /public/feed, /ws; origin function
    WEBSOCKET_SCRIPT               # page script: new WebSocket(url) -> {opened, message, error, code}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, WebSocket

from corskit import CORSMiddleware
from support.chromium import FetchOutcome
from support.servers import RecordingApp, ServerHandle, serve


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers every method with what it received, plus a header that is exposed and one that is not."""
    assert scope["type"] == "http"
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    cookie = next((v.decode() for k, v in scope["headers"] if k == b"cookie"), None)
    body = json.dumps({"method": scope["method"], "cookie": cookie}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
        (b"x-total", b"42"),
        (b"x-hidden", b"secret"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def cors_server(**config: Any) -> Iterator[tuple[ServerHandle, RecordingApp]]:
    """``echo_app`` behind ``CORSMiddleware(**config)``, behind a recorder that sees every request."""
    recorder = RecordingApp(CORSMiddleware(echo_app, **config))
    with serve(recorder) as server:
        yield server, recorder


def init(method: str = "GET", headers: dict[str, str] | None = None, credentials: str = "omit") -> dict[str, Any]:
    # No "cache" mode: no-store / reload make Chromium and Firefox bypass their preflight caches. The app's
    # responses carry Cache-Control: no-store, which keeps the HTTP cache out of the way.
    request: dict[str, Any] = {"method": method, "credentials": credentials}
    if headers:
        request["headers"] = headers
    return request


def allowed(outcome: FetchOutcome) -> bool:
    return not outcome.blocked and outcome.status == 200


def preflights(recorder: RecordingApp, path: str) -> int:
    return len([r for r in recorder.find(path=path, method="OPTIONS") if r.header("access-control-request-method")])


def is_tenant(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host.startswith("tenant-") and host.endswith(".localhost")


def build_api(func: Callable[[str], Any]) -> FastAPI:
    """An API whose origins ``func`` decides, with an error endpoint, an open /public prefix and a WebSocket."""
    api = FastAPI()

    @api.get("/data")
    def read() -> dict[str, str]:
        return {"data": "secret"}

    @api.put("/data")
    def write() -> dict[str, str]:
        return {"written": "yes"}

    @api.get("/boom")
    def boom() -> None:
        raise RuntimeError("deliberate failure for the test")

    @api.get("/public/feed")
    def feed() -> dict[str, str]:
        return {"feed": "open"}

    @api.websocket("/ws")
    async def greet(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    api.add_middleware(
        CORSMiddleware,
        allow_origin_func=func,
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        path_policies={"/public": {"allow_origins": ["*"]}},
    )
    return api


WEBSOCKET_SCRIPT = """
(url) => new Promise((resolve) => {
  const seen = {opened: false, message: null, error: false, code: null};
  const ws = new WebSocket(url);
  ws.onopen = () => { seen.opened = true; };
  ws.onmessage = (event) => { seen.message = event.data; };
  ws.onerror = () => { seen.error = true; };
  ws.onclose = (event) => { seen.code = event.code; resolve(seen); };
  setTimeout(() => resolve(seen), 5000);
})
"""
