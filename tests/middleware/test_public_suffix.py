"""The Public Suffix List in configuration checks and in the simulator's sites.

The list is the one bundled in the ``publicsuffixlist`` wheel: read once, never downloaded, never
consulted while answering a request. Reserved names (.test, .example, .invalid, .localhost,
.internal, .local, home.arpa) are not open to registration, so a wildcard under them is accepted --
the same in ``allow_origins`` patterns and in ``allow_origin_regex``.
"""

from __future__ import annotations

import socket
from typing import Any

import publicsuffixlist
import pytest
from support.asgi import Endpoint, request

from corskit import CORSConfigError, CORSMiddleware
from corskit import _fetch as psl
from corskit.browser._fetch_metadata import site_of
from corskit.browser._origins import parse_origin as page_origin


def codes(**config: Any) -> list[str]:
    try:
        CORSMiddleware(Endpoint(), **config)
    except CORSConfigError as error:
        return list(error.codes)
    return []


# Suffixes from the list's ICANN and private sections, many of them rarely thought of.
REAL_SUFFIXES = [
    "co.il",
    "gov.br",
    "myshopify.com",
    "vercel.app",
    "s3.amazonaws.com",
    "netlify.app",
    "pages.dev",
    "github.io",
    "com.au",
    "ac.jp",
    "kawasaki.jp",  # '*.kawasaki.jp' makes kawasaki.jp itself public
    "blogspot.com",
    "lan",  # a top-level label the list does not know: the default rule makes it public
]


@pytest.mark.parametrize("suffix", REAL_SUFFIXES)
def test_a_wildcard_over_a_real_public_suffix_is_refused_in_patterns_and_regexes(suffix: str):
    assert codes(allow_origins=[f"https://*.{suffix}"]) == ["pattern-public-suffix"]
    escaped = suffix.replace(".", "\\.")
    assert "regex-public-suffix" in codes(allow_origin_regex=f"https://.*\\.{escaped}")
    if suffix != "kawasaki.jp":  # x.kawasaki.jp is itself public: one label under it is nobody's site
        assert "regex-public-suffix" in codes(allow_origin_regex=f"https://[a-z0-9-]+\\.{escaped}")


def test_a_wildcard_reaching_down_to_a_public_suffix_is_refused():
    # Anyone can create the bucket evil.s3.amazonaws.com, and '*.amazonaws.com' covers it.
    [message] = [str(error) for error in [_error(allow_origins=["https://*.amazonaws.com"])]]
    assert "pattern-public-suffix" in message and "amazonaws.com" in message


def _error(**config: Any) -> CORSConfigError:
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(Endpoint(), **config)
    return raised.value


@pytest.mark.parametrize(
    "entry",
    [
        "https://*.example.co.il",
        "https://*.myshop.myshopify.com",
        "https://*.city.kawasaki.jp",  # an exception rule: city.kawasaki.jp is registrable
        "https://*.example.com",
        "https://*.google.com",
    ],
)
def test_a_wildcard_under_a_registrable_domain_is_accepted(entry: str):
    assert codes(allow_origins=[entry]) == []


RESERVED = ["test", "example", "invalid", "localhost", "internal", "local", "home.arpa"]


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_names_are_treated_the_same_in_patterns_and_regexes(name: str):
    escaped = name.replace(".", "\\.")
    assert codes(allow_origins=[f"https://*.{name}", f"http://*.{name}:*"]) == []
    assert codes(allow_origin_regex=f"https://[a-z0-9-]+\\.{escaped}") == []
    assert codes(allow_origin_regex=f"https://.*\\.{escaped}(:\\d+)?") == []
    # A look-alike still leaks out of a reserved name onto the public internet.
    assert "regex-prefix-match" in codes(allow_origin_regex=f"https://app\\.{escaped}.*")


def test_the_list_is_read_from_the_wheel_without_network(monkeypatch: pytest.MonkeyPatch):
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Public Suffix List must not be downloaded")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    psl._list.cache_clear()
    psl._listed_only.cache_clear()
    psl._rules_below.cache_clear()
    assert psl.open_suffix_under("co.il") == "co.il"
    assert psl.registrable_by_anyone("evil.example.co.il") == "example.co.il"
    assert codes(allow_origins=["https://*.co.il"]) == ["pattern-public-suffix"]


def test_requests_never_consult_the_list(monkeypatch: pytest.MonkeyPatch):
    middleware = CORSMiddleware(
        Endpoint(), allow_origins=["https://*.example.co.uk"], allow_origin_regex=r"https://.*\.example\.org"
    )

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Public Suffix List was consulted for a request")

    for name in ("privatesuffix", "publicsuffix", "is_public", "is_private"):
        monkeypatch.setattr(publicsuffixlist.PublicSuffixList, name, forbidden)
    for origin in ("https://a.example.co.uk", "https://b.example.org", "https://evil.co.uk"):
        sent = request(middleware, "GET", "/", [("Origin", origin)])
        assert (sent.get("access-control-allow-origin") == origin) == (not origin.startswith("https://evil"))


@pytest.mark.parametrize(
    ("page", "other", "same_site"),
    [
        ("https://alice.github.io", "https://bob.github.io", False),  # private section: separate sites
        ("https://a.example.co.il", "https://b.example.co.il", True),
        ("https://a.co.il", "https://b.co.il", False),
        ("https://shop.myshopify.com", "https://other.myshopify.com", False),
        ("https://x.s3.amazonaws.com", "https://y.s3.amazonaws.com", False),
        ("https://a.b.kawasaki.jp", "https://c.b.kawasaki.jp", False),  # '*.kawasaki.jp': b.kawasaki.jp is public
        ("https://www.city.kawasaki.jp", "https://city.kawasaki.jp", True),  # '!city.kawasaki.jp'
        ("http://app.localhost", "http://api.localhost", False),  # as Chromium: localhost is a suffix
        ("http://localhost:1", "http://localhost:2", True),
        ("https://a.example.com.", "https://b.example.com.", True),
        ("https://example.com.", "https://example.com", False),  # the trailing dot is part of the site
    ],
)
def test_simulator_sites_follow_the_public_suffix_list(page: str, other: str, same_site: bool):
    assert (site_of(page_origin(page)) == site_of(page_origin(other))) == same_site
