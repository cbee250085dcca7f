"""Browser.websocket(url): the opening handshake a page's ``new WebSocket(url)`` makes, in-process."""

from __future__ import annotations

from typing import Any

import pytest

from corskit import CORSMiddleware
from corskit.browser import AsyncBrowser, Browser


class Echo:
    """Accepts every WebSocket, remembers the handshake's path, query and headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.seen.append({"path": scope["path"], "query": scope["query_string"].decode(), "headers": headers})
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hello"})
        assert (await receive())["type"] == "websocket.disconnect"


def test_handshake_carries_the_page_origin_and_the_protocol_headers() -> None:
    app = Echo()
    with Browser(origin="https://app.example", app=app) as browser:
        result = browser.websocket("wss://api.example/live?room=1")
    assert (result.opened, result.status, result.error) == (True, 101, None)
    assert result.origin == "https://app.example"
    [seen] = app.seen
    assert (seen["path"], seen["query"]) == ("/live", "room=1")
    assert seen["headers"]["origin"] == "https://app.example"
    assert seen["headers"]["host"] == "api.example"
    assert seen["headers"]["upgrade"] == "websocket"
    assert seen["headers"]["sec-websocket-version"] == "13"
    assert len(seen["headers"]["sec-websocket-key"]) == 24  # 16 random bytes, base64


def test_an_opaque_origin_sends_null() -> None:
    app = Echo()
    with Browser(origin="null", app=app) as browser:
        assert browser.websocket("ws://api.example/").origin == "null"
    assert app.seen[0]["headers"]["origin"] == "null"


def test_relative_and_http_urls_become_websocket_urls() -> None:
    app = Echo()
    with Browser(origin="https://app.example", app=app, base_url="https://api.example") as browser:
        assert browser.websocket("/live").url == "wss://api.example/live"
        assert browser.websocket("http://api.example/x").url == "ws://api.example/x"


@pytest.mark.parametrize("url", ["ftp://api.example/", "wss://api.example/#part", "ws:///nohost"])
def test_urls_the_constructor_refuses(url: str) -> None:
    with Browser(origin="https://app.example", app=Echo()) as browser, pytest.raises(ValueError):
        browser.websocket(url)


def test_corskit_refuses_a_foreign_origin_and_no_cors_headers_can_change_that() -> None:
    app = CORSMiddleware(Echo(), allow_origins=["https://app.example"])
    with Browser(origin="https://evil.example", app=app) as evil, Browser(origin="https://app.example", app=app) as ok:
        refused = evil.websocket("wss://api.example/live")
        opened = ok.websocket("wss://api.example/live")
    assert (refused.opened, refused.status) == (False, 403)
    assert refused.error is not None and refused.error.startswith("WebSocket connection to 'wss://api.example/live'")
    assert opened.opened


async def _crash(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


async def _silent(scope: Any, receive: Any, send: Any) -> None:
    await receive()


@pytest.mark.parametrize(("app", "status"), [(_crash, 500), (_silent, None)])
def test_an_app_that_crashes_or_says_nothing_does_not_open(app: Any, status: int | None) -> None:
    with Browser(origin="https://app.example", app=app) as browser:
        result = browser.websocket("wss://api.example/")
    assert (result.opened, result.status) == (False, status)


@pytest.mark.anyio
async def test_async_browser_websocket() -> None:
    async with AsyncBrowser(origin="https://app.example", app=Echo()) as browser:
        result = await browser.websocket("wss://api.example/")
    assert result.opened and result.origin == "https://app.example"
