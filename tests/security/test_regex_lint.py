"""allow_origin_regex hygiene: the classic mistakes are reported with a stable code, good regexes pass.

Every "bad" case comes with an attacker's origin that the regex really accepts (checked with ``re``, not
with corskit), so each reported problem is shown to be a real hole or a real dead pattern.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corskit._errors import Problem
from corskit._regex_lint import lint_origin_regex

CODES = {
    "regex-unescaped-dot",
    "regex-suffix-match",
    "regex-prefix-match",
    "regex-public-suffix",
    "regex-glob-wildcard",
    "regex-nested-quantifier",
    "regex-never-matches",
}

# (regex, expected code, an origin the author did not mean to allow but the regex accepts)
HOLES = [
    (r"https://api.example.com", "regex-unescaped-dot", "https://apixexample.com"),
    (r"https://.*.example.com", "regex-unescaped-dot", "https://evilexample.com"),
    (r"https://(www|api).example.com", "regex-unescaped-dot", "https://wwwxexample.com"),
    (r"https://x.example.org", "regex-unescaped-dot", "https://x-example.org"),
    (r"https://.*example\.com", "regex-suffix-match", "https://evilexample.com"),
    (r"https://[a-z]*example\.com", "regex-suffix-match", "https://evilexample.com"),
    (r"https://.*example\.co\.uk", "regex-suffix-match", "https://evilexample.co.uk"),
    (r"https://example\.com.*", "regex-prefix-match", "https://example.com.evil.net"),
    (r"http://localhost.*", "regex-prefix-match", "http://localhost.evil.net"),
    (r"https://www\.example\.com.+", "regex-prefix-match", "https://www.example.com.evil.net"),
    (r"https://.*\.com", "regex-public-suffix", "https://evil.com"),
    (r"https://.*\.co\.uk", "regex-public-suffix", "https://evil.co.uk"),
    (r"https://[a-z0-9-]+\.github\.io", "regex-public-suffix", "https://attacker.github.io"),
    (r"https://*.example.com", "regex-glob-wildcard", "https://xexample.com"),
]
DEAD = [
    (r"https://example\.com|example\.org", "regex-never-matches"),  # second branch has no scheme
    (r"https://example\.com/", "regex-never-matches"),  # trailing slash
    (r"https://Example\.com", "regex-never-matches"),  # browsers send lower case
    (r"https://example\.com:443", "regex-never-matches"),  # default port is never sent
    (r"example\.com", "regex-never-matches"),
]
SLOW = [r"https://([a-z]+)+\.example\.com", r"^https://(\w+\.?)+\.example\.com$", r"https://(a*)*b\.com"]

# Correct (or harmlessly sloppy) regexes that must keep working. The first two are from Starlette
# 1.10's own test suite (one with credentials), which must keep passing with corskit.
GOOD = [
    r"https://.*\.example.org",
    "https://.*",
    r"https://[a-z0-9-]+\.regex\.test",
    r"http://localhost(:[0-9]{1,5})?",
    r"https://(www\.)?example\.com",
    r"^https://([a-z0-9-]+\.)*example\.com$",
    r"https://example\.(com|org)",
    r"https?://(localhost|127\.0\.0\.1)(:\d+)?",
    r"chrome-extension://[a-p]{32}",
    r"https://(?:[a-z0-9-]+\.)?example\.co\.uk",
    r"capacitor://localhost",
    r"https://app\.example\.com|https://admin\.example\.com",
    r"^https://a\.com|https://b\.com$",
    r"https://app-[a-z0-9.-]*\.example\.com",
    r"http://.*\.localhost",
    r"https://.*-preview\.example\.com",
    r"(?i)https://Example\.com",
    r"https://.+\.example\.org",
    r"https://([a-z0-9]+-)*app\.example\.com",
    r"https://[\w-]+\.example\.com(:\d+)?",
    r"https?://(.*\.)?example\.org(:\d+)?",
    r"https://example.com",  # unescaped dot before the TLD only: 'examplexcom' is no registrable name
    r"https://(?>[a-z]+)+\.example\.com",  # atomic: no backtracking
    # Wildcards under reserved names nobody can register (test and local setups).
    r"https://[a-z]+\.example",
    r"http://.*\.test(:\d+)?",
    r"https://.*\.internal",
    r"http://[a-z0-9-]+\.localhost:\d+",
    r"https://.*example\.test",
    # A catch-all (accepted: Starlette's suite configures 'https://.*' with credentials).
    r"(?s).*",
]


def codes(pattern: str) -> list[str]:
    return [problem.code for problem in lint_origin_regex(pattern)]


@pytest.mark.parametrize(("pattern", "code", "attack"), HOLES)
def test_regex_holes_are_refused_with_a_code(pattern: str, code: str, attack: str):
    assert re.fullmatch(pattern, attack), "the attack must really get through the regex"
    assert code in codes(pattern)


@pytest.mark.parametrize(("pattern", "code"), DEAD)
def test_regex_alternatives_that_never_match_an_origin_are_refused(pattern: str, code: str):
    assert code in codes(pattern)


def test_unanchored_looking_alternation_is_safe_because_of_fullmatch():
    # With re.search this would accept 'https://a.com.evil.net' and 'https://evil.net?https://b.com';
    # corskit always full-matches, so nothing is reported and nothing leaks (see the request tests).
    pattern = r"^https://a\.com|https://b\.com$"
    assert codes(pattern) == []
    assert re.search(pattern, "https://a.com.evil.net")
    assert not re.fullmatch(pattern, "https://a.com.evil.net")


@pytest.mark.parametrize("pattern", SLOW)
def test_nested_quantifiers_are_refused(pattern: str):
    assert "regex-nested-quantifier" in codes(pattern)


@pytest.mark.parametrize("pattern", GOOD)
def test_good_regexes_pass(pattern: str):
    assert codes(pattern) == []


def test_starlette_suite_regexes_pass():
    assert lint_origin_regex(r"https://.*\.example.org") == []
    assert lint_origin_regex("https://.*") == []


def test_problems_name_the_parameter_and_say_what_to_write():
    (problem,) = lint_origin_regex(r"https://.*example\.com")
    assert isinstance(problem, Problem)
    assert problem.parameter == "allow_origin_regex"
    assert "evilexample.com" in problem.message and "(.*\\.)?example\\.com" in problem.message
    (problem,) = lint_origin_regex(r"https://api.example.com", parameter="path_policies['/x'].allow_origin_regex")
    assert problem.parameter == "path_policies['/x'].allow_origin_regex"
    assert "'\\.'" in problem.message


def test_invalid_regex_is_left_to_the_compile_check():
    assert lint_origin_regex("https://(") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text("https:/.*+?()[]|\\^$a-z0-9{},", max_size=40))
def test_lint_never_raises_and_only_uses_documented_codes(pattern: str):
    problems = lint_origin_regex(pattern)
    assert all(problem.code in CODES for problem in problems)
    assert len(problems) == len(set(problems))


def test_lint_cost_is_linear_in_pattern_size():
    import sys

    def calls(pattern: str) -> int:
        count = 0

        def profile(frame: object, event: str, arg: object) -> None:
            nonlocal count
            count += event in ("call", "c_call")

        sys.setprofile(profile)
        try:
            problems = lint_origin_regex(pattern)
        finally:
            sys.setprofile(None)
        assert problems and all(p.code == "regex-unescaped-dot" for p in problems)
        return count

    small = calls("https://" + "a." * 300 + "example.com")
    large = calls("https://" + "a." * 3000 + "example.com")
    assert large < 10 * small * 1.5, (small, large)  # 10x the pattern; quadratic would be ~100x


def test_the_middleware_refuses_a_linted_regex_at_construction() -> None:
    from corskit import CORSConfigError, CORSMiddleware

    # A suffix match: 'https://attacker-example.com' would pass it.
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(None, allow_origin_regex=r"https://.*example\.com", allow_origins=["null"])  # type: ignore[arg-type]
    assert raised.value.codes == ["origin-null", "regex-suffix-match"]
    # Per-path problems name their prefix.
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(None, path_policies={"/x": {"allow_origin_regex": r"https://.*example\.com"}})  # type: ignore[arg-type]
    assert [p.parameter for p in raised.value.problems] == ["path_policies['/x'].allow_origin_regex"]
    # Starlette's own test regexes stay accepted.
    CORSMiddleware(None, allow_origin_regex=r"https://.*\.example.org")  # type: ignore[arg-type]
    CORSMiddleware(None, allow_origin_regex="https://.*", allow_credentials=True)  # type: ignore[arg-type]
