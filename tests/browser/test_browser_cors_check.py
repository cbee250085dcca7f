"""Fetch 4.10 "CORS check", and which response headers JavaScript can read (Fetch 2.2.6 / main fetch)."""

from __future__ import annotations

import pytest
from support.cors_server import Answer

from browser.browser_rig import API, PAGE, Rig, allow


@pytest.mark.parametrize(
    ("acao_headers", "credentials", "blocked", "reason"),
    [
        ([("Access-Control-Allow-Origin", PAGE)], "same-origin", False, None),
        ([("Access-Control-Allow-Origin", "*")], "same-origin", False, None),
        ([("Access-Control-Allow-Origin", "*")], "omit", False, None),
        # Step 3: `*` only without credentials.
        ([("Access-Control-Allow-Origin", "*")], "include", True, "wildcard '*'"),
        # Step 1: header missing.
        ([], "same-origin", True, "No 'Access-Control-Allow-Origin' header"),
        # Step 4: byte-for-byte comparison with the serialized origin.
        (
            [("Access-Control-Allow-Origin", PAGE.upper())],
            "same-origin",
            True,
            "not equal to the supplied origin",
        ),
        ([("Access-Control-Allow-Origin", PAGE + "/")], "same-origin", True, "not equal"),
        ([("Access-Control-Allow-Origin", "null")], "same-origin", True, "not equal"),
        ([("Access-Control-Allow-Origin", "https://other.example")], "same-origin", True, "not equal"),
        # "get" combines repeated headers with ", ": never equal to one origin.
        (
            [("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Origin", PAGE)],
            "same-origin",
            True,
            "multiple values",
        ),
        ([("Access-Control-Allow-Origin", f"*, {PAGE}")], "same-origin", True, "multiple values"),
        # Header names are case-insensitive.
        ([("access-control-allow-origin", PAGE)], "same-origin", False, None),
    ],
)
def test_access_control_allow_origin(
    rig: Rig, acao_headers: list[tuple[str, str]], credentials: str, blocked: bool, reason: str | None
) -> None:
    url = rig.endpoint(acao_headers)
    result = rig.browser().fetch(url, credentials=credentials)
    assert result.blocked is blocked
    if reason:
        assert result.error is not None and reason in result.error
        assert result.status is None and result.text == "" and len(result.headers) == 0
    else:
        assert (result.status, result.text) == (200, "hello")
    # Blocked or not, the request reached the server: CORS protects the response, not the server.
    assert len(rig.server.received(url.rsplit("/", 1)[1])) == 1


@pytest.mark.parametrize(
    ("acac", "blocked"),
    [("true", False), ("True", True), ("TRUE", True), (None, True), ("false", True), ("1", True)],
)
def test_credentials_need_access_control_allow_credentials_exactly_true(
    rig: Rig, acac: str | None, blocked: bool
) -> None:
    # CORS check, steps 6-7: with credentials mode "include", `Access-Control-Allow-Credentials: true`.
    headers = allow() if acac is None else allow(allow_credentials=acac)
    url = rig.endpoint(headers)
    assert rig.browser().fetch(url, credentials="include").blocked is blocked
    # Without credentials the header does not matter.
    assert rig.browser().fetch(url, credentials="omit").blocked is False


def test_repeated_allow_credentials_is_not_true(rig: Rig) -> None:
    url = rig.endpoint(
        [*allow(), ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Credentials", "true")]
    )
    result = rig.browser().fetch(url, credentials="include")
    assert result.blocked and result.error is not None and "'true, true'" in result.error


def test_same_origin_requests_are_not_cors_requests(rig: Rig) -> None:
    # Fetch main fetch, step 12: same origin + basic tainting -> no CORS check, no preflight,
    # and no Origin header on a GET.
    url = rig.endpoint([("X-Secret", "s"), ("Set-Cookie", "a=b")], Answer(500))
    browser = rig.browser(origin=API)
    result = browser.fetch(url, method="PUT", headers={"X-Token": "1"}, body="x")
    assert not result.blocked and result.response_type == "basic"
    assert result.preflight is None
    assert result.headers["x-secret"] == "s"
    assert "set-cookie" not in result.headers  # forbidden response-header name, even same-origin
    get = browser.fetch(url)
    assert get.exchanges[0].request_header("Origin") is None
    assert result.exchanges[0].request_header("Origin") == API  # non-GET/HEAD requests carry Origin


def test_readable_headers_without_expose_headers_are_the_safelisted_ones(rig: Rig) -> None:
    extra = [
        ("Cache-Control", "max-age=1"),
        ("Content-Language", "en"),
        ("Content-Type", "text/plain"),
        ("Expires", "0"),
        ("Last-Modified", "x"),
        ("Pragma", "no-cache"),
        ("X-Custom", "c"),
        ("Set-Cookie", "a=b"),
        ("Server-Timing", "t"),
    ]
    url = rig.endpoint(allow() + extra)
    result = rig.browser().fetch(url)
    # Fetch: CORS-safelisted response-header names (Content-Length would be too; this app sends none).
    assert set(result.headers) == {
        "cache-control",
        "content-language",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
    assert result.headers["Content-Language"] == "en"  # case-insensitive lookup
    assert "X-Custom" not in result.headers


@pytest.mark.parametrize(
    ("aceh", "credentials", "readable"),
    [
        ("X-Custom", "same-origin", {"x-custom"}),
        ("x-custom, x-other", "include", {"x-custom", "x-other"}),
        # `*` exposes every header name, but only without credentials; Set-Cookie never.
        (
            "*",
            "same-origin",
            {
                "x-custom",
                "x-other",
                "set-cookie-not",
                "access-control-allow-origin",
                "access-control-expose-headers",
                "access-control-allow-credentials",
            },
        ),
        ("*", "include", set()),
        ("*, x-other", "include", {"x-other"}),
        ("x-custom, set-cookie", "same-origin", {"x-custom"}),
        # Extracting the header list fails on a non-token: nothing is exposed.
        ("X-Custom X-Other", "same-origin", set()),
        ("x-custom;", "same-origin", set()),
        (",x-custom,,", "same-origin", {"x-custom"}),
    ],
)
def test_access_control_expose_headers(rig: Rig, aceh: str, credentials: str, readable: set[str]) -> None:
    extra = [("X-Custom", "c"), ("X-Other", "o"), ("Set-Cookie", "a=b"), ("Set-Cookie-Not", "n")]
    url = rig.endpoint([*allow(allow_credentials="true", expose_headers=aceh), *extra])
    result = rig.browser().fetch(url, credentials=credentials)
    assert not result.blocked, result.error
    safelisted = {"content-length", "cache-control"}  # the scripted server always sends Cache-Control
    assert set(result.headers) - safelisted == readable
    assert "set-cookie" not in result.headers


def test_repeated_response_headers_are_combined_for_javascript(rig: Rig) -> None:
    url = rig.endpoint([*allow(expose_headers="x-a"), ("X-A", "1"), ("X-A", "2")])
    assert rig.browser().fetch(url).headers["x-a"] == "1, 2"


def test_status_and_body_pass_through_for_any_status(rig: Rig) -> None:
    url = rig.endpoint(Answer(418, allow(), body="teapot"))
    result = rig.browser().fetch(url)
    assert (result.blocked, result.status, result.text, result.ok) == (False, 418, "teapot", False)
