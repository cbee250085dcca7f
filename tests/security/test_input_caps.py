"""How much of a hostile request is examined: hard caps, linear cost, and what user code gets to see.

Costs are measured deterministically, by counting the Python and C function calls the middleware makes
for one request (``sys.setprofile``), and only as a cross-check by comparing the time for a 1 KiB and a
64 KiB input (a ratio, never an absolute time).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from support.asgi import Endpoint, call, http_scope, websocket_scope

from corskit import CORSMiddleware
from corskit._limits import MAX_ORIGIN_LENGTH

KIB = 1024
USER_REGEX = r"https://[a-z0-9.-]+\.example\.org"
# The longest Origin a browser can send: scheme, "://", a 253-character DNS name, ":" and a port.
LONGEST_REAL_ORIGIN = len("chrome-extension://") + 253 + len(":65535")


class SpyPattern:
    """Stands in for the compiled allow_origin_regex and records every string it is run on."""

    def __init__(self, compiled: re.Pattern[str]) -> None:
        self.compiled = compiled
        self.inputs: list[str] = []

    def _record(self, method: str) -> Callable[..., Any]:
        def call(string: str, *args: Any) -> Any:
            self.inputs.append(string)
            return getattr(self.compiled, method)(string, *args)

        return call

    def __getattr__(self, name: str) -> Any:
        if name in ("fullmatch", "match", "search", "findall", "finditer", "sub", "split"):
            return self._record(name)
        return getattr(self.compiled, name)


@contextmanager
def spying_regex(pattern: str) -> Iterator[list[SpyPattern]]:
    """While active, compiling ``pattern`` (and only it) yields a SpyPattern."""
    real_compile = re.compile
    spies: list[SpyPattern] = []

    def compile_(source: Any, flags: int = 0) -> Any:
        compiled = real_compile(source, flags)
        if source == pattern:
            spies.append(SpyPattern(compiled))
            return spies[-1]
        return compiled

    re.compile = compile_  # type: ignore[assignment]
    try:
        yield spies
    finally:
        re.compile = real_compile


HOSTILE_ORIGINS = [
    b"https://" + b"a." * (32 * KIB) + b"example.org",
    b"https://" + b"a" * (64 * KIB) + b".example.org",
    b"https://x.example.org" + b"\x00" * KIB,
    b"https://x.example.org\r\n",
    b"HTTPS://X.EXAMPLE.ORG",
    b"https://x.example.org.",
    b"https://user@x.example.org",
    b"https://x.example.org/path",
    b"null",
    b"",
    b"\xff" * (64 * KIB),
    b"https://" + b"a" * 290 + b".example.org",
]


def test_allow_origin_regex_never_sees_more_than_a_browser_origin():
    seen: list[str] = []
    with spying_regex(USER_REGEX) as spies:
        middleware = CORSMiddleware(
            Endpoint(),
            allow_origin_regex=USER_REGEX,
            allow_origin_func=lambda origin: seen.append(origin) or False,
        )
    assert len(spies) == 1, "the spy must be the middleware's regex"
    spy = spies[0]
    for origin in [*HOSTILE_ORIGINS, b"https://ok.example.org"]:
        for method, extra in (("GET", []), ("OPTIONS", [(b"access-control-request-method", b"GET")])):
            call(middleware, http_scope(method, "/", [(b"origin", origin), *extra]))
        call(middleware, websocket_scope([(b"origin", origin), (b"host", b"api.test")]))
    assert "https://ok.example.org" in spy.inputs, "the spy was never consulted"
    for text in spy.inputs + seen:
        assert len(text) <= MAX_ORIGIN_LENGTH
        assert re.fullmatch(r"[a-z][a-z0-9+.-]*://[a-z0-9._\[\]:-]+", text), text
    # And the documented cap is at least as long as a real origin can be.
    assert MAX_ORIGIN_LENGTH >= LONGEST_REAL_ORIGIN


def test_longest_real_origin_still_matches_and_longer_is_refused():
    labels = ["a" * 63, "b" * 63, "c" * 63, "d" * 49, "example", "org"]
    host = ".".join(labels)
    assert len(host) == 253  # the longest DNS name
    inside = f"https://{host}:65535".encode()
    middleware = CORSMiddleware(Endpoint(), allow_origins=["https://*.example.org:*"])
    response = call(middleware, http_scope("GET", "/", [(b"origin", inside)]))
    assert response.one(b"access-control-allow-origin") == inside
    # Past the documented cap a pattern is not even consulted, though it would match the shape.
    beyond = b"https://" + b"e" * (MAX_ORIGIN_LENGTH - len("https://.example.org") + 1) + b".example.org"
    assert len(beyond) == MAX_ORIGIN_LENGTH + 1
    response = call(middleware, http_scope("GET", "/", [(b"origin", beyond)]))
    assert response.one(b"access-control-allow-origin") is None


def count_calls(middleware: Any, scope: dict[str, Any]) -> int:
    """Function calls (Python and C) made while the middleware handles one request."""
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        call(middleware, scope)
    finally:
        sys.setprofile(None)
    return calls


CONFIG: dict[str, Any] = {
    "allow_origins": ["https://app.example.com", "https://*.example.org"],
    "allow_origin_regex": USER_REGEX,
    "allow_headers": ["*"],
    "allow_methods": ["GET", "POST"],
    "allow_credentials": True,
    "allow_private_network": True,
}


def scopes(size: int) -> dict[str, Callable[[], dict[str, Any]]]:
    """One request per input, where that input is ``size`` bytes long."""
    allowed = [(b"origin", b"https://app.example.com")]
    preflight = [*allowed, (b"access-control-request-method", b"GET")]
    return {
        "origin": lambda: http_scope("GET", "/", [(b"origin", b"https://" + b"a." * (size // 2) + b"example.org")]),
        "preflight-origin": lambda: http_scope(
            "OPTIONS", "/", [(b"origin", b"x" * size), (b"access-control-request-method", b"GET")]
        ),
        "request-method": lambda: http_scope(
            "OPTIONS", "/", [*allowed, (b"access-control-request-method", b"G" * size)]
        ),
        "request-headers": lambda: http_scope(
            "OPTIONS", "/", [*preflight, (b"access-control-request-headers", b"x," * (size // 2) + b"y")]
        ),
        "private-network": lambda: http_scope(
            "OPTIONS", "/", [*preflight, (b"access-control-request-private-network", b"t" * size)]
        ),
        "websocket-host": lambda: websocket_scope([(b"origin", b"https://evil.test"), (b"host", b"h" * size)]),
        "websocket-origin": lambda: websocket_scope([(b"origin", b"https://" + b"e" * size), (b"host", b"api.test")]),
        "many-headers": lambda: http_scope("GET", "/", [*allowed, *[(b"x-junk", b"1")] * (size // 8)]),
        "many-origins": lambda: http_scope("GET", "/", [(b"origin", b"https://app.example.com")] * (size // 24)),
        "path": lambda: http_scope("GET", "/a" * (size // 2), allowed),
    }


def vary_app(size: int) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        vary = b",".join([b"h"] * (size // 2))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"vary", vary)]})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug-logging"])
@pytest.mark.parametrize("name", list(scopes(1)))
def test_cost_is_capped_or_linear_in_input_size(name: str, debug: bool, caplog: pytest.LogCaptureFixture):
    # With DEBUG on, every refusal is explained and logged: that work must be capped too.
    caplog.set_level(logging.DEBUG if debug else logging.WARNING, logger="corskit")
    middleware = CORSMiddleware(Endpoint(), **{**CONFIG, "allow_headers": ["x", "y"] if debug else ["*"]})
    counts = {size: count_calls(middleware, scopes(size)[name]()) for size in (KIB, 8 * KIB, 64 * KIB)}
    # Linear at worst: 64 times the input may cost at most ~64 times the calls (plus a constant).
    assert counts[64 * KIB] <= 64 * counts[KIB] + 50, counts
    assert counts[8 * KIB] <= 8 * counts[KIB] + 50, counts
    if name in ("origin", "preflight-origin", "request-method", "request-headers", "private-network", "path"):
        # Capped: past the documented limits, a longer value costs nothing more.
        assert counts[64 * KIB] <= counts[8 * KIB] + 10, counts


def test_app_vary_merging_is_linear():
    counts = {}
    for size in (KIB, 8 * KIB, 64 * KIB):
        middleware = CORSMiddleware(vary_app(size), **CONFIG)
        counts[size] = count_calls(middleware, http_scope("GET", "/", [(b"origin", b"https://app.example.com")]))
    assert counts[64 * KIB] <= 64 * counts[KIB] + 50, counts


def best_time(middleware: Any, scope: dict[str, Any], repeat: int = 15) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call(middleware, scope)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("name", ["origin", "preflight-origin", "request-headers", "websocket-host", "path"])
def test_time_for_64_kib_is_not_quadratic(name: str):
    middleware = CORSMiddleware(Endpoint(), **CONFIG)
    small = best_time(middleware, scopes(KIB)[name]())
    large = best_time(middleware, scopes(64 * KIB)[name]())
    # Linear would be up to 64x, quadratic 4096x; the bound is generous for noisy machines.
    assert large < 256 * small, (small, large)


def test_listed_request_headers_cost_is_linear_then_capped():
    middleware = CORSMiddleware(Endpoint(), **{**CONFIG, "allow_headers": ["x", "y"]})
    counts = {size: count_calls(middleware, scopes(size)["request-headers"]()) for size in (KIB, 4 * KIB, 64 * KIB)}
    assert counts[KIB] > 100, "each listed name is looked at"  # ~512 names
    assert counts[4 * KIB] <= 4 * counts[KIB] + 50, counts
    assert counts[64 * KIB] < counts[KIB], counts  # over the cap: refused unread
