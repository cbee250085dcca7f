"""Differential fuzzing: corskit's matchers against slow reference implementations written here.

- configured origin/pattern parsing (``parse_origin``) against a hand-written validator;
- request Origin splitting (``split_serialized_origin``) against ``_reference.parse_serialized``;
- pattern matching (``OriginPatterns``) and the whole decision (``Policy.origin_allowed``);
- Access-Control-Request-Headers acceptance (``Policy.request_headers_allowed``).
(The path-prefix lookup is fuzzed in test_hostile_features.py.)
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corskit import compile_policy
from corskit._errors import Problem
from corskit._origins import OriginPatterns, OriginSpec, parse_origin, split_serialized_origin
from security import _reference as ref
from security import _strategies as strat

MANY = settings(max_examples=800, deadline=None)
SOME = settings(max_examples=500, deadline=None)

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + "0123456789"
# Suffixes corskit documents as public (a sample), and ones that are not.
KNOWN_PUBLIC = {"co.uk", "github.io", "vercel.app", "com.au"}


def valid_label(label: str) -> bool:
    """A host label as corskit accepts it in a configuration: letters, digits, underscores (browsers send
    them, e.g. 'my_app.example.com'), and hyphens inside."""
    if label == "" or label[0] == "-" or label[-1] == "-":
        return False
    return all(char in ALNUM + "-_" for char in label)


def reference_entry(entry: str) -> tuple[str, str, int | None, str | None, bool] | None:
    """(scheme, host, port, host_suffix, any_port) for a valid configured origin or pattern, else None."""
    if "://" not in entry:
        return None
    scheme, rest = entry.split("://", 1)
    if not scheme or scheme[0] not in LOWER or any(c not in ALNUM + "+-." for c in scheme):
        return None
    if rest.startswith("["):
        if "]" not in rest:
            return None
        host, after = rest[: rest.index("]") + 1], rest[rest.index("]") + 1 :]
        if host == "[]" or any(c not in "0123456789abcdef:." for c in host[1:-1]):
            return None
    else:
        host, after = (rest.split(":", 1)[0], ":" + rest.split(":", 1)[1]) if ":" in rest else (rest, "")
    port: int | None = None
    any_port = False
    if after:
        text = after[1:]
        if after[0] != ":" or text == "":
            return None
        if text == "*":
            any_port = True
        else:
            if not text.isascii() or not text.isdigit() or text[0] == "0" or len(text) > 5:
                return None
            port = int(text)
            if port > 65535 or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme) == port:
                return None
    suffix = None
    if host.startswith("["):
        pass
    elif host.startswith("*."):
        rest_labels = host[2:].split(".")
        if not all(valid_label(label) for label in rest_labels):
            return None
        suffix_text = ".".join(rest_labels)
        if (len(rest_labels) == 1 and suffix_text != "localhost") or suffix_text in KNOWN_PUBLIC:
            return None
        suffix = "." + suffix_text
    elif not all(valid_label(label) for label in host.split(".")):
        return None
    return scheme, host, port, suffix, any_port


def mostly(common: list[str], rare: list[str]) -> st.SearchStrategy[str]:
    """Usually one of ``common``, sometimes one of ``rare``: keeps about half the entries valid."""
    return st.one_of(st.sampled_from(common), st.sampled_from(common), st.sampled_from(common), st.sampled_from(rare))


ENTRY_PARTS = st.tuples(
    mostly(["https", "http", "ws", "h2", "a+b"], ["HTTPS", "1x", "", "chrome-extension", "-x"]),
    mostly(["://"], [":/", "//", ":///"]),
    mostly(["", "*."], ["user@", "*.*.", "*", "x*.", "a*b."]),
    mostly(
        [
            "example.com",
            "a.example.com",
            "example.co.uk",
            "x.github.io",
            "localhost",
            "a-b.example",
            "a_b.example",
            "1.2.3.4",
            "xn--bcher-kva.de",
            "[::1]",
            "[::ffff:1.2.3.4]",
        ],
        [
            "co.uk",
            "github.io",
            "com",
            "Example.com",
            "-a.example",
            "a-.example",
            "a..b",
            "[::FFFF:1]",
            "[]",
            "[::1",
            "bücher.de",
            "",
            "a.example.com.",
        ],
    ),
    mostly(["", ":8080", ":*", ":65535", ":3000"], [":80", ":443", ":0", ":00080", ":65536", ":", ":8080:1", ":²"]),
    mostly([""], ["/", "/x", "?q", "#f", " "]),
)


@MANY
@given(parts=ENTRY_PARTS, noise=st.text(max_size=3), where=st.integers(0, 30))
def test_parse_origin_matches_reference(parts: tuple[str, ...], noise: str, where: int):
    entry = "".join(parts)
    if where % 4 == 0:  # sometimes a little noise anywhere
        position = where % (len(entry) + 1)
        entry = entry[:position] + noise + entry[position:]
    parsed = parse_origin(entry)
    expected = reference_entry(entry)
    if expected is None:
        assert isinstance(parsed, Problem), f"{entry!r} should be refused, got {parsed!r}"
        assert parsed.code and parsed.parameter == "allow_origins"
        return
    assert isinstance(parsed, OriginSpec), f"{entry!r} should be accepted, got {parsed}"
    assert (parsed.scheme, parsed.host, parsed.port, parsed.host_suffix, parsed.any_port) == expected


REQUEST_TEXT = st.one_of(
    strat.origins().map(lambda b: b.decode("latin-1")),
    st.text(alphabet="htps:/[]0123456789abcdef.-_xyzAZ@", max_size=30),
    st.builds(lambda n: "https://" + "a" * n + ".example.org", st.integers(270, 300)),
)


@MANY
@given(origin=REQUEST_TEXT)
def test_split_serialized_origin_matches_reference(origin: str):
    expected = ref.parse_serialized(origin) if len(origin) <= ref.ORIGIN_CAP else None
    assert split_serialized_origin(origin) == expected


PATTERNS = st.lists(
    st.sampled_from([*strat.PATTERN_POOL, "ws://*.example.com", "https://*.b.example.com:*"]), max_size=5
)


@MANY
@given(patterns=PATTERNS, origin=REQUEST_TEXT)
def test_origin_patterns_match_reference(patterns: list[str], origin: str):
    parts = ref.parse_serialized(origin)
    if parts is None:
        return
    specs = [parse_origin(p) for p in patterns]
    assert all(isinstance(spec, OriginSpec) for spec in specs)
    matcher = OriginPatterns(specs)  # type: ignore[arg-type]
    expected = any(ref._pattern_allows(p, *parts) for p in patterns)
    assert matcher.matches(*parts) is expected, (patterns, origin)


@MANY
@given(config=strat.configs(), origin=strat.origins())
def test_policy_allows_origin_matches_reference(config: dict[str, Any], origin: bytes):
    policy = compile_policy(**config)
    assert policy.allows_origin(origin) is ref.origin_allowed(config, origin)


HEADER_CONFIGS = st.one_of(
    st.just(["*"]),
    st.lists(st.sampled_from([*strat.HEADER_POOL, "X-Custom-Header", "x-token"]), max_size=4),
)


@MANY
@given(allow_headers=HEADER_CONFIGS, requested=strat.header_lists())
def test_request_headers_allowed_matches_reference(allow_headers: list[str], requested: bytes):
    policy = compile_policy(allow_headers=allow_headers)
    assert policy.request_headers_allowed(requested) is ref.headers_allowed({"allow_headers": allow_headers}, requested)


@SOME
@given(names=st.lists(st.text("abcXYZ-_!#", min_size=1, max_size=8), min_size=1, max_size=2000))
def test_long_header_lists_match_reference_up_to_the_cap(names: list[str]):
    requested = ",".join(names).encode()
    policy = compile_policy(allow_headers=["*"])
    assert policy.request_headers_allowed(requested) is (len(requested) <= ref.REQUEST_HEADERS_CAP)
    policy = compile_policy(allow_headers=["abc", "X-Y"])
    assert policy.request_headers_allowed(requested) is ref.headers_allowed(
        {"allow_headers": ["abc", "X-Y"]}, requested
    )
