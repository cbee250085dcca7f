"""The cors_browser fixture on real apps: lifespan run, app exceptions raised, fixes that name parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from corskit import CORSMiddleware
from corskit.browser import AsyncBrowser, Browser, LifespanFailed

ORIGIN = "https://app.example.com"
BrowserFactory = Callable[..., Browser]


def _app_with_lifespan(events: list[str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"pool": "connected"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_methods=["GET", "PUT"])

    @app.get("/items")
    def items(request: Request) -> dict[str, str]:
        return {"pool": request.state.pool}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database down")

    return app


def test_fixture_runs_the_lifespan_before_the_first_request(cors_browser: BrowserFactory) -> None:
    events: list[str] = []
    browser = cors_browser(_app_with_lifespan(events), origin=ORIGIN)
    assert events == []  # nothing runs until the first request
    result = browser.fetch("/items")
    assert not result.blocked, result.error
    assert (result.status, result.text) == (200, '{"pool":"connected"}')
    browser.fetch("/items")
    assert events == ["startup"]  # once


def test_closing_the_browser_runs_the_shutdown() -> None:
    events: list[str] = []
    with Browser(origin=ORIGIN, app=_app_with_lifespan(events)) as browser:
        browser.fetch("/items")
    assert events == ["startup", "shutdown"]


@pytest.mark.anyio
async def test_async_browser_runs_startup_and_shutdown() -> None:
    events: list[str] = []
    async with AsyncBrowser(origin=ORIGIN, app=_app_with_lifespan(events)) as browser:
        assert (await browser.fetch("/items")).status == 200
    assert events == ["startup", "shutdown"]


def test_the_apps_exception_reaches_the_test(cors_browser: BrowserFactory) -> None:
    browser = cors_browser(_app_with_lifespan([]), origin=ORIGIN)
    with pytest.raises(RuntimeError, match="database down"):
        browser.fetch("/boom")


def test_without_raising_the_500_is_what_the_page_sees(cors_browser: BrowserFactory) -> None:
    browser = cors_browser(_app_with_lifespan([]), origin=ORIGIN, raise_app_exceptions=False)
    result = browser.fetch("/boom")
    assert (result.blocked, result.status) == (False, 500)  # corskit put CORS headers on the 500


def test_a_failing_startup_is_raised(cors_browser: BrowserFactory) -> None:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise ConnectionError("no database")
        yield

    browser = cors_browser(Starlette(lifespan=lifespan), origin=ORIGIN)
    with pytest.raises(ConnectionError, match="no database"):
        browser.fetch("/")


def test_a_startup_failed_message_is_raised(cors_browser: BrowserFactory) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "config missing"})

    with pytest.raises(LifespanFailed, match="config missing"):
        cors_browser(app, origin=ORIGIN).fetch("/")


def _inner() -> Starlette:
    return Starlette(routes=[Route("/x", lambda request: PlainTextResponse("x"), methods=["GET", "PUT"])])


@pytest.mark.parametrize("middleware", [CORSMiddleware, StarletteCORSMiddleware], ids=["corskit", "starlette"])
def test_a_disallowed_method_fix_names_the_parameter(cors_browser: BrowserFactory, middleware: Any) -> None:
    app = middleware(_inner(), allow_origins=[ORIGIN])
    result = cors_browser(app, origin=ORIGIN).fetch("/x", method="PUT")
    assert result.blocked and result.error is not None
    assert "Disallowed CORS method" in result.error
    assert result.error.endswith("Fix: the server's CORS middleware refused the preflight: add 'PUT' to allow_methods.")
    assert "before auth" not in result.error


def test_a_disallowed_header_fix_names_allow_headers(cors_browser: BrowserFactory) -> None:
    app = CORSMiddleware(_inner(), allow_origins=[ORIGIN], allow_methods=["GET", "PUT"])
    result = cors_browser(app, origin=ORIGIN).fetch("/x", method="PUT", headers={"X-Token": "1"})
    assert result.error is not None and result.error.endswith("add ['x-token'] to allow_headers.")


@pytest.mark.parametrize("middleware", [CORSMiddleware, StarletteCORSMiddleware], ids=["corskit", "starlette"])
def test_a_disallowed_origin_fix_names_allow_origins(cors_browser: BrowserFactory, middleware: Any) -> None:
    app = middleware(_inner(), allow_origins=[ORIGIN], allow_methods=["GET", "PUT"])
    result = cors_browser(app, origin="https://other.example.com").fetch("/x", method="PUT")
    assert result.error is not None
    assert "No 'Access-Control-Allow-Origin' header is present" in result.error
    assert result.error.endswith("add 'https://other.example.com' to allow_origins.")
