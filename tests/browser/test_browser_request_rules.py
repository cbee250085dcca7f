"""Which requests need a CORS preflight, and what fetch() puts on the wire (Fetch, section 2.2 and 4.8)."""

from __future__ import annotations

import pytest

from browser.browser_rig import PAGE, Rig, allow

ALLOW_ALL_PREFLIGHT = allow(allow_methods="*", allow_headers="*, authorization")


def _preflighted(rig: Rig, profile: str = "chromium", **fetch_args: object) -> bool:
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser(profile).fetch(url, **fetch_args)  # type: ignore[arg-type]
    assert not result.blocked, result.error
    sent = rig.preflights(url)
    assert sent == (1 if result.preflight else 0)
    return sent == 1


# Fetch 2.2.1 "CORS-safelisted method": GET, HEAD, POST.
@pytest.mark.parametrize(
    ("method", "needs"),
    [
        ("GET", False),
        ("HEAD", False),
        ("POST", False),
        ("PUT", True),
        ("DELETE", True),
        ("PATCH", True),
        ("OPTIONS", True),
        ("get", False),
        ("post", False),
    ],
)
def test_cors_safelisted_methods_need_no_preflight(rig: Rig, method: str, needs: bool) -> None:
    assert _preflighted(rig, method=method) is needs


# Fetch 2.2.1 "normalize a method": only DELETE GET HEAD OPTIONS POST PUT are upper-cased.
@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("put", "PUT"),
        ("delete", "DELETE"),
        ("Options", "OPTIONS"),
        ("patch", "patch"),
        ("Patch", "Patch"),
        ("foo", "foo"),
    ],
)
def test_method_normalization_on_the_wire(rig: Rig, given: str, sent: str) -> None:
    url = rig.endpoint(allow(), allow(allow_methods=sent))
    result = rig.browser().fetch(url, method=given)
    assert not result.blocked, result.error
    assert result.preflight is not None
    assert result.preflight.request_header("Access-Control-Request-Method") == sent
    assert [e.method for e in result.exchanges] == ["OPTIONS", sent]


@pytest.mark.parametrize(
    ("name", "value", "needs"),
    [
        # Fetch 2.2.2 "CORS-safelisted request-header", value rules per name.
        ("Accept", "application/json", False),
        ("Accept", "text/(html)", True),  # "(" is a CORS-unsafe request-header byte
        ("Accept", "a" * 128, False),
        ("Accept", "a" * 129, True),  # "If value's length is greater than 128, then return false."
        ("Accept-Language", "en-US,en;q=0.9", False),
        ("Accept-Language", "en_US", True),  # "_" is not in 0-9 A-Z a-z space * , - . ; =
        ("Content-Language", "de-DE", False),
        ("Content-Language", "de/DE", True),
        ("Content-Type", "text/plain", False),
        ("Content-Type", "TEXT/PLAIN; charset=utf-8", False),
        ("Content-Type", "application/x-www-form-urlencoded", False),
        ("Content-Type", "multipart/form-data; boundary=x", False),
        ("Content-Type", "application/json", True),
        ("Content-Type", 'text/plain; x="y"', True),  # '"' is a CORS-unsafe request-header byte
        ("Content-Type", "text /plain", True),  # "parse a MIME type" fails: type is not a token
        ("Content-Type", "text/plain, application/json", True),
        ("Range", "bytes=0-10", False),  # "simple range header value"
        ("Range", "bytes=0-", False),
        ("Range", "bytes=-5", True),  # suffix ranges are not simple
        ("Range", "bytes=5-3", True),  # start after end
        ("X-Token", "1", True),
        ("Authorization", "Bearer x", True),
    ],
)
def test_cors_safelisted_request_headers(rig: Rig, name: str, value: str, needs: bool) -> None:
    for profile in ("chromium", "firefox", "webkit"):
        assert _preflighted(rig, profile, method="POST", headers={name: value}, body="x") is needs, profile


def test_safelisted_values_over_1024_bytes_in_total_make_them_all_unsafe(rig: Rig) -> None:
    # Fetch "CORS-unsafe request-header names": safelistValueSize > 1024 -> every safelisted name is unsafe.
    # Only Chromium's extra Client Hints make the total reachable (each value is at most 128 bytes).
    headers = {
        "Accept": "a" * 128,
        "Accept-Language": "b" * 128,
        "Content-Language": "c" * 128,
        "DPR": "1" * 128,
        "Width": "2" * 128,
        "Viewport-Width": "3" * 128,
        "RTT": "4" * 128,
        "Device-Memory": "5" * 128,
        "Downlink": "6" * 10,
    }
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser().fetch(url, headers=headers)
    assert result.preflight is not None
    assert result.preflight.request_header("Access-Control-Request-Headers") == (
        "accept,accept-language,content-language,device-memory,downlink,dpr,rtt,viewport-width,width"
    )
    smaller = dict(headers, Downlink="6" * 9)  # 8 * 128 + 9 = 1033 -> still over; drop one value instead
    del smaller["Device-Memory"]
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    assert rig.browser().fetch(url, headers=smaller).preflight is None


@pytest.mark.parametrize(("name", "value"), [("DPR", "2"), ("Save-Data", "on"), ("Width", "100"), ("ECT", "4g")])
def test_chromium_safelists_client_hints_but_the_standard_does_not(rig: Rig, name: str, value: str) -> None:
    assert _preflighted(rig, "chromium", headers={name: value}) is False
    assert _preflighted(rig, "firefox", headers={name: value}) is True


def test_access_control_request_headers_is_lowercased_sorted_and_comma_joined(rig: Rig) -> None:
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    headers = {"X-Zeta": "1", "x-alpha": "2", "Content-Type": "application/json", "Accept": "text/html"}
    result = rig.browser().fetch(url, method="PUT", headers=headers, body="{}")
    preflight = result.preflight
    assert preflight is not None
    # Fetch: CORS-preflight fetch, step 5 -- only the unsafe names; Accept is safelisted here.
    assert preflight.request_header("Access-Control-Request-Headers") == "content-type,x-alpha,x-zeta"
    assert preflight.request_header("Access-Control-Request-Method") == "PUT"
    assert preflight.request_header("Origin") == PAGE
    assert preflight.request_header("Accept") == "*/*"
    assert preflight.method == "OPTIONS"
    # The preflight carries none of the request's own headers.
    assert preflight.request_header("X-Zeta") is None


@pytest.mark.parametrize(
    "name",
    [
        "Cookie",
        "Origin",
        "Host",
        "Sec-Fetch-Mode",
        "Proxy-Authorization",
        "Access-Control-Request-Method",
        "Content-Length",
    ],
)
def test_forbidden_request_headers_are_silently_dropped(rig: Rig, name: str) -> None:
    # Fetch 2.2.2 "forbidden request-header": the Headers object ignores them, so no preflight either.
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser().fetch(url, headers={name: "evil"})
    assert not result.blocked
    assert result.preflight is None
    assert result.exchanges[-1].request_header(name) != "evil"


def test_method_override_header_is_forbidden_only_with_a_forbidden_method(rig: Rig) -> None:
    assert _preflighted(rig, headers={"X-HTTP-Method-Override": "TRACE"}) is False
    assert _preflighted(rig, headers={"X-HTTP-Method-Override": "PATCH"}) is True


def test_user_agent_is_dropped_by_chromium_but_settable_per_standard(rig: Rig) -> None:
    assert _preflighted(rig, "chromium", headers={"User-Agent": "mine"}) is False
    assert _preflighted(rig, "firefox", headers={"User-Agent": "mine"}) is True


def test_string_body_gets_text_plain_content_type_which_is_safelisted(rig: Rig) -> None:
    # Fetch "extract a body": a USVString body has type `text/plain;charset=UTF-8`.
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser().fetch(url, method="POST", body="hi")
    assert result.preflight is None
    request = result.exchanges[-1]
    assert request.request_header("Content-Type") == "text/plain;charset=UTF-8"
    assert request.request_header("Origin") == PAGE
    assert request.request_header("Accept") == "*/*"


def test_repeated_header_names_are_combined(rig: Rig) -> None:
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser().fetch(url, headers=[("X-A", "1"), ("x-a", "2")])
    assert result.exchanges[-1].request_header("X-A") == "1, 2"
    assert result.preflight is not None
    assert result.preflight.request_header("Access-Control-Request-Headers") == "x-a"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "CONNECT"}, "unsupported"),
        ({"method": "trace"}, "unsupported"),
        ({"method": "GE T"}, "not a valid HTTP method"),
        ({"method": "GET", "body": "x"}, "cannot have body"),
        ({"headers": {"X-A": "a\nb"}}, "Invalid value"),
        ({"headers": {"X A": "1"}}, "Invalid name"),
        ({"mode": "no-cors", "method": "PUT"}, "no-cors"),
    ],
)
def test_what_fetch_throws_for_is_blocked_before_anything_is_sent(
    rig: Rig, kwargs: dict[str, object], message: str
) -> None:
    url = rig.endpoint(allow(), ALLOW_ALL_PREFLIGHT)
    result = rig.browser().fetch(url, **kwargs)  # type: ignore[arg-type]
    assert result.blocked
    assert result.error is not None and message in result.error and result.error.startswith("TypeError")
    assert result.exchanges == ()
    assert rig.server.received(url.rsplit("/", 1)[1]) == []
