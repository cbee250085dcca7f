"""explain()/aexplain(): the kind of request, the verdict, and what to change, as sentences with stable codes."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from support.asgi import CountingFunc, Endpoint, arequest, preflight, request, websocket_scope
from support.threads import in_fresh_thread, run

from corskit import CORSMiddleware

SITE = "https://site.example"
EVIL = "https://evil.example"
ACRM = "Access-Control-Request-Method"
ACRH = "Access-Control-Request-Headers"


def mw(**options: Any) -> CORSMiddleware:
    return CORSMiddleware(Endpoint(body=b"ok"), **({"allow_origins": [SITE]} | options))


def codes(explanation: Any) -> list[str]:
    return [f.code for f in explanation.failures]


# -- kinds ----------------------------------------------------------------------------------------------


def test_kinds() -> None:
    app = mw(path_policies={"/legacy": None})
    no_origin = app.explain("GET", "/", {})
    assert (no_origin.kind, no_origin.allowed, no_origin.failures) == ("not-cors", True, ())
    simple = app.explain("POST", "/x", {"Origin": SITE})
    assert (simple.kind, simple.allowed) == ("simple", True)
    pre = app.explain("OPTIONS", "/x", {"Origin": SITE, ACRM: "GET"})
    assert (pre.kind, pre.allowed) == ("preflight", True)
    # OPTIONS without Access-Control-Request-Method is an ordinary cross-origin request.
    assert app.explain("OPTIONS", "/x", {"Origin": SITE}).kind == "simple"
    ws = app.explain("GET", "/ws", {"Origin": SITE, "Upgrade": "websocket", "Host": "api.example"})
    assert (ws.kind, ws.allowed) == ("websocket", True)
    off = app.explain("OPTIONS", "/legacy/x", {"Origin": EVIL, ACRM: "DELETE"})
    assert (off.kind, off.allowed, off.cors_enabled, off.path_prefix) == ("not-cors", True, False, "/legacy")
    top = app.explain("GET", "/legacyx", {"Origin": SITE})
    assert (top.path_prefix, top.cors_enabled) == (None, True)


def test_explanation_agrees_with_the_middleware() -> None:
    app = mw(allow_methods=["GET", "POST"], allow_headers=["X-Token"])
    cases = [
        ("GET", [("Origin", SITE)]),
        ("GET", [("Origin", EVIL)]),
        ("OPTIONS", [("Origin", SITE), (ACRM, "POST"), (ACRH, "x-token")]),
        ("OPTIONS", [("Origin", SITE), (ACRM, "PUT")]),
        ("OPTIONS", [("Origin", SITE), (ACRM, "GET"), (ACRH, "x-other")]),
        ("OPTIONS", [("Origin", EVIL), (ACRM, "GET")]),
    ]
    for method, headers in cases:
        reply = request(app, method, "/", headers)
        explanation = app.explain(method, "/", headers)
        assert explanation.allowed == (reply.get("access-control-allow-origin") is not None and reply.status == 200), (
            method,
            headers,
        )


# -- every check code, with a sentence that says what to change ----------------------------------------------


def test_method_not_allowed_names_the_method_and_the_fix() -> None:
    explanation = mw(allow_methods=["GET", "POST"]).explain("OPTIONS", "/", {"Origin": SITE, ACRM: "PATCH"})
    assert not explanation.allowed
    [check] = explanation.failures
    assert check.code == "method-not-allowed"
    for part in ("PATCH", "allow_methods", "['GET', 'POST']", "add it, or use ['*']"):
        assert part in check.message
    assert "[method-not-allowed]" in str(explanation)


def test_lower_case_method_gets_a_case_hint() -> None:
    explanation = mw(allow_methods=["GET", "PATCH"]).explain("OPTIONS", "/", {"Origin": SITE, ACRM: "patch"})
    assert codes(explanation) == ["method-not-allowed"]
    assert "case-sensitive" in explanation.failures[0].message


def test_method_missing_for_an_empty_request_method() -> None:
    explanation = mw().explain("OPTIONS", "/", {"Origin": SITE, ACRM: ""})
    assert codes(explanation) == ["method-missing"]
    assert "Access-Control-Request-Method" in explanation.failures[0].message


def test_origin_not_allowed() -> None:
    explanation = mw().explain("GET", "/", {"Origin": EVIL})
    assert codes(explanation) == ["origin-not-allowed"]
    assert EVIL in explanation.failures[0].message
    assert "allow_origins" in explanation.failures[0].message


def test_origin_hints_for_scheme_port_null_and_function() -> None:
    app = mw(allow_origins=["https://site.example", "http://localhost:3000"])
    scheme = app.explain("GET", "/", {"Origin": "http://site.example"}).failures[0].message
    assert "scheme" in scheme and "'https://site.example'" in scheme
    port = app.explain("GET", "/", {"Origin": "http://localhost:5173"}).failures[0].message
    assert "port" in port and "'http://localhost:3000'" in port
    null = app.explain("GET", "/", {"Origin": "null"}).failures[0].message
    assert "'null'" in null and "['*']" in null
    func = mw(allow_origin_func=lambda o: False).explain("GET", "/", {"Origin": EVIL}).failures[0].message
    assert "allow_origin_func" in func


def test_origin_duplicated() -> None:
    pairs = [("Origin", SITE), ("Origin", SITE)]
    assert codes(mw().explain("GET", "/", pairs)) == ["origin-duplicated"]
    assert codes(mw().explain("OPTIONS", "/", [*pairs, (ACRM, "GET")])) == ["origin-duplicated"]
    ws = mw().explain("GET", "/", [*pairs, ("Upgrade", "websocket"), ("Host", "site.example")])
    assert codes(ws) == ["websocket-origin-refused"]


def test_headers_checks() -> None:
    app = mw(allow_headers=["X-Token"])
    not_allowed = app.explain("OPTIONS", "/", {"Origin": SITE, ACRM: "GET", ACRH: "x-token, x-secret"})
    assert codes(not_allowed) == ["headers-not-allowed"]
    message = not_allowed.failures[0].message
    assert "x-secret" in message and "allow_headers" in message and "['*']" in message
    assert "'x-token'" not in message.split("allow_headers")[0]  # only the missing one is named as missing
    malformed = app.explain("OPTIONS", "/", {"Origin": SITE, ACRM: "GET", ACRH: "x-token,,x a"})
    assert codes(malformed) == ["headers-malformed"]
    too_long = app.explain("OPTIONS", "/", {"Origin": SITE, ACRM: "GET", ACRH: ",".join(["x-token"] * 2000)})
    assert codes(too_long) == ["headers-too-long"]
    assert "limit" in too_long.failures[0].message


def test_private_network_not_allowed() -> None:
    headers = {"Origin": SITE, ACRM: "GET", "Access-Control-Request-Private-Network": "true"}
    explanation = mw().explain("OPTIONS", "/", headers)
    assert codes(explanation) == ["private-network-not-allowed"]
    assert "allow_private_network" in explanation.failures[0].message
    assert mw(allow_private_network=True).explain("OPTIONS", "/", headers).allowed


def test_all_preflight_failures_are_listed_in_order() -> None:
    headers = {
        "Origin": EVIL,
        ACRM: "PATCH",
        ACRH: "x-secret",
        "Access-Control-Request-Private-Network": "true",
    }
    assert codes(mw().explain("OPTIONS", "/", headers)) == [
        "origin-not-allowed",
        "method-not-allowed",
        "headers-not-allowed",
        "private-network-not-allowed",
    ]


def test_websocket_origin_refused() -> None:
    headers = {"Origin": EVIL, "Upgrade": "websocket", "Host": "api.example"}
    explanation = mw().explain("GET", "/ws", headers)
    assert codes(explanation) == ["websocket-origin-refused"]
    assert EVIL in explanation.failures[0].message
    assert "check_websocket_origin" in explanation.failures[0].message
    assert mw(check_websocket_origin=False).explain("GET", "/ws", headers).allowed
    same = mw().explain("GET", "/ws", {"Origin": "http://api.example", "Upgrade": "WebSocket", "Host": "api.example"})
    assert same.allowed


# -- header input forms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": SITE, "access-control-request-method": "PUT"},
        {"Origin": SITE, "ACCESS-CONTROL-REQUEST-METHOD": "PUT"},
        [("Origin", SITE), ("Access-Control-Request-Method", "PUT")],
        [(b"origin", SITE.encode()), (b"access-control-request-method", b"PUT")],
        ((b"Origin", SITE), ("access-control-request-method", b"PUT")),
    ],
    ids=["dict-lower", "dict-mixed-case", "str-pairs", "bytes-pairs", "mixed-tuple"],
)
def test_header_forms(headers: Any) -> None:
    explanation = mw(allow_methods=["GET"]).explain("OPTIONS", "/", headers)
    assert explanation.kind == "preflight"
    assert codes(explanation) == ["method-not-allowed"]
    assert "PUT" in explanation.failures[0].message


def test_path_prefix_is_reported() -> None:
    app = mw(path_policies={"/api": {"allow_origins": [EVIL]}, "/api/v2": {}})
    explanation = app.explain("GET", "/api/v2/items", {"Origin": EVIL})
    assert (explanation.path_prefix, explanation.cors_enabled, explanation.allowed) == ("/api/v2", True, False)
    assert app.explain("GET", "/api/v1", {"Origin": EVIL}).path_prefix == "/api"
    assert app.explain("GET", "/api/v1", {"Origin": EVIL}).allowed


# -- functions ---------------------------------------------------------------------------------------------------


async def tenant_check(origin: str) -> bool:
    return origin == "https://tenant.example"


def test_explain_runs_an_async_function_outside_a_loop() -> None:
    app = mw(allow_origin_func=tenant_check)
    tenant = in_fresh_thread(app.explain, "GET", "/", {"Origin": "https://tenant.example"})
    assert tenant.allowed
    assert not in_fresh_thread(app.explain, "GET", "/", {"Origin": EVIL}).allowed


def test_aexplain_awaits_an_async_function_inside_a_loop() -> None:
    app = mw(allow_origin_func=tenant_check)

    async def main() -> None:
        assert (await app.aexplain("GET", "/", {"Origin": "https://tenant.example"})).allowed
        refused = await app.aexplain("OPTIONS", "/", {"Origin": EVIL, ACRM: "GET"})
        assert codes(refused) == ["origin-not-allowed"]
        assert (await mw().aexplain("GET", "/ws", {"Origin": EVIL, "Upgrade": "websocket"})).kind == "websocket"

    run(main)


def test_explain_inside_a_loop_with_an_async_function_says_to_use_aexplain(caplog: pytest.LogCaptureFixture) -> None:
    app = mw(allow_origin_func=tenant_check)

    async def main() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "coroutine was never awaited"
            with pytest.raises(RuntimeError, match="aexplain"):
                app.explain("GET", "/", {"Origin": "https://tenant.example"})
        # A sync function is fine inside a loop.
        assert mw(allow_origin_func=lambda o: True).explain("GET", "/", {"Origin": EVIL}).allowed

    run(main)
    # It is the caller's mistake, not the function's: nothing blames allow_origin_func.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The same middleware still answers once no loop is running.
    assert in_fresh_thread(app.explain, "GET", "/", {"Origin": "https://tenant.example"}).allowed


# -- logging refusals --------------------------------------------------------------------------------------------


def debug_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corskit" and r.levelno == logging.DEBUG]


def test_refusals_are_logged_at_debug_with_the_explanation(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    app = mw(allow_methods=["GET", "POST"])

    request(app, "GET", "/", [("Origin", EVIL)])
    preflight(app, SITE, "PATCH")
    ws_headers = [("Origin", EVIL), ("Host", "api.example")]
    lines = debug_lines(caplog)
    assert len(lines) == 2
    assert str(app.explain("GET", "/", {"Origin": EVIL}).failures[0]) in lines[0]
    assert app.explain("OPTIONS", "/", {"Origin": SITE, ACRM: "PATCH"}).failures[0].message in lines[1]

    async def handshake() -> None:
        inbound = iter([{"type": "websocket.connect"}])

        async def receive() -> dict[str, Any]:
            return next(inbound)

        async def send(message: dict[str, Any]) -> None:
            pass

        await app(websocket_scope(ws_headers, "/ws"), receive, send)

    run(handshake)
    ws_check = app.explain("GET", "/ws", [*ws_headers, ("Upgrade", "websocket")]).failures[0]
    assert ws_check.message in debug_lines(caplog)[2]


def test_nothing_is_logged_for_allowed_requests(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    app = mw()
    request(app, "GET", "/", [("Origin", SITE)])
    request(app, "GET", "/", [])
    preflight(app, SITE, "GET")
    assert debug_lines(caplog) == []


HOSTILE = [
    "https://evil.example\r\n2026-01-01 INFO corskit allowed everything",
    "https://evil.example\x00\x1b[31m",
    "https://\xe9vil.example\u2028",
]


def _assert_clean(line: str) -> None:
    assert line.isprintable() and line.isascii(), repr(line)


@pytest.mark.parametrize("value", HOSTILE)
def test_request_values_are_escaped_in_logs(value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    app = mw(allow_methods=["GET"])
    latin = value.encode("utf-8").decode("latin-1")  # header bytes as ASGI hands them over
    request(app, "GET", "/", [("Origin", latin)])
    request(app, "OPTIONS", "/", [("Origin", SITE), (ACRM, latin)])
    request(app, "OPTIONS", "/", [("Origin", SITE), (ACRM, "GET"), (ACRH, latin)])
    lines = debug_lines(caplog)
    assert len(lines) == 3
    for line in lines:
        _assert_clean(line)
    assert "vil.example" in lines[0]
    # The explanation escapes the same way.
    for failure in mw().explain("GET", "/", {"Origin": value}).failures:
        _assert_clean(failure.message)


def test_long_request_values_are_capped_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    long_origin = "https://" + "a" * 20_000 + ".example"
    long_method = "X" * 20_000
    request(mw(), "GET", "/", [("Origin", long_origin)])
    request(mw(), "OPTIONS", "/", [("Origin", SITE), (ACRM, long_method)])
    request(mw(), "OPTIONS", "/", [("Origin", SITE), (ACRM, "GET"), (ACRH, "x-a " * 1000)])
    lines = debug_lines(caplog)
    assert len(lines) == 3
    for line in lines:
        assert len(line) < 2000, len(line)


def test_refused_websocket_host_is_escaped() -> None:
    explanation = mw().explain("GET", "/", {"Origin": EVIL, "Upgrade": "websocket", "Host": "api\r\nexample"})
    _assert_clean(explanation.failures[0].message)


# -- the 400 body stays Starlette's --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        [("Origin", EVIL), (ACRM, "GET")],
        [("Origin", SITE), (ACRM, "PATCH")],
        [("Origin", SITE), (ACRM, "GET"), (ACRH, "x-secret")],
        [("Origin", EVIL), (ACRM, "PATCH"), (ACRH, "x-secret"), ("Access-Control-Request-Private-Network", "true")],
        [("Origin", SITE), (ACRM, "GET"), ("Access-Control-Request-Private-Network", "true")],
    ],
    ids=["origin", "method", "headers", "everything", "private-network"],
)
def test_refused_preflight_body_matches_starlette(headers: list[tuple[str, str]]) -> None:
    options: dict[str, Any] = {"allow_origins": [SITE], "allow_methods": ["GET", "POST"], "allow_headers": ["X-Token"]}
    ours = request(CORSMiddleware(Endpoint(body=b"ok"), **options), "OPTIONS", "/", headers)
    theirs = request(StarletteCORSMiddleware(Endpoint(body=b"ok"), **options), "OPTIONS", "/", headers)
    assert (ours.status, ours.body) == (theirs.status, theirs.body) == (400, ours.body)
    assert ours.body.startswith(b"Disallowed CORS ")
    assert b"allow_" not in ours.body  # the explanation is for the log and the API, not the response


def test_method_body_is_exactly_starlettes_sentence() -> None:
    assert preflight(mw(), SITE, "PATCH").body == b"Disallowed CORS method"


def test_aexplain_matches_a_real_request_inside_a_loop() -> None:
    app = mw(allow_origin_func=tenant_check)

    async def main() -> None:
        reply = await arequest(app, "GET", "/", [("Origin", "https://tenant.example")])
        assert reply.get("access-control-allow-origin") == "https://tenant.example"
        assert (await app.aexplain("GET", "/", [("Origin", "https://tenant.example")])).allowed

    run(main)


def test_duplicated_origin_under_wildcard_matches_the_middleware() -> None:
    app = mw(allow_origins=["*"])
    pairs = [("Origin", SITE), ("Origin", EVIL)]
    reply = request(app, "GET", "/", pairs)
    assert reply.get("access-control-allow-origin") == "*"  # '*' covers any origin; nothing is reflected
    assert app.explain("GET", "/", pairs).allowed
    assert app.explain("OPTIONS", "/", [*pairs, (ACRM, "GET")]).allowed
    assert preflight(app, SITE, "GET").status == 200


# -- explain() decides exactly as the middleware does ------------------------------------------------------


def test_a_lower_case_options_request_is_not_a_preflight() -> None:
    # Servers route methods case-sensitively and so does the middleware: "options" with
    # Access-Control-Request-Method reaches the app, which answers it, with the CORS headers.
    app = mw()
    headers = [("Origin", SITE), (ACRM, "PUT")]
    reply = request(app, "options", "/", headers)
    assert (reply.status, reply.body, reply.get("access-control-allow-origin")) == (200, b"ok", SITE)
    explanation = app.explain("options", "/", headers)
    assert (explanation.kind, explanation.allowed, explanation.failures) == ("simple", True, ())
    assert app.explain("OPTIONS", "/", headers).kind == "preflight"


def test_explain_asks_allow_origin_func_through_the_request_cache() -> None:
    func = CountingFunc(allowed=["https://tenant.example"])
    app = mw(allow_origin_func=func)
    tenant = {"Origin": "https://tenant.example"}
    assert app.explain("GET", "/", tenant).allowed
    assert app.explain("GET", "/", tenant).allowed
    assert func.calls == ["https://tenant.example"]
    # explain() filled the cache the middleware reads: the request costs no call either.
    assert request(app, "GET", "/", tenant.items()).get("access-control-allow-origin") == "https://tenant.example"
    assert func.calls == ["https://tenant.example"]
    assert not app.explain("GET", "/", {"Origin": EVIL}).allowed
    assert not app.explain("GET", "/", {"Origin": EVIL}).allowed
    assert func.calls == ["https://tenant.example", EVIL]


def test_aexplain_shares_the_same_cache() -> None:
    func = CountingFunc(allowed=["https://tenant.example"])
    app = mw(allow_origin_func=func)

    async def main() -> None:
        assert (await app.aexplain("GET", "/", {"Origin": "https://tenant.example"})).allowed

    run(main)
    assert app.explain("GET", "/", {"Origin": "https://tenant.example"}).allowed
    assert func.calls == ["https://tenant.example"]
