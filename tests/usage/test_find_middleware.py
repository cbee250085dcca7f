"""corskit.find_middleware: the middleware of an app built with add_middleware, for explain()."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corskit import CORSConfigError, CORSMiddleware, find_middleware

ORIGIN = "https://app.example.com"


def _fastapi(**options: object) -> FastAPI:
    app = FastAPI()
    app.add_middleware(GZipMiddleware)
    app.add_middleware(CORSMiddleware, **options)  # type: ignore[arg-type]
    app.add_middleware(GZipMiddleware)

    @app.get("/items")
    def items() -> list[str]:
        return []

    return app


def test_found_before_the_first_request_is_the_one_that_serves() -> None:
    app = _fastapi(allow_origins=[ORIGIN], allow_methods=["GET", "POST"])
    assert app.middleware_stack is None
    cors = find_middleware(app)
    explanation = cors.explain("OPTIONS", "/items", {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert not explanation.allowed
    assert [f.code for f in explanation.failures] == ["method-not-allowed"]
    # The stack built here is the app's own: requests go through this very instance.
    response = TestClient(app).get("/items", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert find_middleware(app) is cors


def test_found_in_a_plain_starlette_app_and_through_wrappers() -> None:
    inner = Starlette(
        routes=[Route("/", lambda request: PlainTextResponse("hi"))],
        middleware=[Middleware(CORSMiddleware, allow_origins=[ORIGIN])],
    )
    found = find_middleware(GZipMiddleware(inner))
    assert found.allow_origins == (ORIGIN,)
    direct = CORSMiddleware(inner, allow_origins=["https://other.example.com"])
    assert find_middleware(GZipMiddleware(direct)) is direct


def test_a_refused_configuration_raises_the_configuration_error() -> None:
    app = _fastapi(allow_origins=["*"], allow_credentials=True)
    with pytest.raises(CORSConfigError) as caught:
        find_middleware(app)
    assert caught.value.codes == ["wildcard-with-credentials"]


def test_no_corskit_in_the_app_is_a_clear_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"no corskit CORSMiddleware in FastAPI's middleware: add it with"):
        find_middleware(_plain_fastapi())
    starlettes = Starlette(middleware=[Middleware(StarletteCORSMiddleware, allow_origins=[ORIGIN])])
    with pytest.raises(LookupError, match=r"Starlette's CORSMiddleware, not corskit's"):
        find_middleware(starlettes)


def _plain_fastapi() -> FastAPI:
    app = FastAPI()
    app.add_middleware(GZipMiddleware)
    return app
