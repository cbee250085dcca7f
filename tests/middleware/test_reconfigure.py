"""reconfigure(): validated like the constructor, swapped in one step, never half-applied; debug mode."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest
from support.asgi import Endpoint, acall, http_scope, preflight, request

from corskit import CORSConfigError, CORSMiddleware

A = "https://a.example.com"
B = "https://b.example.com"


def acao(app: Any, origin: str, path: str = "/") -> str | None:
    return request(app, "GET", path, [("Origin", origin)]).get("access-control-allow-origin")


def test_reconfigure_changes_the_named_options_and_keeps_the_others() -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A], allow_credentials=True, expose_headers=["X-Id"])
    cors.reconfigure(allow_origins=[B])
    assert acao(cors, A) is None
    response = request(cors, "GET", "/", [("Origin", B)])
    assert response.get("access-control-allow-origin") == B
    assert response.get("access-control-allow-credentials") == "true"  # kept
    assert response.get("access-control-expose-headers") == "X-Id"  # kept
    assert cors.allow_origins == (B,)
    assert cors.options.allow_credentials is True


BAD_CONFIGS: list[dict[str, Any]] = [
    {"allow_origins": "https://a.example.com", "max_age": -1},
    {"allow_origins": ["*"], "allow_credentials": True},
    {"allow_origins": ["https://A.example.com/"], "allow_methods": ["CONNECT"], "allow_headers": ["Cookie"]},
    {"allow_origin_regex": "https://.*example.com"},
    {"path_policies": {"admin": {"allow_origins": ["null"]}}},
    {"no_such_option": 1, "debug": "yes"},
]


@pytest.mark.parametrize("config", BAD_CONFIGS)
def test_a_refused_reconfiguration_reports_what_the_constructor_reports_and_changes_nothing(
    config: dict[str, Any],
) -> None:
    with pytest.raises(CORSConfigError) as constructed:
        CORSMiddleware(Endpoint(), **config)
    cors = CORSMiddleware(Endpoint(), allow_origins=[A])
    before = cors.options
    with pytest.raises(CORSConfigError) as reconfigured:
        cors.reconfigure(**config)
    assert [(p.code, p.parameter, p.message) for p in reconfigured.value.problems] == [
        (p.code, p.parameter, p.message) for p in constructed.value.problems
    ]
    assert len(reconfigured.value.problems) >= 1
    assert cors.options is before
    assert acao(cors, A) == A


def test_path_policies_and_websocket_check_are_reconfigured_too() -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A])
    cors.reconfigure(path_policies={"/admin": None})
    assert acao(cors, A, "/admin") is None  # CORS off there now
    assert acao(cors, A, "/other") == A
    cors.reconfigure(path_policies=None, check_websocket_origin=False)
    assert acao(cors, A, "/admin") == A
    assert cors.check_websocket_origin is False


@pytest.mark.anyio
async def test_a_request_in_flight_finishes_under_the_configuration_it_started_with() -> None:
    started, release = anyio.Event(), anyio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        started.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"late"})

    cors = CORSMiddleware(slow_app, allow_origins=[A], expose_headers=["X-Old"])
    results: dict[str, Any] = {}

    async def in_flight() -> None:
        results["response"] = await acall(cors, http_scope("GET", "/", [("Origin", A)]))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(in_flight)
        await started.wait()
        cors.reconfigure(allow_origins=[B], expose_headers=["X-New"])  # while the app is still working
        release.set()
    response = results["response"]
    assert response.get("access-control-allow-origin") == A
    assert response.get("access-control-expose-headers") == "X-Old"
    # A request that starts now sees the new configuration.
    started, release = anyio.Event(), anyio.Event()
    release.set()
    after = await acall(cors, http_scope("GET", "/", [("Origin", A)]))
    assert after.get("access-control-allow-origin") is None


# -- debug mode --------------------------------------------------------------------------------------


def test_debug_is_off_by_default_and_must_be_a_bool() -> None:
    assert CORSMiddleware(Endpoint()).debug is False
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(Endpoint(), debug="yes")
    assert [(p.code, p.parameter) for p in raised.value.problems] == [("not-a-bool", "debug")]


def test_debug_answers_a_refused_method_with_200_and_the_configured_methods() -> None:
    config: dict[str, Any] = {"allow_origins": [A], "allow_methods": ["GET", "POST"], "allow_credentials": True}
    plain = preflight(CORSMiddleware(Endpoint(), **config), A, "PUT")
    assert plain.status == 400
    debug = preflight(CORSMiddleware(Endpoint(), **config, debug=True), A, "PUT")
    assert debug.status == 200
    assert debug.get("access-control-allow-origin") == A
    assert debug.get("access-control-allow-credentials") == "true"
    assert debug.get("access-control-allow-methods") == "GET, POST"  # PUT is not in it: still refused
    assert debug.body == b"Disallowed CORS method"


def test_debug_answers_a_refused_header_with_the_configured_headers() -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A], allow_headers=["X-Token"], debug=True)
    response = preflight(cors, A, "GET", request_headers="x-token, x-other")
    assert response.status == 200
    assert "x-other" not in (response.get("access-control-allow-headers") or "").lower()
    assert "x-token" in (response.get("access-control-allow-headers") or "").lower()


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_debug_never_allows_a_refused_origin(method: str) -> None:
    """A refused origin gets the very answer it gets without debug mode: nothing is revealed to it."""
    config: dict[str, Any] = {"allow_origins": [A], "allow_methods": ["GET"], "allow_credentials": True}
    evil = "https://evil.example.net"
    debug = preflight(CORSMiddleware(Endpoint(), **config, debug=True), evil, method, request_headers="x-a")
    plain = preflight(CORSMiddleware(Endpoint(), **config), evil, method, request_headers="x-a")
    assert debug.status == 400
    assert debug.get("access-control-allow-origin") is None
    assert debug.get("access-control-allow-methods") is None
    assert (debug.status, debug.headers, debug.body) == (plain.status, plain.headers, plain.body)


def test_debug_switches_at_run_time() -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A])
    assert preflight(cors, A, "DELETE").status == 400
    cors.debug = True
    assert preflight(cors, A, "DELETE").status == 200
    cors.debug = False
    assert preflight(cors, A, "DELETE").status == 400
    assert cors.allow_origins == (A,)


def test_debug_logs_refusals_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A], debug=True)
    with caplog.at_level(logging.WARNING, logger="corskit"):
        preflight(cors, A, "PUT")
        request(cors, "GET", "/", [("Origin", "https://evil.example.net")])
    messages = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(messages) == 2
    assert messages[0].startswith("corskit refused a preflight:")
    assert "PUT" in messages[0] and "allow_methods" in messages[0]
    assert messages[1].startswith("corskit refused a request:")
    assert "https://evil.example.net" in messages[1]


def test_without_debug_refusals_stay_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    cors = CORSMiddleware(Endpoint(), allow_origins=[A])
    with caplog.at_level(logging.WARNING, logger="corskit"):
        preflight(cors, A, "PUT")
    assert caplog.records == []


def test_an_app_built_with_add_middleware_is_reconfigured_through_find_middleware() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from corskit import find_middleware

    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("hi"))])
    app.add_middleware(CORSMiddleware, allow_origins=[A])
    client = TestClient(app)
    assert client.get("/", headers={"Origin": B}).headers.get("access-control-allow-origin") is None
    find_middleware(app).reconfigure(allow_origins=[B])
    assert client.get("/", headers={"Origin": B}).headers.get("access-control-allow-origin") == B
    assert client.get("/", headers={"Origin": A}).headers.get("access-control-allow-origin") is None
