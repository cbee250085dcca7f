"""What every part of the benchmarks shares: the configuration both middlewares get, the requests a browser
sends, the trivial app behind them, driving a request without an event loop, interleaved timing, and the
Markdown tables. The method is described in run.py's docstring.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

ORIGINS = [
    "https://app.example.com",
    "https://admin.example.com",
    "https://www.example.org",
    "http://localhost:3000",
]
ALLOWED = "https://www.example.org"
REFUSED = "https://evil.example.net"
CONFIG: dict[str, Any] = {
    "allow_credentials": True,
    "allow_methods": ["*"],
    "allow_headers": ["*"],
    "expose_headers": ["X-Request-Id"],
    "max_age": 600,
}

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


def browser_headers(origin: str | None, *, preflight: bool = False) -> list[tuple[bytes, bytes]]:
    """The headers (in Chromium's order) of a fetch() from ``origin`` to api.example.com."""
    headers = [(b"host", b"api.example.com"), (b"user-agent", USER_AGENT.encode())]
    if preflight:
        headers += [
            (b"accept", b"*/*"),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"content-type,x-requested-with"),
        ]
    else:
        headers.append((b"accept", b"application/json, text/plain, */*"))
    if origin is not None:
        headers += [
            (b"origin", origin.encode()),
            (b"sec-fetch-mode", b"cors"),
            (b"sec-fetch-site", b"cross-site"),
            (b"referer", origin.encode() + b"/"),
        ]
    else:
        headers += [(b"sec-fetch-mode", b"navigate"), (b"sec-fetch-site", b"none")]
    headers += [(b"accept-encoding", b"gzip, deflate, br, zstd"), (b"accept-language", b"en-US,en;q=0.9")]
    return headers


def make_scope(origin: str | None, *, preflight: bool = False, path: str = "/items") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 54321),
        "scheme": "http",
        "method": "OPTIONS" if preflight else "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": browser_headers(origin, preflight=preflight),
        "state": {},
    }


# The four request paths of the comparison: (label, origin, preflight, what a correct answer looks like).
PATHS = [
    ("no Origin header", None, False, "no-cors"),
    ("allowed simple request", ALLOWED, False, "allowed"),
    ("refused simple request", REFUSED, False, "refused"),
    ("preflight (allowed)", ALLOWED, True, "preflight-ok"),
]


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A trivial endpoint, as a framework would answer it: a fresh header list per response."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


async def noop_receive() -> dict[str, Any]:  # never awaited on these paths
    return {"type": "http.request", "body": b"", "more_body": False}


async def noop_send(message: dict[str, Any]) -> None:
    return None


App = Callable[..., Any]


def run_once_noop(app: App, scope: dict[str, Any]) -> None:
    coro = app(scope, noop_receive, noop_send)
    try:
        coro.send(None)
    except StopIteration:
        return
    raise RuntimeError("the request suspended")


def run_once(app: App, scope: dict[str, Any]) -> list[dict[str, Any]]:
    """One request, driven without an event loop; returns the messages sent."""
    sent: list[dict[str, Any]] = []

    async def record(message: dict[str, Any]) -> None:
        sent.append(message)

    coro = app(scope, noop_receive, record)
    try:
        coro.send(None)
    except StopIteration:
        return sent
    coro.close()
    raise RuntimeError("the request suspended: it cannot be driven without an event loop")


def check_answer(name: str, app: App, scope: dict[str, Any], expect: str) -> None:
    """Make sure a contender answers the way the row claims (so configs really are equivalent)."""
    sent = run_once(app, scope)
    start = sent[0]
    headers = {k.lower(): v for k, v in start["headers"]}
    acao = headers.get(b"access-control-allow-origin")
    origin = dict(scope["headers"]).get(b"origin")
    ok = {
        "bare": start["status"] == 200,
        "no-cors": start["status"] == 200 and acao is None,
        "allowed": start["status"] == 200 and acao == origin and headers.get(b"access-control-allow-credentials"),
        "refused": start["status"] == 200 and acao is None,
        "preflight-ok": start["status"] == 200 and acao == origin and b"access-control-allow-methods" in headers,
    }[expect]
    if not ok:
        raise AssertionError(f"{name}: unexpected answer for a {expect!r} request: {start}")


# CPU time of this process, not wall time: on a shared machine, time spent descheduled while another
# process runs is not ours to count. (Linux reads it with clock_gettime(CLOCK_PROCESS_CPUTIME_ID), ns
# resolution; a batch lasts milliseconds.)
CLOCK = time.process_time


def time_batch(app: App, scope: dict[str, Any], n: int) -> float:
    """Seconds per request over ``n`` requests, each driven by coro.send(None) (see the module docstring)."""
    receive, send = noop_receive, noop_send
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = CLOCK()
        for _ in range(n):
            coro = app(scope, receive, send)
            try:
                coro.send(None)
            except StopIteration:
                pass
            else:
                raise RuntimeError("the request suspended")
        elapsed = CLOCK() - t0
    finally:
        if gc_was_enabled:
            gc.enable()
    return elapsed / n


def calibrate(apps: list[tuple[App, dict[str, Any]]], target: float) -> int:
    """A batch size such that the slowest contender's batch takes about ``target`` seconds."""
    slowest = max(time_batch(app, scope, 200) for app, scope in apps)
    return max(20, int(target / slowest))


def interleaved(
    contenders: dict[str, tuple[App, dict[str, Any]]], rounds: int, target: float
) -> dict[str, list[float]]:
    """Per-request times (seconds) for each contender, one batch per contender per round, order rotating."""
    names = list(contenders)
    for app, scope in contenders.values():  # warm up: caches, specialisation
        time_batch(app, scope, 200)
    n = calibrate(list(contenders.values()), target)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            app, scope = contenders[name]
            times[name].append(time_batch(app, scope, n))
    return times


def median_overhead(times: dict[str, list[float]], name: str, base: str = "bare") -> float:
    """Median over rounds of (contender - base) in the same round."""
    return statistics.median(t - b for t, b in zip(times[name], times[base], strict=True))


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
