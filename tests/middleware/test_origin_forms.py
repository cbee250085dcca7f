"""Configured origins in forms no browser sends, and trailing-dot hosts, which browsers do send.

A browser serializes an IP address one way only (URL standard: the IPv4 and IPv6 serializers), so
``http://127.1`` or ``http://[0:0:0:0:0:0:0:1]`` in a configuration would never match: corskit refuses
them and names the spelling the browser sends (written out by hand below). Pages opened from file://
send ``Origin: null``. A trailing-dot host is an origin of its own, matched exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.asgi import Endpoint, request

from corskit import CORSConfigError, CORSMiddleware


def refusal(**config: Any) -> CORSConfigError:
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(Endpoint(), **config)
    return raised.value


def allowed(config: dict[str, Any], origin: str) -> bool:
    sent = request(CORSMiddleware(Endpoint(), **config), "GET", "/", [("Origin", origin)])
    return sent.get("access-control-allow-origin") == origin


# (configured entry, what a browser sends for that origin)
RESPELLED = [
    ("http://[0:0:0:0:0:0:0:1]:3000", "http://[::1]:3000"),
    ("http://[0000::0001]", "http://[::1]"),
    ("http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]"),
    ("http://[::127.0.0.1]:8080", "http://[::7f00:1]:8080"),
    ("https://[2001:db8:0:0:1:0:0:1]", "https://[2001:db8::1:0:0:1]"),
    ("https://[2001:0db8::0001]", "https://[2001:db8::1]"),
    ("http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]"),
    ("http://127.1", "http://127.0.0.1"),
    ("http://127.0.1:8000", "http://127.0.0.1:8000"),
    ("http://0x7f.0.0.1", "http://127.0.0.1"),
    ("http://0x7f000001:3000", "http://127.0.0.1:3000"),
    ("http://2130706433", "http://127.0.0.1"),
    ("http://0177.0.0.1", "http://127.0.0.1"),
    ("http://010.0.0.1", "http://8.0.0.1"),
    ("http://192.168.000.001", "http://192.168.0.1"),
    ("http://127.0.0.1.", "http://127.0.0.1"),
    ("ws://0x7f.1:9000", "ws://127.0.0.1:9000"),
    ("http://127.1:*", "http://127.0.0.1:*"),
    ("http://[0:0::1]:*", "http://[::1]:*"),
]


@pytest.mark.parametrize(("entry", "sent"), RESPELLED)
def test_ip_addresses_not_in_the_browser_spelling_are_refused_naming_it(entry: str, sent: str):
    [problem] = refusal(allow_origins=[entry]).problems
    assert problem.code == "origin-not-serialized"
    assert f"Use {sent!r}" in problem.message


@pytest.mark.parametrize(("entry", "sent"), RESPELLED)
def test_the_named_spelling_is_accepted_and_matches(entry: str, sent: str):
    if sent.endswith(":*"):
        config: dict[str, Any] = {"allow_origins": [sent]}
        origin = sent[:-1] + "4321"
    else:
        config, origin = {"allow_origins": [sent]}, sent
    assert allowed(config, origin)


@pytest.mark.parametrize(
    "entry", ["http://1.2.3.256", "http://foo.123", "http://1.2.3.4.5", "http://0x1g.1", "http://[::1::2]"]
)
def test_hosts_a_url_parser_rejects_are_refused(entry: str):
    [problem] = refusal(allow_origins=[entry]).problems
    assert problem.code == "origin-malformed"


@pytest.mark.parametrize("entry", ["https://*.1.2", "https://*.example.0x10"])
def test_a_pattern_over_a_numeric_last_label_is_refused(entry: str):
    [problem] = refusal(allow_origins=[entry]).problems
    assert problem.code == "pattern-malformed"


@pytest.mark.parametrize("entry", ["file:///home/me/index.html", "file://host", "FILE://x"])
def test_file_origins_are_refused_because_file_pages_send_null(entry: str):
    [problem] = refusal(allow_origins=[entry]).problems
    assert problem.code == "origin-file-url"
    assert "'Origin: null'" in problem.message


def test_every_respelled_entry_is_reported_at_once():
    entries = [entry for entry, _sent in RESPELLED]
    problems = refusal(allow_origins=entries).problems
    assert [problem.code for problem in problems] == ["origin-not-serialized"] * len(entries)


def test_non_special_schemes_keep_their_host_as_written():
    # The URL standard parses IPv4 forms only for special schemes; others keep an opaque host.
    CORSMiddleware(Endpoint(), allow_origins=["chrome-extension://abcdefghijklmnopabcdefghijklmnop"])
    assert allowed({"allow_origins": ["capacitor://localhost"]}, "capacitor://localhost")


def test_browser_forms_of_ip_addresses_are_accepted_and_match():
    for origin in (
        "http://127.0.0.1:8000",
        "http://[::1]:3000",
        "http://[2001:db8::1:0:0:1]",
        "http://[::ffff:7f00:1]",
    ):
        assert allowed({"allow_origins": [origin]}, origin), origin


# Trailing-dot hosts.


def test_a_trailing_dot_origin_is_configurable_and_matched_exactly():
    config = {"allow_origins": ["https://example.com."]}
    assert allowed(config, "https://example.com.")
    assert not allowed(config, "https://example.com")


def test_the_dotless_origin_never_allows_the_trailing_dot_one():
    config = {"allow_origins": ["https://example.com"], "allow_credentials": True}
    assert allowed(config, "https://example.com")
    assert not allowed(config, "https://example.com.")


def test_patterns_keep_the_trailing_dot_apart():
    dotted = {"allow_origins": ["https://*.example.com."]}
    dotless = {"allow_origins": ["https://*.example.com"]}
    assert allowed(dotted, "https://a.example.com.")
    assert not allowed(dotted, "https://a.example.com")
    assert allowed(dotless, "https://a.example.com")
    assert not allowed(dotless, "https://a.example.com.")
    assert allowed({"allow_origins": ["http://localhost.:*"]}, "http://localhost.:5173")


def test_a_regex_sees_the_trailing_dot_as_written():
    assert not allowed({"allow_origin_regex": r"https://example\.com"}, "https://example.com.")
    assert allowed({"allow_origin_regex": r"https://example\.com\.?"}, "https://example.com.")


@pytest.mark.parametrize("entry", ["https://example.com..", "https://.", "https://*.example.com..", "https://*.com."])
def test_malformed_trailing_dots_and_public_suffixes_with_a_dot_are_refused(entry: str):
    [problem] = refusal(allow_origins=[entry]).problems
    assert problem.code in ("origin-malformed", "pattern-malformed", "pattern-public-suffix")
