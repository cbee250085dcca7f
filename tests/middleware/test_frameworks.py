"""The three ways to install corskit: FastAPI.add_middleware, Starlette's Middleware(...), wrapping any ASGI app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corskit import CORSConfigError, CORSMiddleware

CONFIG: dict[str, Any] = {
    "allow_origins": ["https://app.example.com", "https://*.example.org"],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Total"],
    "max_age": 300,
}


def fastapi_app(**config: Any) -> Any:
    app = FastAPI()

    @app.get("/items")
    async def items() -> PlainTextResponse:
        return PlainTextResponse("items", headers={"X-Total": "2"})

    app.add_middleware(CORSMiddleware, **config)
    return app


async def _items(request: Any) -> PlainTextResponse:
    return PlainTextResponse("items", headers={"X-Total": "2"})


def starlette_app(**config: Any) -> Any:
    return Starlette(routes=[Route("/items", _items)], middleware=[Middleware(CORSMiddleware, **config)])


async def raw_items(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"x-total", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"items"})


def raw_app(**config: Any) -> Any:
    return CORSMiddleware(raw_items, **config)


BUILDERS: dict[str, Callable[..., Any]] = {"fastapi": fastapi_app, "starlette": starlette_app, "raw-asgi": raw_app}


@pytest.fixture(params=sorted(BUILDERS))
def client(request: pytest.FixtureRequest) -> TestClient:
    return TestClient(BUILDERS[request.param](**CONFIG))


@pytest.mark.parametrize("origin", ["https://app.example.com", "https://shop.example.org"])
def test_preflight_and_actual_request(client: TestClient, origin: str) -> None:
    answer = client.options(
        "/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-token"},
    )
    assert (answer.status_code, answer.text) == (200, "OK")
    assert answer.headers["access-control-allow-origin"] == origin
    assert answer.headers["access-control-allow-methods"] == "GET, PUT"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["access-control-max-age"] == "300"

    response = client.get("/items", headers={"Origin": origin})
    assert (response.status_code, response.text) == (200, "items")
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total"
    assert response.headers["vary"] == "Origin"


def test_refused_origin_method_and_header(client: TestClient) -> None:
    origin = "https://app.example.com"
    bad_origin = client.options(
        "/items", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert (bad_origin.status_code, bad_origin.text) == (400, "Disallowed CORS origin")
    bad_method = client.options("/items", headers={"Origin": origin, "Access-Control-Request-Method": "DELETE"})
    assert (bad_method.status_code, bad_method.text) == (400, "Disallowed CORS method")
    bad_header = client.options(
        "/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-other"},
    )
    assert (bad_header.status_code, bad_header.text) == (400, "Disallowed CORS headers")
    response = client.get("/items", headers={"Origin": "https://evil.test"})
    assert response.text == "items"
    assert not any(name.startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_bad_configuration_is_refused_before_any_request_is_answered(name: str) -> None:
    bad = {"allow_origins": ["*"], "allow_credentials": True}
    # FastAPI and Starlette construct their middleware when the app first runs (here: on entering the
    # client, which starts the app's lifespan); a raw wrapper constructs it right away.
    with pytest.raises(CORSConfigError) as caught, TestClient(BUILDERS[name](**bad)) as client:
        client.get("/items", headers={"Origin": "https://evil.test"})
    assert caught.value.codes == ["wildcard-with-credentials"]
