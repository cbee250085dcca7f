"""Targeted hostile requests: each names one attack or malformed input and what must happen to it."""

from __future__ import annotations

from typing import Any

import pytest
from support.asgi import Response, assert_wellformed, http_scope, through

from corskit import CORSMiddleware

ACAO = b"access-control-allow-origin"
ACAC = b"access-control-allow-credentials"
ACAH = b"access-control-allow-headers"

STRICT: dict[str, Any] = {
    "allow_origins": ["https://app.example.com", "http://localhost:3000", "https://*.example.org", "http://[::1]:8080"],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token"],
    "expose_headers": ["X-Total"],
}
MIRROR = {**STRICT, "allow_headers": ["*"]}


def simple(origin: bytes, config: dict[str, Any] = STRICT) -> Response:
    response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)]))
    assert_wellformed(response)
    assert response.app_called
    return response


def preflight(origin: bytes, extra: list[tuple[bytes, bytes]] = (), config: dict[str, Any] = STRICT) -> Response:  # type: ignore[assignment]
    headers = [(b"origin", origin), (b"access-control-request-method", b"GET"), *extra]
    response = through(CORSMiddleware, config, http_scope("OPTIONS", "/", headers))
    assert_wellformed(response)
    return response


def assert_refused(response: Response) -> None:
    assert response.one(ACAO) is None
    assert response.one(ACAC) is None
    assert b"origin" in response.vary_tokens()


def test_allowed_origin_is_reflected_byte_for_byte():
    response = simple(b"https://app.example.com")
    assert response.one(ACAO) == b"https://app.example.com"
    assert response.one(ACAC) == b"true"


@pytest.mark.parametrize(
    "origin",
    [
        b"https://evil.com",
        b"https://app.example.com.evil.com",  # prefix match
        b"https://evilapp.example.com",  # suffix match
        b"https://app-example.com",
        b"https://appxexample.com",  # unescaped-dot style
        b"https://app.example.co",  # substring
        b"https://app.example.comm",
        b"https://pp.example.com",
        b"http://app.example.com",  # http where https is trusted
        b"wss://app.example.com",
        b"https://app.example.com:443",  # explicit default port: never sent by browsers
        b"https://app.example.com:8443",
        b"http://localhost:3001",  # one port away
        b"http://localhost:300",
        b"http://localhost:03000",
        b"http://localhost",
        b"http://127.0.0.1:3000",
        b"https://example.org",  # apex of a subdomain pattern
        b"https://evil-example.org",
        b"https://x.example.org:8443",
    ],
)
def test_origins_one_edit_away_are_refused(origin: bytes):
    assert_refused(simple(origin))
    response = preflight(origin)
    assert response.status == 400
    assert_refused(response)


def test_null_origin_is_refused_even_by_a_catch_all_regex():
    config = {"allow_origin_regex": ".*", "allow_credentials": True}
    assert_refused(simple(b"null", config))
    assert_refused(preflight(b"null", config=config))


@pytest.mark.parametrize(
    "origin",
    [b"HTTPS://APP.EXAMPLE.COM", b"https://App.Example.com", b"https://app.example.com.", b"https://x.example.org."],
)
def test_uppercase_and_trailing_dot_hosts_are_refused(origin: bytes):
    assert_refused(simple(origin))
    assert_refused(preflight(origin))


@pytest.mark.parametrize(
    "origin",
    [
        b"https://user@app.example.com",
        b"https://app.example.com@evil.com",
        b"https://evil.com@app.example.com",
        b"https://user:pass@x.example.org",
        b"https://app.example.com/",
        b"https://app.example.com/path",
        b"https://app.example.com?x",
        b"https://app.example.com#x",
        b"https://x.example.org/.example.org",
    ],
)
def test_userinfo_and_paths_inside_origin_are_refused(origin: bytes):
    assert_refused(simple(origin))
    assert_refused(preflight(origin))


@pytest.mark.parametrize(
    "origin",
    [
        b"https://app.example.com\r\nSet-Cookie: session=evil",
        b"https://app.example.com\nX: y",
        b"https://app.example.com\x00",
        b"https://x.example.org\r\n",
        b"https://x.example.org\x00.example.org",
        b"\r\n",
        b"https://app.example.com\t",
        b" https://app.example.com",
    ],
)
def test_control_characters_in_origin_are_never_reflected(origin: bytes):
    assert_refused(simple(origin))
    assert_refused(preflight(origin))


@pytest.mark.parametrize(
    "origin",
    [
        "https://bücher.example.org".encode(),  # UTF-8 bytes >= 0x80
        "https://bücher.example.org".encode("latin-1"),
        b"https://\xff.example.org",
        b"https://app.example.com\x80",
        "https://аpp.example.com".encode(),  # Cyrillic 'а' homograph
    ],
)
def test_non_ascii_origins_are_refused(origin: bytes):
    assert_refused(simple(origin))
    assert_refused(preflight(origin))


def test_punycode_subdomain_is_matched_by_pattern():
    # Browsers send internationalized hosts in punycode; a pattern covers them like any label.
    assert simple(b"https://xn--bcher-kva.example.org").one(ACAO) == b"https://xn--bcher-kva.example.org"


def test_ipv6_literal_origins():
    assert simple(b"http://[::1]:8080").one(ACAO) == b"http://[::1]:8080"
    for origin in (b"http://[::1]:8081", b"http://[0:0:0:0:0:0:0:1]:8080", b"http://[::1]", b"http://::1:8080"):
        assert_refused(simple(origin))
    pattern = {"allow_origins": ["http://[::1]:*"]}
    assert simple(b"http://[::1]:9999", pattern).one(ACAO) == b"http://[::1]:9999"
    assert_refused(simple(b"http://[::2]:9999", pattern))
    assert_refused(simple(b"http://[::1].evil.com:9999", pattern))


@pytest.mark.parametrize("value", [b"", b" ", b"\t", b"  \t  "])
def test_empty_and_whitespace_origin_is_refused(value: bytes):
    assert_refused(simple(value))
    assert_refused(preflight(value))


def test_duplicate_origin_headers_are_refused():
    for pair in (
        (b"https://app.example.com", b"https://app.example.com"),
        (b"https://evil.com", b"https://app.example.com"),
    ):
        response = through(CORSMiddleware, STRICT, http_scope("GET", "/", [(b"origin", pair[0]), (b"origin", pair[1])]))
        assert_wellformed(response)
        assert_refused(response)
        headers = [(b"origin", pair[0]), (b"access-control-request-method", b"GET"), (b"origin", pair[1])]
        response = through(CORSMiddleware, STRICT, http_scope("OPTIONS", "/", headers))
        assert response.status == 400
        assert_refused(response)


def test_64_kib_origin_is_refused_and_not_echoed():
    huge = b"https://" + b"a." * 32768 + b"example.org"
    for origin in (huge, b"https://app.example.com" + b"x" * 65536, b"\xff" * 65536):
        assert_refused(simple(origin))
        response = preflight(origin)
        assert response.status == 400
        assert_refused(response)
        assert len(response.body) < 100


def test_64_kib_request_headers_are_refused_unread():
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", b"x-token," * 8192)], MIRROR)
    assert response.status == 400
    assert response.one(ACAH) != b"x-token," * 8192


def test_ten_thousand_request_header_names():
    names = b",".join(b"x-h%d" % i for i in range(10_000))
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", names)], MIRROR)
    # Far beyond what a browser sends (and the documented 8 KiB cap): refused, not mirrored.
    assert response.status == 400
    assert response.one(ACAH) is None
    # Under the cap, a long list is mirrored exactly when every item is a token.
    names = b",".join(b"x%d" % i for i in range(1500))
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", names)], MIRROR)
    assert response.status == 200
    assert response.one(ACAH) == names


@pytest.mark.parametrize(
    "value",
    [
        b"x-token\r\nSet-Cookie: a=b",
        b"x-token\nx",
        b"x-token\x00",
        b"x-token,\r\n",
        b"x-t\xf6ken",
        b"",
        b" ",
        b",",
        b"x-token,,x-token",
        b"x-token;x",
        b"(x)",
    ],
)
def test_malformed_request_headers_are_refused_and_never_mirrored(value: bytes):
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", value)], MIRROR)
    assert response.status == 400
    assert response.one(ACAH) is None


def test_request_headers_not_allowed_are_refused():
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", b"x-token, x-other")])
    assert response.status == 400
    response = preflight(b"https://app.example.com", [(b"access-control-request-headers", b"X-TOKEN , content-type")])
    assert response.status == 200


@pytest.mark.parametrize(
    "method", [b"", b" ", b"get ", b"GET\r\n", b"\x00", b"TRACE", b"PATCH", b"G\xc3\x89T", b"A" * 65536]
)
def test_hostile_request_method_is_refused(method: bytes):
    headers = [(b"origin", b"https://app.example.com"), (b"access-control-request-method", method)]
    response = through(CORSMiddleware, STRICT, http_scope("OPTIONS", "/", headers))
    assert_wellformed(response)
    assert response.status == 400
    assert b"method" in response.body


@pytest.mark.parametrize("value", [b"true", b"", b"false", b"\x00", b"t" * 65536])
def test_private_network_request_needs_allow_private_network(value: bytes):
    header = [(b"access-control-request-private-network", value)]
    response = preflight(b"https://app.example.com", header)
    assert response.status == 400
    assert response.one(b"access-control-allow-private-network") is None
    response = preflight(b"https://evil.com", header, {**STRICT, "allow_private_network": True})
    assert response.status == 400
    assert response.one(b"access-control-allow-private-network") is None
    response = preflight(b"https://app.example.com", header, {**STRICT, "allow_private_network": True})
    assert response.status == 200
    assert response.one(b"access-control-allow-private-network") == b"true"


@pytest.mark.parametrize(
    "app_vary",
    [
        [],
        [b"Accept-Encoding"],
        [b"accept-encoding", b"Cookie"],
        [b"origin"],
        [b"Originator"],
        [b""],
        [b" , ,"],
        [b"x" * 65536],
        [b",".join([b"h%d" % i for i in range(10_000)])],
    ],
)
def test_vary_always_names_origin(app_vary: list[bytes]):
    for origin in (None, b"https://app.example.com", b"https://evil.com"):
        headers = [] if origin is None else [(b"origin", origin)]
        response = through(CORSMiddleware, STRICT, http_scope("GET", "/", headers), [(b"vary", v) for v in app_vary])
        assert_wellformed(response)
        assert len(response.raw_values(b"vary")) == 1
        assert b"origin" in response.vary_tokens()


def test_vary_star_from_the_app_is_kept():
    response = through(
        CORSMiddleware, STRICT, http_scope("GET", "/", [(b"origin", b"https://app.example.com")]), [(b"vary", b"*")]
    )
    assert response.raw_values(b"vary") == [b"*"]


def test_vary_origin_even_without_origin_header():
    # The answer without Origin (no CORS headers) differs from the answer to an allowed origin, so a
    # shared cache must key it on Origin too, or it would serve the uncredentialed copy - or the reverse.
    response = through(CORSMiddleware, STRICT, http_scope("GET", "/", []))
    assert response.one(ACAO) is None
    assert b"origin" in response.vary_tokens()


def test_app_allow_origin_header_is_replaced_not_duplicated():
    app_headers = [(b"access-control-allow-origin", b"https://app.example.com"), (b"vary", b"Accept")]
    response = through(
        CORSMiddleware, STRICT, http_scope("GET", "/", [(b"origin", b"https://app.example.com")]), app_headers
    )
    assert response.raw_values(ACAO) == [b"https://app.example.com"]  # replaced, not duplicated


class EverythingAllowed(CORSMiddleware):
    """A Starlette-style subclass whose own origin check is far too lenient."""

    def is_allowed_origin(self, origin: str) -> bool:
        return not origin.startswith("https://evil.")


@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"https://x\r\nSet-Cookie: session=evil; .example.com")],
        [(b"origin", b"https://x.example.com\x00")],
        [(b"origin", b"https://x.example.com\n")],
        [(b"origin", b"https://a.example.com"), (b"origin", b"https://b.example.com")],  # duplicated
    ],
)
def test_subclass_origin_check_never_reflects_control_characters(headers: list[tuple[bytes, bytes]]):
    config = {"allow_origins": ["https://app.example.com"], "allow_credentials": True}
    response = through(EverythingAllowed, config, http_scope("GET", "/", headers))
    assert_wellformed(response)
    assert response.one(ACAO) is None
    response = through(
        EverythingAllowed, config, http_scope("OPTIONS", "/", [*headers, (b"access-control-request-method", b"GET")])
    )
    assert_wellformed(response)
    assert response.one(ACAO) is None
    # The subclass is still the one deciding about ordinary origins (Starlette compatibility).
    response = through(
        EverythingAllowed, config, http_scope("GET", "/", [(b"origin", b"https://anything.example.com")])
    )
    assert response.one(ACAO) == b"https://anything.example.com"
    response = through(EverythingAllowed, config, http_scope("GET", "/", [(b"origin", b"https://evil.example.com")]))
    assert response.one(ACAO) is None
