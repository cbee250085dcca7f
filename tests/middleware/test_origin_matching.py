"""Which request origins are allowed: exact origins, patterns, regex, subclasses, forged Origin headers."""

from __future__ import annotations

import pytest
from support.asgi import Endpoint, preflight, request

from corskit import CORSMiddleware


def allowed(app: CORSMiddleware, origin: str) -> bool:
    """Whether ``origin`` is allowed, as seen in both a simple response and a preflight answer."""
    simple = request(app, "GET", "/", [("Origin", origin)])
    answer = preflight(app, origin)
    simple_ok = simple.get("access-control-allow-origin") == origin
    preflight_ok = answer.status == 200 and answer.get("access-control-allow-origin") == origin
    assert simple_ok == preflight_ok, (origin, simple.headers, answer.headers)
    if not simple_ok:
        assert not simple.has("access-control-allow-origin")
        assert not answer.has("access-control-allow-origin")
        assert answer.status == 400
    return simple_ok


def test_exact_origins_match_exactly() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://app.example.com", "http://localhost:8080"])
    assert allowed(app, "https://app.example.com")
    assert allowed(app, "http://localhost:8080")
    for other in [
        "https://app.example.co",
        "https://app.example.com.evil.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "http://localhost",
        "http://localhost:808",
        "https://APP.example.com",
        "app.example.com",
        "https://app.example.com/",
        "",
    ]:
        assert not allowed(app, other), other


SUBDOMAINS = CORSMiddleware(Endpoint(), allow_origins=["https://*.example.com"])


@pytest.mark.parametrize("origin", ["https://a.example.com", "https://a.b.example.com", "https://x-1.example.com"])
def test_subdomain_pattern_matches_any_depth_of_subdomain(origin: str) -> None:
    assert allowed(SUBDOMAINS, origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.com",  # the apex is not a subdomain
        "https://evil-example.com",  # a different registrable domain ending in the same letters
        "https://aexample.com",
        "https://.example.com",
        "https://a.example.com.evil.com",
        "http://a.example.com",  # another scheme
        "https://a.example.com:8443",  # another port
        "https://a.example.org",
        "null",
    ],
)
def test_subdomain_pattern_matches_nothing_else(origin: str) -> None:
    assert not allowed(SUBDOMAINS, origin)


ANY_PORT = CORSMiddleware(Endpoint(), allow_origins=["http://localhost:*"])


@pytest.mark.parametrize("origin", ["http://localhost", "http://localhost:3000", "http://localhost:65535"])
def test_any_port_pattern_matches_every_port_and_none(origin: str) -> None:
    assert allowed(ANY_PORT, origin)


@pytest.mark.parametrize(
    "origin",
    ["https://localhost:3000", "http://a.localhost:3000", "http://localhost.evil.com:3000", "http://127.0.0.1:3000"],
)
def test_any_port_pattern_keeps_scheme_and_host(origin: str) -> None:
    assert not allowed(ANY_PORT, origin)


def test_development_subdomain_pattern_on_localhost() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["http://*.localhost:3000"])
    assert allowed(app, "http://app.localhost:3000")
    assert allowed(app, "http://a.b.localhost:3000")
    assert not allowed(app, "http://localhost:3000")
    assert not allowed(app, "http://app.localhost:3001")
    assert not allowed(app, "http://app.localhost")
    assert not allowed(app, "https://app.localhost:3000")


def test_patterns_and_exact_origins_combine() -> None:
    app = CORSMiddleware(
        Endpoint(), allow_origins=["https://example.com", "https://*.example.com", "http://localhost:*"]
    )
    for origin in ["https://example.com", "https://www.example.com", "http://localhost:5173"]:
        assert allowed(app, origin)
    assert not allowed(app, "https://example.org")


def test_origin_regex_must_match_the_whole_origin() -> None:
    app = CORSMiddleware(Endpoint(), allow_origin_regex=r"https://[a-z0-9-]+\.example\.org")
    assert allowed(app, "https://shop.example.org")
    assert not allowed(app, "https://shop.example.org.evil.com")  # a prefix match would allow this
    assert not allowed(app, "evil://https://shop.example.org")  # a search would allow this
    assert not allowed(app, "https://a.b.example.org")


def test_regex_and_list_are_alternatives() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://listed.com"], allow_origin_regex=r"https://.*\.re\.com")
    assert allowed(app, "https://listed.com")
    assert allowed(app, "https://x.re.com")
    assert not allowed(app, "https://other.com")


def test_wildcard_allows_every_origin_with_a_literal_star() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"])
    simple = request(app, "GET", "/", [("Origin", "https://anyone.test")])
    assert simple.get("access-control-allow-origin") == "*"
    answer = preflight(app, "https://anyone.test")
    assert answer.status == 200
    assert answer.get("access-control-allow-origin") == "*"


def test_default_configuration_allows_no_origin() -> None:
    app = CORSMiddleware(Endpoint())
    assert not allowed(app, "https://a.com")


class TrustedSuffix(CORSMiddleware):
    """The Starlette idiom: decide origins in code by overriding is_allowed_origin."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.asked: list[str] = []

    def is_allowed_origin(self, origin: str) -> bool:
        self.asked.append(origin)
        return origin.endswith(".trusted.test") or super().is_allowed_origin(origin)


def test_subclass_overriding_is_allowed_origin_is_honoured() -> None:
    app = TrustedSuffix(Endpoint(), allow_origins=["https://listed.test"], allow_methods=["GET", "PUT"])
    assert allowed(app, "https://x.trusted.test")
    assert allowed(app, "https://listed.test")  # super() still consults the configured list
    assert not allowed(app, "https://other.test")
    assert "https://x.trusted.test" in app.asked and "https://other.test" in app.asked
    answer = preflight(app, "https://y.trusted.test", "PUT")
    assert answer.status == 200
    assert answer.get("access-control-allow-origin") == "https://y.trusted.test"


def test_refused_origin_gets_no_credentials_or_exposed_headers() -> None:
    app = CORSMiddleware(
        Endpoint(),
        allow_origins=["https://good.com"],
        allow_credentials=True,
        expose_headers=["X-Total"],
        allow_methods=["GET", "POST"],
    )
    good = request(app, "GET", "/", [("Origin", "https://good.com")])
    assert good.get("access-control-allow-origin") == "https://good.com"
    assert good.get("access-control-allow-credentials") == "true"
    assert good.get("access-control-expose-headers") == "X-Total"

    for response in (
        request(app, "GET", "/", [("Origin", "https://evil.com")]),
        preflight(app, "https://evil.com", "POST"),
        request(app, "GET"),  # no Origin at all
    ):
        assert not response.has("access-control-allow-origin")
        assert not response.has("access-control-allow-credentials")
        assert not response.has("access-control-expose-headers")


def test_duplicated_origin_headers_are_never_reflected() -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["https://a.com", "https://b.com"], allow_credentials=True)
    for pair in (
        ("https://a.com", "https://b.com"),
        ("https://a.com", "https://a.com"),
        ("https://evil.com", "https://a.com"),
    ):
        headers = [("Origin", pair[0]), ("Origin", pair[1])]
        simple = request(app, "GET", "/", headers)
        assert simple.status == 200 and simple.body == b"app"  # still served, just not shared
        assert not simple.has("access-control-allow-origin")
        assert not simple.has("access-control-allow-credentials")
        answer = request(app, "OPTIONS", "/", [*headers, ("Access-Control-Request-Method", "GET")])
        assert answer.status == 400
        assert not answer.has("access-control-allow-origin")
        assert not answer.has("access-control-allow-credentials")


@pytest.mark.parametrize("junk", ["null", "https://a.com\r\nX-Injected: 1", " https://a.com", "https://a.com "])
def test_origins_no_browser_sends_do_not_reach_patterns_or_regex(junk: str) -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://*.a.com"], allow_origin_regex=r"(?s).*")
    response = request(app, "GET", "/", [("Origin", junk)])
    assert not response.has("access-control-allow-origin")


class AllowEverything(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return True


def test_permissive_subclass_still_never_reflects_forged_origin_values() -> None:
    app = AllowEverything(Endpoint(), allow_origins=["https://listed.test"], allow_credentials=True)
    assert (
        request(app, "GET", "/", [("Origin", "https://any.test")]).get("access-control-allow-origin")
        == "https://any.test"
    )
    duplicated = request(app, "GET", "/", [("Origin", "https://a.test"), ("Origin", "https://b.test")])
    assert not duplicated.has("access-control-allow-origin")
    injected = request(app, "GET", "/", [("Origin", "https://a.test\r\nSet-Cookie: x=1")])
    assert not injected.has("access-control-allow-origin")
    assert not injected.has("set-cookie")
