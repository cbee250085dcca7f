"""Properties checked against simple reference definitions, over generated inputs."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corskit import CORSMiddleware, compile_policy
from corskit.paths import PathPolicies

from .driver import OkApp

segment = st.sampled_from(["a", "b", "ab", "a.b", "a-b"])
prefix_strategy = st.one_of(
    st.just("/"), st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
)
path_strategy = st.lists(st.sampled_from(["a", "b", "ab", "a.b", "a-b", ""]), max_size=7).map(
    lambda parts: "/" + "/".join(parts)
)


def reference_lookup(prefixes: list[str], path: str) -> str | None:
    """The issue's rule, written plainly: the longest prefix that is the path or ends at a '/' in it."""
    matching = [p for p in prefixes if p == "/" or path == p or path.startswith(p + "/")]
    return max(matching, key=len, default=None)


@settings(max_examples=400, deadline=None)
@given(prefixes=st.lists(prefix_strategy, max_size=8, unique=True), path=path_strategy)
def test_lookup_agrees_with_the_reference(prefixes: list[str], path: str) -> None:
    default = compile_policy()
    by_prefix = {p: compile_policy(allow_origins=[f"https://{i}.example"]) for i, p in enumerate(prefixes)}
    found_prefix, found_policy = PathPolicies(dict(by_prefix)).lookup(path, default)
    expected = reference_lookup(prefixes, path)
    assert found_prefix == expected
    assert found_policy is (default if expected is None else by_prefix[expected])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=600))
def test_logged_request_values_are_printable_ascii_and_bounded(value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corskit")
    caplog.clear()
    app = CORSMiddleware(OkApp(), allow_origins=["https://site.example"], allow_headers=["X-A"])
    latin = value.encode("utf-8").decode("latin-1")
    for headers in (
        {"Origin": latin},
        {"Origin": "https://site.example", "Access-Control-Request-Method": latin},
        {
            "Origin": "https://site.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": latin,
        },
        {"Origin": latin, "Upgrade": "websocket", "Host": latin},
    ):
        method = "OPTIONS" if "Access-Control-Request-Method" in headers else "GET"
        for failure in app.explain(method, "/", headers).failures:
            assert failure.message.isascii() and failure.message.isprintable(), repr(failure.message)
            assert len(failure.message) < 3000  # each value: at most 200 characters, 6 once escaped
