"""Headers the browser adds itself: Fetch Metadata (Sec-Fetch-*), Referer, cache-mode headers.

The differential test checks them against Chromium for *.localhost; these cover other hosts.
"""

from __future__ import annotations

import pytest
from support.cors_server import Answer, ScriptedServer

from corskit.browser import Browser

ANY = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "*")]


def _sent(origin: str, url: str, **fetch_args: object) -> dict[str, str]:
    server = ScriptedServer()
    server.script("x", preflight=Answer(204, ANY), actual=Answer(200, ANY))
    with Browser(origin=origin, app=server) as browser:
        result = browser.fetch(url, **fetch_args)  # type: ignore[arg-type]
    return {k.lower(): v for k, v in result.exchanges[-1].request_headers}


@pytest.mark.parametrize(
    ("origin", "url", "site"),
    [
        ("https://app.example.com", "https://app.example.com/c/x", "same-origin"),
        ("https://app.example.com", "https://api.example.com/c/x", "same-site"),
        ("https://app.example.com", "https://api.other.com/c/x", "cross-site"),
        (
            "http://app.example.com",
            "https://api.example.com/c/x",
            "cross-site",
        ),  # the scheme is part of a site
        ("https://a.example.co.uk", "https://b.example.co.uk/c/x", "same-site"),
        ("https://a.co.uk", "https://b.co.uk/c/x", "cross-site"),
        ("http://app.localhost:1", "http://api.localhost:1/c/x", "cross-site"),  # as Chromium says
        ("http://localhost:1", "http://localhost:2/c/x", "same-site"),
    ],
)
def test_sec_fetch_site(origin: str, url: str, site: str) -> None:
    sent = _sent(origin, url)
    assert sent["sec-fetch-site"] == site
    assert sent["sec-fetch-mode"] == "cors"
    assert sent["sec-fetch-dest"] == "empty"


def test_no_fetch_metadata_to_plain_http_hosts() -> None:
    # Fetch Metadata goes only to potentially trustworthy URLs (https, localhost, loopback).
    sent = _sent("https://app.example.com", "http://api.example.com/c/x")
    assert not any(name.startswith("sec-fetch-") for name in sent)
    assert "referer" not in sent  # strict-origin-when-cross-origin: no referrer on an https -> http downgrade


def test_referer_is_the_page_origin_across_origins() -> None:
    assert _sent("https://app.example.com", "https://api.example.com/c/x")["referer"] == "https://app.example.com/"


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        ("no-store", {"pragma": "no-cache", "cache-control": "no-cache"}),
        ("reload", {"pragma": "no-cache", "cache-control": "no-cache"}),
        ("no-cache", {"cache-control": "max-age=0"}),
        ("default", {}),
        ("force-cache", {}),
    ],
)
def test_cache_modes_become_request_headers(cache: str, expected: dict[str, str]) -> None:
    sent = _sent("https://app.example.com", "https://api.example.com/c/x", method="PUT", cache=cache)
    assert {k: v for k, v in sent.items() if k in ("pragma", "cache-control")} == expected
