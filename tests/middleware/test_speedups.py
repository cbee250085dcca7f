"""The C extension (corskit._speedups) and its Python twins (corskit._send) behave the same.

CI builds the extension (Debian has a C compiler), so the whole suite runs through the C path; this
module compares the two directly on generated inputs, and scripts/test also runs the middleware's
suites with CORSKIT_PURE_PYTHON=1 so the Python path is covered end to end.
"""

from __future__ import annotations

import asyncio
import copy
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.threads import in_fresh_thread

import corskit
import corskit._middleware as middleware
import corskit._send as python_twin
import corskit._speedups as speedups  # the test machine has a C compiler: a missing extension fails here
from corskit._asgi import VARY_ORIGIN_HEADER

DUPLICATE = b"\x00dup"
NAMES = st.sampled_from(
    [
        b"origin",
        b"Origin",
        b"ORIGIN",
        b"origin ",
        b"host",
        b"access-control-request-method",
        b"access-control-request-headers",
        b"Access-Control-Request-Headers",
        b"access-control-request-private-network",
        b"vary",
        b"Vary",
        b"x-a",
        b"access-control-allow-origin",
        b"Access-Control-Allow-Origin",
        b"access-control-allow-credentials",
        b"content-type",
        b"123",
        b"",
    ]
)
VALUES = st.binary(max_size=12)
PAIRS = st.tuples(NAMES, VALUES)
HEADER_LISTS = st.lists(st.one_of(PAIRS, PAIRS.map(list)), max_size=8)


def test_the_middleware_uses_the_extension_unless_told_not_to() -> None:
    forced = os.environ.get("CORSKIT_PURE_PYTHON", "") in {"1", "true"}  # the values scripts/test and CI use
    expected = python_twin.CORSSend if forced else speedups.CORSSend
    assert middleware.CORSSend is expected
    assert corskit.speedups_in_use() is not forced


@settings(max_examples=400, deadline=None)
@given(headers=HEADER_LISTS, as_tuple=st.booleans())
def test_find_origin_agrees(headers: list[Any], as_tuple: bool) -> None:
    given_headers = tuple(headers) if as_tuple else headers
    expected = python_twin.find_origin(given_headers, DUPLICATE)
    got = speedups.find_origin(given_headers, DUPLICATE)
    assert got == expected
    origins = [value for name, value in headers if name == b"origin"]
    assert got == (None if not origins else origins[0] if len(origins) == 1 else DUPLICATE)


@settings(max_examples=400, deadline=None)
@given(headers=HEADER_LISTS, as_tuple=st.booleans())
def test_read_headers_agrees(headers: list[Any], as_tuple: bool) -> None:
    given_headers = tuple(headers) if as_tuple else headers
    got = speedups.read_headers(given_headers, DUPLICATE)
    assert got == python_twin.read_headers(given_headers, DUPLICATE)

    def values(name: bytes) -> list[bytes]:
        return [value for key, value in headers if key == name]

    origins, methods, lines, hosts = (
        values(b"origin"),
        values(b"access-control-request-method"),
        values(b"access-control-request-headers"),
        values(b"host"),
    )
    assert got == (
        None if not origins else origins[0] if len(origins) == 1 else DUPLICATE,
        methods[0] if methods else None,
        b", ".join(lines) if lines else None,
        bool(values(b"access-control-request-private-network")),
        hosts[0] if hosts else None,
    )


def test_read_headers_joins_the_lines_of_a_split_list() -> None:
    headers = [
        (b"access-control-request-headers", b"authorization"),
        (b"origin", b"https://a.com"),
        (b"access-control-request-headers", b"x-custom"),
    ]
    for read in (speedups.read_headers, python_twin.read_headers):
        assert read(headers, DUPLICATE)[2] == b"authorization, x-custom"
        with pytest.raises(ValueError):
            read([(b"host",)], DUPLICATE)


def test_find_origin_accepts_any_iterable_and_rejects_malformed_pairs() -> None:
    assert speedups.find_origin(iter([(b"origin", b"https://a.com")]), DUPLICATE) == b"https://a.com"
    with pytest.raises(ValueError):
        speedups.find_origin([(b"origin",)], DUPLICATE)
    with pytest.raises(ValueError):
        python_twin.find_origin([(b"origin",)], DUPLICATE)


EXTRA = st.lists(
    st.sampled_from(
        [
            (b"access-control-allow-origin", b"https://a.com"),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", b"X-A"),
        ]
    ),
    max_size=3,
    unique=True,
).map(tuple)


def run_send(factory: Any, message: dict[str, Any], extra: tuple[Any, ...], replace: frozenset[bytes]) -> Any:
    sent: list[Any] = []

    async def send(msg: Any) -> None:
        sent.append(msg)

    wrapper = factory(send, extra, replace)
    before = wrapper.started
    in_fresh_thread(asyncio.run, wrapper(message))
    return before, wrapper.started, sent


@settings(max_examples=400, deadline=None)
@given(app_headers=st.lists(st.tuples(NAMES, VALUES), max_size=6), extra=EXTRA, start=st.booleans())
def test_cors_send_agrees(app_headers: list[tuple[bytes, bytes]], extra: tuple[Any, ...], start: bool) -> None:
    replace = frozenset({b"vary", *(name for name, _ in extra)})
    message = {"type": "http.response.start" if start else "http.response.body", "status": 200, "headers": app_headers}
    snapshot = copy.deepcopy(message)
    c_result = run_send(speedups.CORSSend, message, extra, replace)
    assert message == snapshot  # the app's message and header list are never edited
    py_result = run_send(python_twin.CORSSend, message, extra, replace)
    assert c_result == py_result
    before, after, sent = c_result
    assert (before, after) == (False, start)
    if not start:
        assert sent[0] is message
    else:
        out = sent[0]["headers"]
        assert out is not app_headers
        vary = [value for name, value in out if name.lower() == b"vary"]
        tokens = {token.strip().lower() for token in vary[0].split(b",")} if len(vary) == 1 else set()
        assert b"origin" in tokens or b"*" in tokens, vary
        for pair in extra:
            assert out.count(pair) == 1


def test_cors_send_copies_a_non_dict_message() -> None:
    from collections import UserDict

    message = UserDict({"type": "http.response.start", "status": 204, "headers": [(b"x-a", b"1")]})
    for factory in (speedups.CORSSend, python_twin.CORSSend):
        _, started, sent = run_send(factory, message, (), frozenset({b"vary"}))  # type: ignore[arg-type]
        assert started and sent[0]["headers"] == [(b"x-a", b"1"), (b"vary", b"Origin")]
        assert message["headers"] == [(b"x-a", b"1")]


@pytest.mark.parametrize("name", [b"123", b"", b"1-2"])
def test_a_name_without_letters_gives_the_same_headers_on_both_paths(name: bytes) -> None:
    # bytes.islower() is False for a name without letters, so the Python twin merges carefully where
    # the C version appends; the headers sent must not depend on that.
    message = {"type": "http.response.start", "status": 200, "headers": [(name, b"v")]}
    extra = ((b"access-control-allow-origin", b"https://a.com"),)
    replace = frozenset({b"vary", b"access-control-allow-origin"})
    assert not name.islower()
    expected = [(name, b"v"), *extra, (b"vary", b"Origin")]
    for factory in (speedups.CORSSend, python_twin.CORSSend):
        _, _, sent = run_send(factory, message, extra, replace)
        assert sent[0]["headers"] == expected


def test_both_paths_send_the_one_vary_origin_header_and_merge_the_same_way() -> None:
    plain = {"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]}
    app_vary = {"type": "http.response.start", "status": 200, "headers": [(b"Vary", b"Accept")]}
    for factory in (speedups.CORSSend, python_twin.CORSSend):
        _, _, sent = run_send(factory, plain, (), frozenset({b"vary"}))
        assert sent[0]["headers"][-1] is VARY_ORIGIN_HEADER
        _, _, sent = run_send(factory, app_vary, (), frozenset({b"vary"}))
        assert sent[0]["headers"] == [(b"vary", b"Accept, Origin")]


@pytest.mark.parametrize(
    ("value", "pure"),
    [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
     ("0", False), ("false", False), ("no", False), ("off", False), ("", False)],
)
def test_only_an_explicit_true_value_forces_the_python_path(value: str, pure: bool) -> None:
    # A fresh interpreter: the choice is made once, when corskit is imported.
    code = (
        "import corskit, corskit._hot as m, corskit._send as t; "
        "print(corskit.speedups_in_use(), m.CORSSend is t.CORSSend)"
    )
    env = {**os.environ, "CORSKIT_PURE_PYTHON": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(not pure), str(pure)]
