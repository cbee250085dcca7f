"""CORS headers on errors: an allowed page sees the real 500 instead of a misleading CORS failure."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient
from support.asgi import http_scope
from support.threads import run

from corskit import CORSMiddleware

ALLOWED = "https://app.example"
REFUSED = "https://evil.example"


class Boom(Exception):
    pass


def make_app(**cors: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise Boom("endpoint failed")

    @app.get("/missing")
    def missing() -> None:
        raise HTTPException(status_code=404, detail="no such item")

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    app.add_middleware(CORSMiddleware, **({"allow_origins": [ALLOWED], "allow_credentials": True} | cors))
    return app


def test_unhandled_exception_gives_allowed_origin_a_readable_500() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"


def test_unhandled_exception_without_credentials_has_no_credentials_header() -> None:
    client = TestClient(
        make_app(allow_credentials=False, expose_headers=["X-Request-Id"]), raise_server_exceptions=False
    )
    response = client.get("/boom", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["access-control-expose-headers"] == "X-Request-Id"


def test_wildcard_origin_on_500() -> None:
    client = TestClient(make_app(allow_origins=["*"], allow_credentials=False), raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": "https://anyone.example"})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "*"


def test_exception_still_propagates_to_the_server() -> None:
    client = TestClient(make_app(), raise_server_exceptions=True)
    with pytest.raises(Boom, match="endpoint failed"):
        client.get("/boom", headers={"Origin": ALLOWED})
    with pytest.raises(Boom):
        client.get("/boom")


@pytest.mark.parametrize("headers", [{"Origin": REFUSED}, {}], ids=["refused-origin", "no-origin"])
def test_refused_or_missing_origin_gets_a_500_without_cors_headers(headers: dict[str, str]) -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    response = client.get("/boom", headers=headers)
    assert response.status_code == 500
    assert not [k for k in response.headers if k.startswith("access-control-")]


def test_allow_origin_func_origin_gets_cors_on_500() -> None:
    client = TestClient(
        make_app(allow_origins=[], allow_origin_func=lambda o: o == ALLOWED), raise_server_exceptions=False
    )
    assert client.get("/boom", headers={"Origin": ALLOWED}).headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-origin" not in client.get("/boom", headers={"Origin": REFUSED}).headers


def test_http_exceptions_carry_cors_headers() -> None:
    client = TestClient(make_app())
    not_found = client.get("/missing", headers={"Origin": ALLOWED})
    assert not_found.status_code == 404
    assert not_found.json() == {"detail": "no such item"}
    assert not_found.headers["access-control-allow-origin"] == ALLOWED
    invalid = client.get("/items/not-a-number", headers={"Origin": ALLOWED})
    assert invalid.status_code == 422
    assert invalid.headers["access-control-allow-origin"] == ALLOWED
    no_route = client.get("/nowhere", headers={"Origin": ALLOWED})
    assert no_route.status_code == 404
    assert no_route.headers["access-control-allow-origin"] == ALLOWED


def test_users_exception_handler_with_add_middleware() -> None:
    """Observed behaviour, to be documented: with ``add_middleware`` corskit answers the 500 itself.

    Starlette runs a handler for ``Exception`` in ServerErrorMiddleware, outside every user middleware.
    corskit has already sent its plain 500 by then, so the handler runs (logging, error trackers) but
    its response body never reaches the client.
    """
    app = make_app()
    handled: list[str] = []

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        handled.append(type(exc).__name__)
        return JSONResponse({"error": "custom body"}, status_code=503)

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": ALLOWED})
    assert handled == ["Boom"]
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    # Without an Origin, corskit stays out of the way and the handler's response is sent.
    plain = client.get("/boom")
    assert plain.status_code == 503
    assert plain.json() == {"error": "custom body"}


@pytest.mark.parametrize("key", [Exception, 500], ids=["Exception", "500"])
def test_handler_for_exception_or_500_runs_but_corskit_answers(key: Any) -> None:
    app = make_app()
    handled: list[str] = []

    async def on_error(request: Request, exc: Exception) -> PlainTextResponse:
        handled.append(type(exc).__name__)
        return PlainTextResponse("custom", status_code=500)

    app.add_exception_handler(key, on_error)
    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"Origin": ALLOWED})
    assert handled == ["Boom"]
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_handlers_for_specific_exceptions_keep_their_body_and_get_cors() -> None:
    """Handlers for a specific exception class run inside the user middleware, so nothing changes for them."""
    app = make_app()

    @app.exception_handler(Boom)
    async def on_boom(request: Request, exc: Boom) -> JSONResponse:
        return JSONResponse({"error": "boom handled"}, status_code=502)

    client = TestClient(app)  # the handled exception does not propagate
    response = client.get("/boom", headers={"Origin": ALLOWED})
    assert response.status_code == 502
    assert response.json() == {"error": "boom handled"}
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_debug_mode_traceback_page_is_replaced_for_allowed_origins() -> None:
    app = make_app()
    app.debug = True
    client = TestClient(app, raise_server_exceptions=False)
    cors = client.get("/boom", headers={"Origin": ALLOWED})
    assert cors.status_code == 500
    assert cors.text == "Internal Server Error"
    assert cors.headers["access-control-allow-origin"] == ALLOWED
    plain = client.get("/boom", headers={"Accept": "text/plain"})
    assert plain.status_code == 500
    assert "Boom" in plain.text  # Starlette's debug traceback, only without CORS


def test_wrapping_the_whole_app_keeps_the_custom_error_body() -> None:
    inner = FastAPI()

    @inner.get("/boom")
    def boom() -> None:
        raise Boom("endpoint failed")

    @inner.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "custom body"}, status_code=500, headers={"Vary": "Accept"})

    app = CORSMiddleware(inner, allow_origins=[ALLOWED], allow_credentials=True)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.json() == {"error": "custom body"}
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Accept, Origin"
    refused = client.get("/boom", headers={"Origin": REFUSED})
    assert refused.json() == {"error": "custom body"}
    assert "access-control-allow-origin" not in refused.headers
    # Starlette re-raises after its handler ran, so the server still logs the exception.
    with pytest.raises(Boom):
        TestClient(app).get("/boom", headers={"Origin": ALLOWED})


def test_wrapping_the_whole_app_without_handler_gives_starlettes_500_with_cors() -> None:
    inner = FastAPI()

    @inner.get("/boom")
    def boom() -> None:
        raise Boom("x")

    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ALLOWED


class FailsAfterStart:
    """Sends the response start and part of the body, then raises."""

    def __init__(self) -> None:
        self.raised = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        self.raised = True
        raise Boom("mid-stream")


def test_exception_after_the_response_started_is_not_answered_twice() -> None:
    app = CORSMiddleware(FailsAfterStart(), allow_origins=[ALLOWED])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def go() -> None:
        await app(http_scope("GET", "/", [("Origin", ALLOWED)]), receive, send)

    with pytest.raises(Boom, match="mid-stream"):
        run(go)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1 and starts[0]["status"] == 200
    assert (b"access-control-allow-origin", ALLOWED.encode()) in starts[0]["headers"]
    assert [m.get("body") for m in sent if m["type"] == "http.response.body"] == [b"partial"]


def test_exception_in_streaming_response_under_fastapi() -> None:
    app = make_app()

    @app.get("/stream")
    def stream() -> StreamingResponse:
        def chunks() -> Any:
            yield b"first"
            raise Boom("mid-stream")

        return StreamingResponse(chunks(), media_type="text/plain")

    with pytest.raises(Boom):
        TestClient(app).get("/stream", headers={"Origin": ALLOWED})


def test_refused_origin_500_is_untouched_by_corskit_plaintext() -> None:
    # For a refused origin, the 500 is Starlette's own (not produced by corskit).
    app = make_app()

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("handled", status_code=500)

    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"Origin": REFUSED})
    assert response.text == "handled"
    assert "access-control-allow-origin" not in response.headers
