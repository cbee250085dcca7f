"""Properties checked against simple reference definitions, over generated inputs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.asgi import Endpoint, request, websocket_scope
from support.threads import run

from corskit import CORSMiddleware, compile_policy
from corskit._paths import PathPolicies

segment = st.sampled_from(["a", "b", "ab", "a.b", "a-b"])
prefix_strategy = st.one_of(
    st.just("/"), st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
)
path_strategy = st.lists(st.sampled_from(["a", "b", "ab", "a.b", "a-b", ""]), max_size=7).map(
    lambda parts: "/" + "/".join(parts)
)


def reference_lookup(prefixes: list[str], path: str) -> str | None:
    """The issue's rule, written plainly: the longest prefix that is the path or ends at a '/' in it."""
    matching = [p for p in prefixes if p == "/" or path == p or path.startswith(p + "/")]
    return max(matching, key=len, default=None)


@settings(max_examples=400, deadline=None)
@given(prefixes=st.lists(prefix_strategy, max_size=8, unique=True), path=path_strategy)
def test_lookup_agrees_with_the_reference(prefixes: list[str], path: str) -> None:
    default = compile_policy()
    by_prefix = {p: compile_policy(allow_origins=[f"https://{i}.example"]) for i, p in enumerate(prefixes)}
    found_prefix, found_policy = PathPolicies(dict(by_prefix)).lookup(path, default)
    expected = reference_lookup(prefixes, path)
    assert found_prefix == expected
    assert found_policy is (default if expected is None else by_prefix[expected])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=600))
def test_logged_request_values_are_printable_ascii_and_bounded(value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    caplog.clear()
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origins=["https://site.example"], allow_headers=["X-A"])
    latin = value.encode("utf-8").decode("latin-1")
    for headers in (
        {"Origin": latin},
        {"Origin": "https://site.example", "Access-Control-Request-Method": latin},
        {
            "Origin": "https://site.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": latin,
        },
        {"Origin": latin, "Upgrade": "websocket", "Host": latin},
    ):
        method = "OPTIONS" if "Access-Control-Request-Method" in headers else "GET"
        for failure in app.explain(method, "/", headers).failures:
            assert failure.message.isascii() and failure.message.isprintable(), repr(failure.message)
            assert len(failure.message) < 3000  # each value: at most 200 characters, 6 once escaped


SITE = "https://site.example"
ORIGINS = [
    SITE,
    "https://evil.example",
    "https://t.partner.example",
    "null",
    "https://site.example/",
    "HTTPS://SITE.EXAMPLE",
]
BODY_WORD = {
    "origin-not-allowed": "origin",
    "origin-duplicated": "origin",
    "method-missing": "method",
    "method-not-allowed": "method",
    "headers-too-long": "headers",
    "headers-malformed": "headers",
    "headers-not-allowed": "headers",
    "private-network-not-allowed": "private-network",
}


def _explained_app() -> CORSMiddleware:
    return CORSMiddleware(
        Endpoint(body=b"ok"),
        allow_origins=[SITE],
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Token"],
        allow_origin_func=lambda o: o.endswith(".partner.example"),
        path_policies={"/open": {"allow_origins": ["*"], "allow_methods": ["*"]}, "/off": None},
    )


EXPLAINED = _explained_app()


@settings(max_examples=300, deadline=None)
@given(
    origins=st.lists(st.sampled_from(ORIGINS), max_size=2),
    method=st.sampled_from(["GET", "POST", "OPTIONS"]),
    acrm=st.one_of(st.none(), st.sampled_from(["GET", "PUT", "PATCH", "put", ""])),
    acrh=st.one_of(st.none(), st.sampled_from(["x-token", "X-Token, content-type", "x-other", "x-token,,", "a b"])),
    pna=st.booleans(),
    path=st.sampled_from(["/", "/open/x", "/off/x", "/offer"]),
)
def test_explain_agrees_with_what_the_middleware_sends(
    origins: list[str], method: str, acrm: str | None, acrh: str | None, pna: bool, path: str
) -> None:
    headers = [("Origin", o) for o in origins]
    if acrm is not None:
        headers.append(("Access-Control-Request-Method", acrm))
    if acrh is not None:
        headers.append(("Access-Control-Request-Headers", acrh))
    if pna:
        headers.append(("Access-Control-Request-Private-Network", "true"))
    explanation = EXPLAINED.explain(method, path, headers)
    reply = request(EXPLAINED, method, path, headers)
    answered_by_corskit = reply.body != b"ok"
    if explanation.kind == "not-cors":
        assert explanation.allowed
        assert reply.get("access-control-allow-origin") is None
        assert not answered_by_corskit
    elif explanation.kind == "simple":
        assert explanation.allowed == (reply.get("access-control-allow-origin") is not None)
        assert not answered_by_corskit
    else:
        assert explanation.kind == "preflight" and answered_by_corskit
        assert explanation.allowed == (reply.status == 200)
        if not explanation.allowed:
            words = reply.body.decode().removeprefix("Disallowed CORS ").split(", ")
            assert [BODY_WORD[f.code] for f in explanation.failures] == words


class _Handshake:
    def __init__(self) -> None:
        self.reached = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.reached = True
        await send({"type": "websocket.accept"})


@settings(max_examples=200, deadline=None)
@given(
    origins=st.lists(st.sampled_from([*ORIGINS, "https://api.example", "http://api.example:8000"]), max_size=2),
    host=st.sampled_from(["api.example", "api.example:443", "api.example:8000", "other.example"]),
    path=st.sampled_from(["/", "/open/ws", "/off/ws"]),
    check=st.booleans(),
)
def test_explain_agrees_with_the_websocket_check(origins: list[str], host: str, path: str, check: bool) -> None:
    inner = _Handshake()
    app = CORSMiddleware(
        inner,
        allow_origins=[SITE],
        allow_origin_func=lambda o: o.endswith(".partner.example"),
        check_websocket_origin=check,
        path_policies={"/open": {"allow_origins": ["*"]}, "/off": None},
    )
    headers = [("Host", host), *[("Origin", o) for o in origins]]
    scope = websocket_scope(headers, path)
    scope["extensions"] = {"websocket.http.response": {}}
    messages = iter([{"type": "websocket.connect"}])

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "websocket.disconnect", "code": 1000})

    async def send(message: dict[str, Any]) -> None:
        pass

    run(app, scope, receive, send)
    explanation = app.explain("GET", path, [*headers, ("Upgrade", "websocket")])
    assert explanation.kind == "websocket"
    assert explanation.allowed == inner.reached
