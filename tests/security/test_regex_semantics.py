"""allow_origin_regex judged by what it lets in: every refusal names a registrable origin it matches.

Each unsafe regex comes with the registrable domains its author meant (written here by hand). A refusal
must name an origin that ``re`` itself fully matches and whose registrable domain -- computed here
with the ``publicsuffixlist`` package directly -- is none of them: the hole is shown to be real.
Safe regexes, including the shapes people write on purpose, are accepted without a word.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from corskit import CORSConfigError, CORSMiddleware
from corskit._regex_lint import lint_origin_regex

LISTED = PublicSuffixList(accept_unknown=False)
HOLE_CODES = {
    "regex-unescaped-dot",
    "regex-suffix-match",
    "regex-prefix-match",
    "regex-public-suffix",
    "regex-wildcard-domain",
}
QUOTED_ORIGIN = re.compile(r"'([a-z][a-z0-9+.-]*://[^'\s]+)'")

# (regex, the registrable domains its author meant to allow)
UNSAFE: list[tuple[str, set[str]]] = [
    (r"https://(.*)example\.com", {"example.com"}),
    (r"https://\w*\.?example\.com", {"example.com"}),
    (r"https://example\.com(:\d+)?.*", {"example.com"}),
    (r"https://([a-z]+\.)?example\.com(.*)", {"example.com"}),
    (r"http?://\w*\.?example\.com:?\d*/?.*", {"example.com"}),  # flask-cors's documentation
    (r"https://api.example.com", {"example.com"}),
    (r"https://.*.example.com", {"example.com"}),
    (r"https://(www|api).example.com", {"example.com"}),
    (r"https://x.example.org", {"example.org"}),
    (r"https://www.example.co.uk", {"example.co.uk"}),
    (r"https://(foo|bar).example.co.uk", {"example.co.uk"}),
    (r"https://.*example\.com", {"example.com"}),
    (r"https://[a-z]*example\.com", {"example.com"}),
    (r"https://.*example\.co\.uk", {"example.co.uk"}),
    (r"https://(?:.*)?example\.com", {"example.com"}),
    (r"https://(\w+)?example\.com", {"example.com"}),
    (r"https://(www\.|.*)example\.com", {"example.com"}),
    (r"^https://.*example\.com$", {"example.com"}),
    (r"https://[\w.-]*example\.com", {"example.com"}),
    (r"https://[^/]*example\.com", {"example.com"}),
    (r"https://[^.]+example\.com", {"example.com"}),
    (r"(?i)https://.*EXAMPLE\.COM", {"example.com"}),
    (r"wss://.*example\.com", {"example.com"}),
    (r"https://example\.com.*", {"example.com"}),
    (r"http://localhost.*", set()),
    (r"https://www\.example\.com.+", {"example.com"}),
    (r"https://example\.com(\..*)?", {"example.com"}),
    (r"https://example\.com(:\d+|\..+)?", {"example.com"}),
    (r"https://(.+\.)?example\.com.*", {"example.com"}),
    (r"https://example\.(com|org).*", {"example.com", "example.org"}),
    (r"https://(app|admin)\.example\.com.*", {"example.com"}),
    (r"https://(?i:EXAMPLE)\.com.*", {"example.com"}),
    (r"https://example\.com(:[0-9]+)?[a-z.]*", {"example.com"}),
    (r"https://example\.com\.?.*", {"example.com"}),
    (r"https://.*\.com", set()),
    (r"https://.*\.co\.uk", set()),
    (r"https://[a-z0-9-]+\.github\.io", set()),
    (r"https://[a-z]+\.co\.il", set()),
    (r"https://.*\.gov\.br", set()),
    (r"https://[a-z0-9-]+\.myshopify\.com", set()),
    (r"https://.*\.vercel\.app", set()),
    (r"https://.*\.herokuapp\.com", set()),
    (r"https://[a-z0-9]+\.s3\.amazonaws\.com", set()),
    (r"https://.*\.amazonaws\.com", {"amazonaws.com"}),
    (r"https://app\.example\.co\.uk|https://.*\.co\.uk", {"example.co.uk"}),
    (r"https://myapp-[a-z0-9]+-team\.vercel\.app", set()),
    (r"https://[a-z]+-example\.com", set()),
    (r"https://example[0-9]\.com", set()),
    (r"https://example\.[a-z]+", set()),
    (r"https://example\.[a-z]{4}", set()),
    (r"https://example\.com\.[a-z]{2}", {"example.com"}),
    (r"https://.*example\.com\.", {"example.com"}),  # a trailing-dot host has the same look-alikes
    (r"https://api.example.com\.?", {"example.com"}),
    (r"https://example\.com(:\d+)?\w*", {"example.com"}),  # letters after '.com' reach other TLDs
    (r"https://www\.example\.de[a-z]*", {"example.de"}),
    # Without a scheme (as flask-cors users write them): the leading wildcard takes 'https://'.
    (r".*example\.com", {"example.com"}),
    (r".*\.example\.com.*", {"example.com"}),
]

SAFE = [
    # The shapes the issue lists as written on purpose.
    r"https://(?:[a-z0-9-]+\.)*example\.com",
    r"https://([a-z]+\.)?example\.com",
    r"https://(app|admin)\.example\.com",
    r"http://localhost(:\d+)?",
    r"https://.*\.example\.org",
    r"https://.*\.example.org",  # Starlette's own test suite (the unescaped dot sits before the TLD)
    "https://.*",  # Starlette's catch-all: allowing everyone is a choice, not a look-alike
    # Other everyday shapes.
    r"https://example\.com",
    r"https://example.com",
    r"https://(www\.)?example\.co\.uk",
    r"https://(.*\.)?example\.com",
    r"https?://(www\.)?example\.com(:\d{2,5})?",
    r"https://[a-z0-9]+\.s3\.example\.com",
    r"https://.*\.internal\.example\.com",
    r"http://127\.0\.0\.1:\d+",
    r"http://\[::1\]:\d+",
    r"https?://(localhost|127\.0\.0\.1)(:\d+)?",
    r"https://(dev|staging|prod)-api\.example\.com",
    r"https://app\d*\.example\.com",
    r"https://pr-\d+\.preview\.example\.com",
    r"https://tenant-[a-z0-9]+\.example\.io",
    r"^https://([a-z0-9-]+\.)?example\.com$",
    r"https://example\.com|https://example\.org",
    r"^https://a\.com|https://b\.com$",
    r"wss://socket\.example\.com",
    r"https://(?:www\.)?example\.com",
    r"https://(?!admin)[a-z]+\.example\.com",
    r"https://[a-z]{2}\.example\.com",
    r"https://example\.com(:8443)?",
    r"https://api\.example\.com(?::\d+)?",
    r"https://[^.]+\.example\.com",
    r"https://[\w-]+\.example\.com(:\d+)?",
    r"https://.+\.example\.com",
    r"https://.*-preview\.example\.com",
    r"https://app-[a-z0-9.-]*\.example\.com",
    r"https://([a-z0-9]+-)*app\.example\.com",
    r"https://example\.(com|org)",
    r"https://example\.com\.?",  # the trailing-dot spelling is the same registrable domain
    r"https://(?:[a-z0-9-]+\.)*example\.com\.",
    r"https://example\.com:\d+.*",  # after a port, an origin can only go on with digits
    r"http://localhost:\d+",
    r".*\.example\.com",
    r"^.*\.example\.com$",
    r"(?i)https://Example\.com",
    # Reserved names: nobody can register under them (local and test setups).
    r"https://[a-z]+\.localhost",
    r"http://.*\.local(:\d+)?",
    r"https://.*\.home\.arpa",
    r"http://.*\.test(:\d+)?",
    r"https://.*example\.test",
    r"https://[a-z]+\.example",
    r"https://.*\.internal",
    # Non-web schemes whose hosts are not domain names.
    r"chrome-extension://[a-p]{32}",
    r"moz-extension://[0-9a-f-]{36}",
    r"capacitor://localhost|ionic://localhost",
    r"(?s).*",
]


def named_origins(message: str) -> list[str]:
    return QUOTED_ORIGIN.findall(message)


def registrable(origin: str) -> str | None:
    host = origin.split("://", 1)[1].rsplit(":", 1)[0] if "]" not in origin else ""
    return LISTED.privatesuffix(host) if host else None


def assert_real_hole(pattern: str, owned: set[str]) -> list[str]:
    problems = [problem for problem in lint_origin_regex(pattern) if problem.code in HOLE_CODES]
    assert problems, f"{pattern!r} lets a registrable look-alike in but was accepted"
    for problem in problems:
        origin = named_origins(problem.message)[0]
        assert re.fullmatch(pattern, origin), (pattern, origin)
        domain = registrable(origin)
        assert domain is not None and domain not in owned, (pattern, origin)
    return [problem.code for problem in problems]


def test_the_corpora_are_large_enough():
    assert len(UNSAFE) >= 40 and len(SAFE) >= 40
    assert len({pattern for pattern, _ in UNSAFE}) == len(UNSAFE) and len(set(SAFE)) == len(SAFE)


@pytest.mark.parametrize(("pattern", "owned"), UNSAFE)
def test_unsafe_regexes_are_refused_naming_an_origin_that_gets_through(pattern: str, owned: set[str]):
    assert_real_hole(pattern, owned)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_regexes_raise_no_false_alarm(pattern: str):
    assert lint_origin_regex(pattern) == []


@pytest.mark.parametrize(
    ("pattern", "code", "origin", "fix"),
    [
        (r"https://(.*)example\.com", "regex-suffix-match", "https://evilexample.com", r"(.*\.)?example\.com"),
        (r"https://\w*\.?example\.com", "regex-suffix-match", "https://evilexample.com", r"(.*\.)?example\.com"),
        (r"https://example\.com(:\d+)?.*", "regex-prefix-match", "https://example.com.evil.net", "(:[0-9]+)?"),
        (r"https://([a-z]+\.)?example\.com(.*)", "regex-prefix-match", "https://example.com.evil.net", "(:[0-9]+)?"),
        (r"https://api.example.com", "regex-unescaped-dot", "https://apixexample.com", r"https://api\.example\.com"),
        (r"https://.*\.co\.il", "regex-public-suffix", "https://evil.co.il", r"yourdomain\.co\.il"),
        (r"https://.*\.amazonaws\.com", "regex-public-suffix", "https://evil.s3.amazonaws.com", "yourdomain"),
    ],
)
def test_the_message_names_the_origin_and_shows_the_fix(pattern: str, code: str, origin: str, fix: str):
    [problem] = [problem for problem in lint_origin_regex(pattern) if problem.code == code]
    assert origin in named_origins(problem.message)
    assert fix in problem.message


def test_flask_cors_documented_regex_is_refused_for_both_holes():
    codes = assert_real_hole(r"http?://\w*\.?example\.com:?\d*/?.*", {"example.com"})
    assert {"regex-suffix-match", "regex-prefix-match"} <= set(codes)


def test_the_middleware_refuses_each_unsafe_regex_at_construction():
    for pattern, _owned in UNSAFE:
        with pytest.raises(CORSConfigError) as raised:
            CORSMiddleware(None, allow_origin_regex=pattern, allow_credentials=True)  # type: ignore[arg-type]
        assert set(raised.value.codes) & HOLE_CODES, pattern


# Generated variants: a random registrable domain put into the safe and the unsafe shapes.
LABELS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
SUFFIXES = st.sampled_from(["com", "org", "net", "io", "de", "co.uk", "com.au", "co.jp", "dev"])
SAFE_SHAPES = [
    "https://(?:[a-z0-9-]+\\.)*{d}",
    "https://([a-z]+\\.)?{d}",
    "https://({a}|{b})\\.{d}",
    "https://.*\\.{d}",
    "http://{d}(:\\d+)?",
    "https?://(www\\.)?{d}(:\\d+)?",
    "https://{a}-[a-z0-9]+\\.{d}",
    "https://{a}\\.{d}|https://{b}\\.{d}",
]
UNSAFE_SHAPES = [
    "https://(.*){d}",
    "https://\\w*\\.?{d}",
    "https://{d}(:\\d+)?.*",
    "https://([a-z]+\\.)?{d}(.*)",
    "https://{a}.{d}",
    "https://[a-z]*{d}",
    "https://({a}|{b})\\.{d}.*",
    "https://[a-z0-9-]+\\.{s}",
]


def escaped(domain: str) -> str:
    return domain.replace(".", "\\.")


@settings(max_examples=150, deadline=None)
@given(label=LABELS, suffix=SUFFIXES, a=LABELS, b=LABELS, shape=st.sampled_from(SAFE_SHAPES))
def test_generated_safe_variants_pass(label: str, suffix: str, a: str, b: str, shape: str):
    domain = f"{label}.{suffix}"
    assume(LISTED.privatesuffix(domain) == domain)
    pattern = shape.format(d=escaped(domain), a=a, b=b, s=escaped(suffix))
    assert lint_origin_regex(pattern) == [], pattern


@settings(max_examples=150, deadline=None)
@given(label=LABELS, suffix=SUFFIXES, a=LABELS, b=LABELS, shape=st.sampled_from(UNSAFE_SHAPES))
def test_generated_unsafe_variants_are_refused_with_a_real_hole(label: str, suffix: str, a: str, b: str, shape: str):
    domain = f"{label}.{suffix}"
    assume(LISTED.privatesuffix(domain) == domain)
    pattern = shape.format(d=escaped(domain), a=a, b=b, s=escaped(suffix))
    assert_real_hole(pattern, {domain})
