"""Preflight answers: what is a preflight, methods, request headers, status and body texts."""

from __future__ import annotations

import pytest
from support.asgi import Endpoint, preflight, request

from corskit import CORSMiddleware

ORIGIN = "https://app.example.com"
PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)
SAFELISTED = "Accept, Accept-Language, Content-Language, Content-Type"


def make(**kwargs: object) -> tuple[CORSMiddleware, Endpoint]:
    inner = Endpoint()
    kwargs.setdefault("allow_origins", [ORIGIN])
    return CORSMiddleware(inner, **kwargs), inner  # type: ignore[arg-type]


def test_accepted_preflight_is_answered_by_the_middleware() -> None:
    app, inner = make(allow_methods=["GET", "PUT"], allow_headers=["X-Token"], max_age=120)
    answer = preflight(app, ORIGIN, "PUT", request_headers="x-token")
    assert inner.calls == []
    assert (answer.status, answer.text) == (200, "OK")
    assert answer.get("content-type") == "text/plain; charset=utf-8"
    assert answer.get("content-length") == "2"
    assert answer.get("access-control-allow-origin") == ORIGIN
    assert answer.get("access-control-allow-methods") == "GET, PUT"
    assert answer.get("access-control-allow-headers") == f"{SAFELISTED}, X-Token"
    assert answer.get("access-control-max-age") == "120"
    assert answer.get("vary") == PREFLIGHT_VARY
    assert not answer.has("access-control-allow-credentials")


def test_default_max_age_is_600() -> None:
    app, _ = make()
    assert preflight(app, ORIGIN).get("access-control-max-age") == "600"


def test_credentials_are_announced_on_preflight() -> None:
    app, _ = make(allow_credentials=True)
    answer = preflight(app, ORIGIN)
    assert answer.get("access-control-allow-credentials") == "true"
    assert answer.get("access-control-allow-origin") == ORIGIN


def test_options_without_origin_or_request_method_goes_to_the_app() -> None:
    app, inner = make()
    no_origin = request(app, "OPTIONS", "/", [("Access-Control-Request-Method", "GET")])
    assert no_origin.body == b"app" and not no_origin.has("access-control-allow-origin")
    no_method = request(app, "OPTIONS", "/", [("Origin", ORIGIN)])
    assert no_method.body == b"app"
    # An OPTIONS with only Origin is an actual CORS request: it is answered by the app, with CORS headers.
    assert no_method.get("access-control-allow-origin") == ORIGIN
    assert len(inner.calls) == 2


def test_non_options_request_with_request_method_header_is_not_a_preflight() -> None:
    app, inner = make()
    response = request(app, "GET", "/", [("Origin", ORIGIN), ("Access-Control-Request-Method", "GET")])
    assert response.body == b"app"
    assert len(inner.calls) == 1


@pytest.mark.parametrize(
    ("origin_ok", "method", "request_headers", "text"),
    [
        (False, "GET", None, "Disallowed CORS origin"),
        (True, "DELETE", None, "Disallowed CORS method"),
        (True, "GET", "x-nope", "Disallowed CORS headers"),
        (False, "DELETE", "x-nope", "Disallowed CORS origin, method, headers"),
        (False, "DELETE", None, "Disallowed CORS origin, method"),
        (True, "DELETE", "x-nope", "Disallowed CORS method, headers"),
    ],
)
def test_refused_preflight_is_400_naming_every_failed_check(
    origin_ok: bool, method: str, request_headers: str | None, text: str
) -> None:
    app, inner = make(allow_headers=["X-Token"])
    origin = ORIGIN if origin_ok else "https://evil.example"
    answer = preflight(app, origin, method, request_headers=request_headers)
    assert (answer.status, answer.text) == (400, text)
    assert answer.get("content-type") == "text/plain; charset=utf-8"
    assert answer.get("vary") == PREFLIGHT_VARY
    assert inner.calls == []


def test_private_network_request_refused_unless_enabled() -> None:
    headers = [
        ("Origin", ORIGIN),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Private-Network", "true"),
    ]
    off, _ = make()
    refused = request(off, "OPTIONS", "/", headers)
    assert (refused.status, refused.text) == (400, "Disallowed CORS private-network")
    on, _ = make(allow_private_network=True)
    accepted = request(on, "OPTIONS", "/", headers)
    assert accepted.status == 200
    assert accepted.get("access-control-allow-private-network") == "true"


# --- methods -------------------------------------------------------------------------------------


def test_default_methods_are_get_only() -> None:
    app, _ = make()
    assert preflight(app, ORIGIN, "GET").status == 200
    assert preflight(app, ORIGIN, "POST").status == 400
    assert preflight(app, ORIGIN).get("access-control-allow-methods") == "GET"


def test_methods_are_normalized_like_fetch_does() -> None:
    # Fetch upper-cases only DELETE/GET/HEAD/OPTIONS/POST/PUT; any other method keeps its case.
    app, _ = make(allow_methods=["get", "Patch"])
    assert preflight(app, ORIGIN).get("access-control-allow-methods") == "GET, Patch"
    assert preflight(app, ORIGIN, "GET").status == 200
    assert preflight(app, ORIGIN, "Patch").status == 200
    assert preflight(app, ORIGIN, "PATCH").text == "Disallowed CORS method"  # methods are case-sensitive
    assert preflight(app, ORIGIN, "get").status == 400  # a browser never sends a lower-case get


def test_wildcard_methods_are_starlettes_standard_list() -> None:
    app, _ = make(allow_methods=["*"])
    assert preflight(app, ORIGIN, "GET").get("access-control-allow-methods") == (
        "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
    )
    for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"):
        assert preflight(app, ORIGIN, method).status == 200, method
    for method in ("PURGE", "patch", "LINK"):
        assert preflight(app, ORIGIN, method).status == 400, method


def test_custom_token_method_can_be_allowed() -> None:
    app, _ = make(allow_methods=["PURGE"])
    assert preflight(app, ORIGIN, "PURGE").status == 200
    assert preflight(app, ORIGIN, "GET").status == 400


# --- request headers ------------------------------------------------------------------------------


def test_safelisted_headers_are_always_allowed() -> None:
    app, _ = make()
    answer = preflight(app, ORIGIN, "GET", request_headers="content-type,accept,accept-language,content-language")
    assert answer.status == 200
    assert answer.get("access-control-allow-headers") == SAFELISTED
    assert preflight(app, ORIGIN, "GET", request_headers="x-token").text == "Disallowed CORS headers"


def test_listed_headers_are_allowed_case_insensitively() -> None:
    app, _ = make(allow_headers=["X-Token", "authorization"])
    assert preflight(app, ORIGIN).get("access-control-allow-headers") == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Token, authorization"
    )
    assert preflight(app, ORIGIN, "GET", request_headers="authorization,x-token").status == 200
    assert preflight(app, ORIGIN, "GET", request_headers="X-TOKEN, Content-Type").status == 200
    answer = preflight(app, ORIGIN, "GET", request_headers="authorization,x-other")
    assert (answer.status, answer.text) == (400, "Disallowed CORS headers")


def test_listing_a_safelisted_header_does_not_repeat_it() -> None:
    app, _ = make(allow_headers=["content-type", "X-A"])
    assert preflight(app, ORIGIN).get("access-control-allow-headers") == f"{SAFELISTED}, X-A"


def test_wildcard_headers_mirror_the_requested_list() -> None:
    app, _ = make(allow_headers=["*"], allow_credentials=True)
    answer = preflight(app, ORIGIN, "GET", request_headers="x-token,x-trace-id")
    assert answer.status == 200
    # Mirrored, not "*": with credentials a browser takes "*" literally.
    assert answer.get("access-control-allow-headers") == "x-token,x-trace-id"
    assert not preflight(app, ORIGIN, "GET").has("access-control-allow-headers")


def test_wildcard_headers_do_not_mirror_for_a_refused_origin() -> None:
    app, _ = make(allow_headers=["*"])
    answer = preflight(app, "https://evil.example", "GET", request_headers="x-token")
    assert answer.status == 400
    assert not answer.has("access-control-allow-headers")
    assert not answer.has("access-control-allow-origin")


@pytest.mark.parametrize("requested", ["x-a\r\nx-injected: 1", "x a", "x-a;x-b", ""])
def test_requested_headers_that_are_not_a_token_list_are_refused_even_with_wildcard(requested: str) -> None:
    app, _ = make(allow_headers=["*"])
    answer = preflight(app, ORIGIN, "GET", request_headers=requested)
    assert answer.status == 400
    assert not answer.has("access-control-allow-headers")


# -- Access-Control-Request-Headers split over several field lines (RFC 9110, section 5.3) ---------------

SPLIT = [
    ("Origin", ORIGIN),
    ("Access-Control-Request-Method", "PUT"),
    ("Access-Control-Request-Headers", "authorization"),
    ("Access-Control-Request-Headers", "x-custom"),
]


def test_every_line_of_a_split_header_list_is_mirrored_with_a_wildcard() -> None:
    # A proxy may split the list; the browser checks every name it asked for against the answer.
    app, _ = make(allow_methods=["PUT"], allow_headers=["*"], allow_credentials=True)
    answer = request(app, "OPTIONS", "/", SPLIT)
    assert answer.status == 200
    assert answer.get("access-control-allow-headers") == "authorization, x-custom"


def test_every_line_of_a_split_header_list_is_checked() -> None:
    app, _ = make(allow_methods=["PUT"], allow_headers=["Authorization"])
    answer = request(app, "OPTIONS", "/", SPLIT)
    assert (answer.status, answer.text) == (400, "Disallowed CORS headers")
    assert [f.code for f in app.explain("OPTIONS", "/", SPLIT).failures] == ["headers-not-allowed"]
    app, _ = make(allow_methods=["PUT"], allow_headers=["Authorization", "X-Custom"])
    assert request(app, "OPTIONS", "/", SPLIT).status == 200


def test_the_size_cap_applies_to_the_lines_together() -> None:
    app, _ = make(allow_methods=["PUT"], allow_headers=["*"])
    lines = [("Origin", ORIGIN), ("Access-Control-Request-Method", "PUT")]
    lines += [("Access-Control-Request-Headers", "x" * 3000)] * 3  # each under 8 KiB, together over it
    answer = request(app, "OPTIONS", "/", lines)
    assert (answer.status, answer.text) == (400, "Disallowed CORS headers")
    assert [f.code for f in app.explain("OPTIONS", "/", lines).failures] == ["headers-too-long"]
