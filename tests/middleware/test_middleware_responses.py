"""Actual (non-preflight) responses: CORS headers, Vary merging, isolation between responses, scopes."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from support.asgi import Endpoint, acall, http_scope, request
from support.threads import run

from corskit import CORSMiddleware

ORIGIN = "https://app.example.com"


def vary_tokens(values: list[str]) -> list[str]:
    return [token.strip().lower() for value in values for token in value.split(",") if token.strip()]


def test_allowed_origin_gets_its_headers_on_the_apps_response() -> None:
    inner = Endpoint([("content-type", "application/json"), ("x-total", "3")], status=201)
    app = CORSMiddleware(inner, allow_origins=[ORIGIN], allow_credentials=True, expose_headers=["X-Total", "X-Page"])
    response = request(app, "POST", "/", [("Origin", ORIGIN)])
    assert (response.status, response.body) == (201, b"app")
    assert response.get("access-control-allow-origin") == ORIGIN
    assert response.get("access-control-allow-credentials") == "true"
    assert response.get("access-control-expose-headers") == "X-Total, X-Page"
    assert response.get("content-type") == "application/json"
    assert response.get("x-total") == "3"
    assert response.get("vary") == "Origin"


def test_request_without_origin_gets_no_cors_headers_but_vary_origin() -> None:
    app = CORSMiddleware(Endpoint([("x-a", "1")]), allow_origins=[ORIGIN], allow_credentials=True)
    response = request(app, "GET")
    assert [name for name, _ in response.headers if name.startswith(b"access-control-")] == []
    assert response.get("vary") == "Origin"
    assert response.get("x-a") == "1"


def test_the_middleware_replaces_cors_headers_the_app_set_for_an_allowed_origin() -> None:
    inner = Endpoint([("Access-Control-Allow-Origin", "https://stale.example")])
    app = CORSMiddleware(inner, allow_origins=[ORIGIN])
    response = request(app, "GET", "/", [("Origin", ORIGIN)])
    assert response.values("access-control-allow-origin") == [ORIGIN]


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        ([], ["origin"]),
        (["Accept-Encoding"], ["accept-encoding", "origin"]),
        (["Accept-Encoding", "Accept-Language"], ["accept-encoding", "accept-language", "origin"]),
        (["Accept-Encoding, Accept-Language", "Cookie"], ["accept-encoding", "accept-language", "cookie", "origin"]),
        (["Origin"], ["origin"]),
        (["Accept-Encoding, origin"], ["accept-encoding", "origin"]),
        (["*"], ["*"]),
    ],
)
@pytest.mark.parametrize("origin", [ORIGIN, "https://refused.example", None])
def test_vary_is_merged_into_one_header(app_vary: list[str], expected: list[str], origin: str | None) -> None:
    inner = Endpoint([("vary", value) for value in app_vary])
    app = CORSMiddleware(inner, allow_origins=[ORIGIN])
    response = request(app, "GET", "/", [("Origin", origin)] if origin else [])
    values = response.values("vary")
    assert len(values) == 1, values  # one Vary line, as Starlette sends
    assert vary_tokens(values) == expected


def test_vary_keeps_the_apps_spelling_and_order() -> None:
    # Starlette's behaviour: the app's values joined with ", " then Origin appended.
    app = CORSMiddleware(Endpoint([("Vary", "Accept-Encoding"), ("Vary", "Accept-Language")]), allow_origins=[ORIGIN])
    assert request(app, "GET", "/", [("Origin", ORIGIN)]).get("vary") == "Accept-Encoding, Accept-Language, Origin"


class SharedHeadersApp:
    """An app that (legitimately) reuses one header list object for every response it sends."""

    def __init__(self) -> None:
        self.headers = [(b"content-type", b"text/plain"), (b"vary", b"Accept-Encoding")]
        self.snapshot = list(self.headers)
        self.starts: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": self.headers}
        self.starts.append(start)
        await send(start)
        await send({"type": "http.response.body", "body": b"shared"})


def test_the_apps_header_list_and_message_are_never_mutated() -> None:
    inner = SharedHeadersApp()
    app = CORSMiddleware(
        inner, allow_origins=["https://a.com", "https://b.com"], allow_credentials=True, expose_headers=["X-A"]
    )
    first = request(app, "GET", "/", [("Origin", "https://a.com")])
    second = request(app, "GET", "/", [("Origin", "https://b.com")])
    third = request(app, "GET", "/", [("Origin", "https://refused.com")])
    assert inner.headers == inner.snapshot
    for start in inner.starts:
        assert start["headers"] is inner.headers and start["headers"] == inner.snapshot
        assert set(start) == {"type", "status", "headers"}
    assert first.get("access-control-allow-origin") == "https://a.com"
    assert second.get("access-control-allow-origin") == "https://b.com"
    assert not third.has("access-control-allow-origin")
    for response in (first, second, third):
        assert response.get("vary") == "Accept-Encoding, Origin"
    assert first.headers is not second.headers


def test_no_header_list_is_shared_between_two_responses() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://a.com"], allow_credentials=True, expose_headers=["X-A"])
    messages: list[dict[str, Any]] = []

    async def scenario() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.start":
                # A downstream server or middleware may edit the list it receives.
                message["headers"].append((b"x-downstream", b"1"))
                message["headers"][:] = [(k, b"tampered") for k, _ in message["headers"]]

        for _ in range(2):
            await app(http_scope("GET", "/", [("Origin", "https://a.com")]), receive, send)

    run(scenario)
    starts = [m for m in messages if m["type"] == "http.response.start"]
    assert starts[0]["headers"] is not starts[1]["headers"]
    # The second response is untouched by what happened to the first one.
    after = request(app, "GET", "/", [("Origin", "https://a.com")])
    assert after.get("access-control-allow-origin") == "https://a.com"
    assert after.get("access-control-allow-credentials") == "true"
    assert after.get("access-control-expose-headers") == "X-A"
    assert not after.has("x-downstream")
    for name in ("access-control-allow-origin", "access-control-allow-credentials", "vary"):
        assert after.get(name) != "tampered"


def test_preflight_header_lists_are_fresh_each_time() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://a.com"], allow_methods=["PUT"], allow_credentials=True)
    scope_headers = [("Origin", "https://a.com"), ("Access-Control-Request-Method", "PUT")]
    first = request(app, "OPTIONS", "/", scope_headers)
    first.headers.append((b"x-junk", b"1"))
    first.messages[0]["headers"].append((b"x-junk", b"1"))
    second = request(app, "OPTIONS", "/", scope_headers)
    assert not second.has("x-junk")
    assert first.messages[0]["headers"] is not second.messages[0]["headers"]
    assert second.get("access-control-allow-origin") == "https://a.com"


def test_one_request_does_not_leak_its_origin_into_the_next() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://a.com", "https://b.com"])

    async def scenario() -> list[str | None]:
        results: list[str | None] = [None] * 20

        async def one(i: int) -> None:
            origin = "https://a.com" if i % 2 else "https://b.com"
            sent = await acall(app, http_scope("GET", "/", [("Origin", origin)]))
            results[i] = sent.get("access-control-allow-origin")

        async with anyio.create_task_group() as group:
            for i in range(20):
                group.start_soon(one, i)
        return results

    results = run(scenario)
    assert results == ["https://b.com", "https://a.com"] * 10


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_non_http_scopes_pass_through_untouched(scope_type: str) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    app = CORSMiddleware(inner, allow_origins=["https://a.com"])
    scope = {"type": scope_type, "headers": [(b"origin", b"https://a.com")], "asgi": {"version": "3.0"}}
    frozen = repr(scope)

    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: Any) -> None:
        raise AssertionError("the middleware must not send anything itself")

    run(app, scope, receive, send)
    assert seen == [(scope, receive, send)]
    assert seen[0][0] is scope and seen[0][1] is receive and seen[0][2] is send
    assert repr(scope) == frozen
