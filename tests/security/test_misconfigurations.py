"""The misconfiguration catalogue (docs/security.md), one test per entry that is decided at construction,
plus the request-time entries not covered elsewhere in tests/security.

Where cheap, a test first shows the hazard with Starlette 1.10's own middleware, so the catalogue's
"what goes wrong" is demonstrated rather than asserted.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from support.asgi import Endpoint, Response, acall, assert_wellformed, call, drive, http_scope, through, websocket_scope

from corskit import CORSConfigError, CORSMiddleware

ACAO = b"access-control-allow-origin"
ACAC = b"access-control-allow-credentials"


def refused_codes(**config: Any) -> list[str]:
    with pytest.raises(CORSConfigError) as info:
        CORSMiddleware(Endpoint(), **config)
    assert all(p.message for p in info.value.problems)
    return info.value.codes


def starlette(config: dict[str, Any], origin: bytes, method: str = "GET") -> Response:
    extra = [(b"access-control-request-method", b"GET")] if method == "OPTIONS" else []
    return through(StarletteCORSMiddleware, config, http_scope(method, "/", [(b"origin", origin), *extra]))


def test_wildcard_with_credentials_is_refused():
    # Starlette reflects every origin with credentials: any website reads a logged-in user's data.
    hazard = starlette({"allow_origins": ["*"], "allow_credentials": True}, b"https://evil.test", "OPTIONS")
    assert hazard.one(ACAO) == b"https://evil.test" and hazard.one(ACAC) == b"true"
    assert refused_codes(allow_origins=["*"], allow_credentials=True) == ["wildcard-with-credentials"]


def test_wildcard_without_credentials_sends_a_literal_star_never_a_reflection():
    response = through(
        CORSMiddleware, {"allow_origins": ["*"]}, http_scope("GET", "/", [(b"origin", b"https://evil.test")])
    )
    assert response.one(ACAO) == b"*"
    assert response.one(ACAC) is None


def test_wildcard_mixed_with_origins_is_refused():
    assert refused_codes(allow_origins=["*", "https://app.example.com"]) == ["wildcard-mixed"]


def test_plain_string_allow_origins_is_refused():
    # Starlette tests `origin in "https://app.example.com"`: a substring match.
    hazard = starlette({"allow_origins": "https://app.example.com"}, b"app.example")
    assert hazard.one(ACAO) == b"app.example"
    assert refused_codes(allow_origins="https://app.example.com") == ["not-a-list"]
    assert refused_codes(allow_headers="X-Token") == ["not-a-list"]


def test_null_origin_is_refused_in_configuration():
    assert refused_codes(allow_origins=["null"]) == ["origin-null"]


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ("https://app.example.com/", "origin-trailing-slash"),
        ("https://app.example.com/api", "origin-has-path"),
        ("https://app.example.com?x=1", "origin-has-query"),
        ("https://app.example.com#x", "origin-has-fragment"),
        ("https://user:pw@app.example.com", "origin-has-userinfo"),
        ("https://app.example.com:443", "origin-default-port"),
        ("http://app.example.com:80", "origin-default-port"),
        ("https://App.Example.com", "origin-uppercase"),
        ("HTTPS://app.example.com", "origin-uppercase"),
        ("https://app.example.com.", "origin-malformed"),
        ("https://bücher.example", "origin-malformed"),
        ("app.example.com", "origin-malformed"),
        ("https://app.example.com:0", "origin-malformed"),
        ("https://app.example.com:08080", "origin-malformed"),
    ],
)
def test_origins_that_never_match_a_browser_are_refused(entry: str, code: str):
    assert refused_codes(allow_origins=[entry]) == [code]


@pytest.mark.parametrize(
    "entry",
    ["https://*.com", "https://*.co.uk", "https://*.github.io", "https://*.vercel.app", "https://*.herokuapp.com"],
)
def test_wildcard_over_a_public_suffix_is_refused(entry: str):
    assert refused_codes(allow_origins=[entry]) == ["pattern-public-suffix"]


def test_whole_host_wildcard_is_refused():
    assert refused_codes(allow_origins=["https://*"]) == ["pattern-too-broad"]
    assert refused_codes(allow_origins=["https://*:*"]) == ["pattern-too-broad"]


@pytest.mark.parametrize("entry", ["https://a.*.example.com", "https://*example.com", "https://ex*.com", "*://a.com"])
def test_malformed_patterns_are_refused(entry: str):
    assert refused_codes(allow_origins=[entry])[0] in ("pattern-malformed", "origin-malformed")


def test_development_patterns_are_accepted():
    for entry in ("http://localhost:*", "http://*.localhost:3000", "http://127.0.0.1:*", "http://[::1]:*"):
        CORSMiddleware(Endpoint(), allow_origins=[entry])


def test_exposing_set_cookie_is_refused():
    assert refused_codes(expose_headers=["Set-Cookie"]) == ["expose-set-cookie"]
    assert refused_codes(expose_headers=["set-cookie2"]) == ["expose-set-cookie"]


def test_expose_wildcard_with_credentials_is_refused():
    assert refused_codes(allow_origins=["https://a.test"], allow_credentials=True, expose_headers=["*"]) == [
        "expose-wildcard-with-credentials"
    ]


@pytest.mark.parametrize("max_age", [-1, 86401, 10**9])
def test_overly_long_or_negative_max_age_is_refused(max_age: int):
    assert refused_codes(max_age=max_age) == ["max-age-range"]


@pytest.mark.parametrize("max_age", ["600", 600.0, True, None])
def test_max_age_of_the_wrong_type_is_refused(max_age: Any):
    assert refused_codes(max_age=max_age) == ["max-age-type"]


@pytest.mark.parametrize(
    "header", ["Cookie", "Host", "Origin", "Sec-Fetch-Site", "Proxy-Authorization", "Content-Length"]
)
def test_allowing_forbidden_request_headers_is_refused(header: str):
    assert refused_codes(allow_headers=[header]) == ["header-forbidden"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "track"])
def test_forbidden_methods_are_refused(method: str):
    assert refused_codes(allow_methods=[method]) == ["method-forbidden"]


@pytest.mark.parametrize(("name", "value"), [("allow_headers", ["X Token"]), ("expose_headers", ["X\r\nY"])])
def test_header_names_that_are_not_tokens_are_refused(name: str, value: list[str]):
    # Checked at construction: nothing a configuration holds can break a response header.
    assert refused_codes(**{name: value})[0] in ("header-not-token", "expose-not-token")
    assert refused_codes(allow_methods=["GET\r\n"]) == ["method-not-token"]


@pytest.mark.parametrize(("name", "value"), [("allow_credentials", "true"), ("allow_private_network", 1)])
def test_truthy_strings_for_booleans_are_refused(name: str, value: Any):
    assert refused_codes(**{name: value}) == ["not-a-bool"]


def test_regex_that_does_not_compile_is_refused():
    assert refused_codes(allow_origin_regex="https://(") == ["regex-invalid"]


def test_every_problem_is_reported_at_once():
    codes = refused_codes(
        allow_origins=["*", "null"], allow_credentials=True, expose_headers=["Set-Cookie"], max_age=10**6
    )
    assert {"wildcard-with-credentials", "wildcard-mixed", "expose-set-cookie", "max-age-range"} <= set(codes)


def test_regex_is_a_full_match():
    # re.match/re.search would let these through; corskit always full-matches.
    config = {"allow_origin_regex": r"https://app\.example\.com|https://admin\.example\.com"}
    for origin in (b"https://app.example.com.evil.net", b"https://evil.net#https://admin.example.com"):
        response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)]))
        assert response.one(ACAO) is None
    response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://admin.example.com")]))
    assert response.one(ACAO) == b"https://admin.example.com"


def test_subdomain_pattern_needs_a_dot_boundary_and_a_label():
    config = {"allow_origins": ["https://*.example.com"]}
    for origin in (
        b"https://evilexample.com",
        b"https://example.com",
        b"https://.example.com",
        b"https://example.com.evil.net",
    ):
        assert through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)])).one(ACAO) is None
    for origin in (b"https://a.example.com", b"https://a.b.example.com"):
        assert through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)])).one(ACAO) == origin


def test_credentials_and_exposed_headers_only_for_allowed_origins():
    config = {"allow_origins": ["https://app.example.com"], "allow_credentials": True, "expose_headers": ["X-Total"]}
    hazard = through(StarletteCORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://evil.test")]))
    assert hazard.one(ACAC) == b"true"  # Starlette tells everyone
    response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://evil.test")]))
    assert response.one(ACAC) is None and response.one(b"access-control-expose-headers") is None


def test_preflight_vary_names_every_request_header_it_depends_on():
    config = {"allow_origins": ["https://app.example.com"], "allow_headers": ["*"], "allow_private_network": True}
    for origin in (b"https://app.example.com", b"https://evil.test"):
        headers = [(b"origin", origin), (b"access-control-request-method", b"GET")]
        response = through(CORSMiddleware, config, http_scope("OPTIONS", "/", headers))
        assert {
            b"origin",
            b"access-control-request-method",
            b"access-control-request-headers",
            b"access-control-request-private-network",
        } <= response.vary_tokens()


def test_error_responses_carry_cors_only_for_allowed_origins():
    async def boom(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("endpoint failed")

    middleware = CORSMiddleware(boom, allow_origins=["https://app.example.com"], allow_credentials=True)
    for origin, expected in ((b"https://app.example.com", b"https://app.example.com"), (b"https://evil.test", None)):
        response = Response()
        with pytest.raises(RuntimeError):
            drive(acall(middleware, http_scope("GET", "/", [(b"origin", origin)]), response))
        assert_wellformed(response)
        if expected is None:
            assert response.status is None  # nothing sent: the server's own 500, without CORS headers
        else:
            assert response.status == 500 and response.one(ACAO) == expected


def test_origin_func_cache_is_bounded_under_a_flood_of_origins():
    asked: list[str] = []

    def func(origin: str) -> bool:
        asked.append(origin)
        return origin == "https://tenant-0.test"

    middleware = CORSMiddleware(Endpoint(), allow_origin_func=func, origin_cache_size=100)
    call(middleware, http_scope("GET", "/", [(b"origin", b"https://tenant-0.test")]))
    call(middleware, http_scope("GET", "/", [(b"origin", b"https://tenant-0.test")]))
    assert asked == ["https://tenant-0.test"]  # cached
    for i in range(1, 2001):  # an attacker sends many distinct well-formed origins
        call(middleware, http_scope("GET", "/", [(b"origin", b"https://tenant-%d.test" % i)]))
    response = call(middleware, http_scope("GET", "/", [(b"origin", b"https://tenant-0.test")]))
    assert response.one(ACAO) == b"https://tenant-0.test"
    assert asked.count("https://tenant-0.test") == 2  # evicted (the cache holds 100), asked again


def test_refusal_logs_cannot_be_forged_through_the_origin(caplog: pytest.LogCaptureFixture):
    middleware = CORSMiddleware(Endpoint(), allow_origins=["https://app.example.com"])
    forged = b"https://evil.test\r\nINFO corskit allowed https://evil.test" + b"x" * 5000
    with caplog.at_level(logging.DEBUG, logger="corskit"):
        call(middleware, http_scope("GET", "/", [(b"origin", forged)]))
        headers = [(b"origin", forged), (b"access-control-request-method", b"GET\n")]
        call(middleware, http_scope("OPTIONS", "/", headers))
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "refusals are logged at DEBUG"
    for message in messages:
        assert "\r" not in message and "\n" not in message
        assert len(message) < 2000


def test_cors_off_prefix_also_skips_websocket_origin_check():
    # A documented caveat: path_policies[prefix] = None turns CORS off there, WebSocket check included.
    config = {"path_policies": {"/open": None, "/checked": {}}}
    headers = [(b"origin", b"https://evil.test"), (b"host", b"api.test")]
    response = through(CORSMiddleware, config, websocket_scope(headers, path="/open/ws"))
    assert response.app_called
    response = through(CORSMiddleware, config, websocket_scope(headers, path="/checked/ws"))
    assert not response.app_called and response.status == 403


def test_dns_rebinding_is_left_to_trusted_host_middleware():
    # After DNS rebinding, the attacker's page and the Host it talks to are the same origin, so an
    # Origin-vs-Host check cannot tell; only a Host allow-list can.
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    headers = [(b"origin", b"http://rebind.evil.test:8000"), (b"host", b"rebind.evil.test:8000")]
    response = through(CORSMiddleware, {"allow_origins": ["https://app.example.com"]}, websocket_scope(headers))
    assert response.app_called  # corskit alone: same-origin handshake, allowed

    endpoint = Endpoint()
    inner = CORSMiddleware(endpoint, allow_origins=["https://app.example.com"])
    guarded = TrustedHostMiddleware(inner, allowed_hosts=["api.test"])
    call(guarded, websocket_scope(headers))
    assert not endpoint.called
    endpoint = Endpoint()
    guarded = TrustedHostMiddleware(CORSMiddleware(endpoint), allowed_hosts=["api.test"])
    call(guarded, websocket_scope([(b"origin", b"https://api.test"), (b"host", b"api.test")]))
    assert endpoint.called


def test_catch_all_regex_with_credentials_still_excludes_null_and_junk():
    # Accepted for Starlette compatibility (its own tests use it), and nearly as open as '*' with
    # credentials: every HTTPS site is trusted. Only what a browser could not send is kept out.
    config = {"allow_origin_regex": "https://.*", "allow_credentials": True}
    response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://evil.test")]))
    assert response.one(ACAO) == b"https://evil.test" and response.one(ACAC) == b"true"
    for origin in (
        b"null",
        b"http://evil.test",
        b"https://evil.test/",
        b"https://evil.test\r\nX: 1",
        b"HTTPS://E.TEST",
    ):
        response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)]))
        assert response.one(ACAO) is None, origin


def test_app_set_cors_headers_pass_through_for_refused_origins():
    # corskit replaces the app's CORS headers for allowed origins, but leaves an app that sets them
    # itself alone for other origins: such an app bypasses the policy.
    app_headers = [(b"access-control-allow-origin", b"*")]
    config = {"allow_origins": ["https://app.example.com"]}
    allowed = through(
        CORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://app.example.com")]), app_headers
    )
    assert allowed.raw_values(ACAO) == [b"https://app.example.com"]
    refused = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", b"https://evil.test")]), app_headers)
    assert refused.raw_values(ACAO) == [b"*"]
