"""The middleware's features in a real Chromium: dynamic origins, readable 500s, WebSocket checks, path policies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI, WebSocket
from support.chromium import OriginPage, open_origin_page
from support.servers import ServerHandle, serve

from corskit import CORSMiddleware

pytestmark = pytest.mark.chromium

API = "api.localhost"


def is_tenant(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host.startswith("tenant-") and host.endswith(".localhost")


async def is_tenant_async(origin: str) -> bool:
    return is_tenant(origin)


def build_api(func: Callable[[str], Any]) -> FastAPI:
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


@pytest.fixture(scope="module", params=[is_tenant, is_tenant_async], ids=["sync-func", "async-func"])
def api_server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
    with serve(build_api(request.param), log_level="critical") as server:
        yield server


@pytest.fixture(scope="module")
def tenant_page(chromium: Any, page_server: ServerHandle) -> Iterator[OriginPage]:
    """A page on an origin the function allows (shared by the module: opening pages is the slow part)."""
    page = open_origin_page(chromium, page_server.origin("tenant-a.localhost"))
    yield page
    page.close()


@pytest.fixture(scope="module")
def evil_page(chromium: Any, page_server: ServerHandle) -> Iterator[OriginPage]:
    page = open_origin_page(chromium, page_server.origin("evil.localhost"))
    yield page
    page.close()


def test_function_decides_which_origins_may_read(
    api_server: ServerHandle, tenant_page: OriginPage, evil_page: OriginPage
) -> None:
    url = api_server.url("/data", host=API)
    read, write = tenant_page.fetch_all(
        [
            (url, {"credentials": "include"}),
            (url, {"method": "PUT", "headers": {"X-Token": "t"}, "credentials": "include"}),
        ]
    )
    assert (read.blocked, read.status, read.text) == (False, 200, '{"data":"secret"}')
    assert (write.blocked, write.status, write.text) == (False, 200, '{"written":"yes"}')

    for outcome in evil_page.fetch_all([(url, {}), (url, {"method": "PUT", "headers": {"X-Token": "t"}})]):
        assert outcome.blocked and outcome.status is None


def test_endpoint_error_is_a_readable_500_for_allowed_origins(
    api_server: ServerHandle, tenant_page: OriginPage, evil_page: OriginPage
) -> None:
    url = api_server.url("/boom", host=API)
    allowed = tenant_page.fetch(url, credentials="include")
    assert not allowed.blocked
    assert (allowed.status, allowed.text) == (500, "Internal Server Error")
    refused = evil_page.fetch(url)
    assert refused.blocked and refused.status is None
    # The server survived the exception.
    assert not tenant_page.fetch(api_server.url("/data", host=API)).blocked


def test_path_policy_opens_a_prefix_to_everyone(api_server: ServerHandle, evil_page: OriginPage) -> None:
    feed, data = evil_page.fetch_all(
        [(api_server.url("/public/feed", host=API), {}), (api_server.url("/data", host=API), {})]
    )
    assert (feed.blocked, feed.status, feed.text) == (False, 200, '{"feed":"open"}')
    assert data.blocked


_WEBSOCKET_SCRIPT = """
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


def open_websocket(page: OriginPage, url: str) -> dict[str, Any]:
    result: dict[str, Any] = page.page.evaluate(_WEBSOCKET_SCRIPT, url)
    return result


def test_websocket_from_an_allowed_origin_opens(api_server: ServerHandle, tenant_page: OriginPage) -> None:
    seen = open_websocket(tenant_page, api_server.url("/ws", host=API, scheme="ws"))
    assert seen["opened"] is True
    assert seen["message"] == "hello"
    assert seen["error"] is False


def test_websocket_from_a_refused_origin_fails(api_server: ServerHandle, evil_page: OriginPage) -> None:
    seen = open_websocket(evil_page, api_server.url("/ws", host=API, scheme="ws"))
    assert seen["opened"] is False
    assert seen["message"] is None
    assert seen["error"] is True
    assert seen["code"] == 1006  # the handshake failed: Chromium never saw a WebSocket connection


def test_websocket_check_can_be_turned_off(evil_page: OriginPage) -> None:
    api = FastAPI()

    @api.websocket("/ws")
    async def greet(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app = CORSMiddleware(api, allow_origins=["http://tenant-e.localhost"], check_websocket_origin=False)
    with serve(app, log_level="critical") as server:
        seen = open_websocket(evil_page, server.url("/ws", host=API, scheme="ws"))
    assert (seen["opened"], seen["message"]) == (True, "hello")
