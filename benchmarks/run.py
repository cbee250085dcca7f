"""corskit against Starlette 1.10's CORSMiddleware, measured side by side in one process.

Run it:

    python benchmarks/run.py                # full run: about 2-3 minutes on a 2-core machine
    python benchmarks/run.py --smoke        # ~10 s: every part runs once with tiny counts (CI);
                                            # the numbers it prints mean nothing; nothing is asserted
    python benchmarks/run.py --only paths   # some parts only: paths,scale,memory,server,callgrind
    python benchmarks/run.py --no-server    # skip the uvicorn + wrk part
    python benchmarks/run.py --callgrind    # add instruction counts (valgrind; a few minutes more)

It prints Markdown tables (the ones in BENCHMARKS.md): per-request overhead on four request paths, the
scale rows (10,000 origins, 1,000 wildcard patterns, 1,000 path prefixes when ``path_policies`` exists),
memory, server throughput through uvicorn driven by Debian's ``wrk`` (installed with apt-get if missing),
and the machine and versions.

How the in-process numbers are taken
------------------------------------
Each contender (the bare app, the app wrapped in Starlette's middleware, the app wrapped in corskit's) is
called directly as an ASGI app with a prebuilt scope and no-op ``receive``/``send``. Nothing on these paths
ever suspends (the app and ``send`` are plain coroutines that return at once), so instead of an event loop
each call is driven by ``coro.send(None)``, which runs the coroutine to completion and raises StopIteration;
a coroutine that *did* suspend would be an error and is reported. That leaves only the middleware's own
work plus a constant loop cost, which the bare app pays too and which the subtraction removes.

The contenders are timed in rounds: in each round every contender runs one batch of requests (in an order
that rotates from round to round), and the overhead of a middleware in that round is its batch time minus
the bare app's batch time of the same round. The table shows medians over rounds, so a burst of noise on a
shared machine spoils a round rather than the result. The garbage collector is paused inside a batch, as
``timeit`` does.

Both middlewares get the same configuration (the one in issue 6): four listed origins, credentials, ``["*"]``
methods and headers, one exposed header, max_age 600. (corskit refuses ``["*"]`` origins with credentials,
so both use listed origins.) Requests carry the headers a browser sends with a cross-origin fetch. Before
timing, every contender's response is checked, so that each row measures the path it claims to.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corskit import CORSMiddleware as CorskitCORS

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


# --------------------------------------------------------------------------------------------------
# The four paths


@dataclass
class PathResult:
    label: str
    bare: float
    starlette: float
    corskit: float

    @property
    def ratio(self) -> float:
        return self.corskit / self.starlette


def bench_paths(rounds: int, target: float) -> list[PathResult]:
    starlette = StarletteCORS(bare_app, allow_origins=ORIGINS, **CONFIG)
    corskit = CorskitCORS(bare_app, allow_origins=ORIGINS, **CONFIG)
    results = []
    for label, origin, preflight, expect in PATHS:
        scope = make_scope(origin, preflight=preflight)
        check_answer("bare app", bare_app, scope, "bare")
        check_answer("Starlette", starlette, scope, expect)
        check_answer("corskit", corskit, scope, expect)
        times = interleaved(
            {"bare": (bare_app, scope), "starlette": (starlette, scope), "corskit": (corskit, scope)}, rounds, target
        )
        results.append(
            PathResult(
                label,
                statistics.median(times["bare"]),
                median_overhead(times, "starlette"),
                median_overhead(times, "corskit"),
            )
        )
    return results


def paths_table(results: list[PathResult]) -> str:
    rows = [
        [r.label, us(r.bare), us(r.starlette), us(r.corskit), f"**{r.ratio:.3f}×**", "yes" if r.ratio <= 0.2 else "NO"]
        for r in results
    ]
    header = ["path", "bare app", "Starlette overhead", "corskit overhead", "corskit / Starlette", "≤ 0.2×"]
    return table(header, rows)


# --------------------------------------------------------------------------------------------------
# Scale


@dataclass
class ScaleResult:
    label: str
    small: float  # corskit overhead with 4 entries
    large: float  # corskit overhead with n entries
    starlette_large: float | None  # Starlette's overhead with the same n entries, when it has the feature

    @property
    def ratio(self) -> float:
        return self.large / self.small


def many_origins(n: int) -> list[str]:
    return [f"https://app{i}.customer{i}.example.com" for i in range(n)]


def many_patterns(n: int) -> list[str]:
    return [f"https://*.tenant{i}.example.com" for i in range(n)]


def path_policies_supported() -> bool:
    try:
        CorskitCORS(bare_app, allow_origins=ORIGINS, path_policies={"/p": None}, **CONFIG)  # type: ignore[call-arg]
    except TypeError:
        return False
    return True


def bench_scale(rounds: int, target: float, n_origins: int, n_patterns: int, n_prefixes: int) -> list[ScaleResult]:
    results = []

    # Listed origins: a request from the last one listed (the worst case for a list scan).
    small, large = many_origins(4), many_origins(n_origins)
    contenders = {
        "bare": (bare_app, make_scope(small[-1])),
        "small": (CorskitCORS(bare_app, allow_origins=small, **CONFIG), make_scope(small[-1])),
        "large": (CorskitCORS(bare_app, allow_origins=large, **CONFIG), make_scope(large[-1])),
    }
    starlette_large = StarletteCORS(bare_app, allow_origins=large, **CONFIG)
    for name, (app, scope) in contenders.items():
        check_answer(name, app, scope, "bare" if name == "bare" else "allowed")
    check_answer("Starlette", starlette_large, make_scope(large[-1]), "allowed")
    times = interleaved(contenders, rounds, target)
    # Starlette at 10,000 origins is ~100x slower: timed in its own rounds with the bare app, fewer of them.
    slow = interleaved(
        {"bare": (bare_app, make_scope(large[-1])), "starlette": (starlette_large, make_scope(large[-1]))},
        max(3, rounds // 3),
        target,
    )
    results.append(
        ScaleResult(
            f"{n_origins:,} listed origins, request from the last",
            median_overhead(times, "small"),
            median_overhead(times, "large"),
            median_overhead(slow, "starlette"),
        )
    )

    # Wildcard patterns: a request from a subdomain of the last pattern, against 4 patterns of the same shape.
    small, large = many_patterns(4), many_patterns(n_patterns)
    scope_small = make_scope("https://app.tenant3.example.com")
    scope_large = make_scope(f"https://app.tenant{n_patterns - 1}.example.com")
    contenders = {
        "bare": (bare_app, scope_small),
        "small": (CorskitCORS(bare_app, allow_origins=small, **CONFIG), scope_small),
        "large": (CorskitCORS(bare_app, allow_origins=large, **CONFIG), scope_large),
    }
    for name, (app, scope) in contenders.items():
        check_answer(name, app, scope, "bare" if name == "bare" else "allowed")
    times = interleaved(contenders, rounds, target)
    results.append(
        ScaleResult(
            f"{n_patterns:,} `https://*.tenantN.example.com` patterns, request from a subdomain of the last",
            median_overhead(times, "small"),
            median_overhead(times, "large"),
            None,
        )
    )

    # Path prefixes (only once corskit has path_policies): a request under the last prefix.
    if path_policies_supported():

        def with_prefixes(n: int) -> App:
            policies = {f"/tenant{i}": {"allow_origins": ORIGINS, **CONFIG} for i in range(n)}
            return CorskitCORS(bare_app, allow_origins=ORIGINS, path_policies=policies, **CONFIG)  # type: ignore[call-arg]

        scope_small = make_scope(ALLOWED, path="/tenant3/items/42")
        scope_large = make_scope(ALLOWED, path=f"/tenant{n_prefixes - 1}/items/42")
        contenders = {
            "bare": (bare_app, scope_small),
            "small": (with_prefixes(4), scope_small),
            "large": (with_prefixes(n_prefixes), scope_large),
        }
        for name, (app, scope) in contenders.items():
            check_answer(name, app, scope, "bare" if name == "bare" else "allowed")
        times = interleaved(contenders, rounds, target)
        results.append(
            ScaleResult(
                f"{n_prefixes:,} path prefixes (`path_policies`), request under the last",
                median_overhead(times, "small"),
                median_overhead(times, "large"),
                None,
            )
        )
    return results


def scale_table(results: list[ScaleResult], path_policies: bool) -> str:
    rows = [
        [
            r.label,
            us(r.small),
            us(r.large),
            f"**{r.ratio:.3f}×**",
            "yes" if r.ratio <= 1.15 else "NO",
            us(r.starlette_large) if r.starlette_large is not None else "—",
        ]
        for r in results
    ]
    if not path_policies:
        rows.append(["1,000 path prefixes", "—", "—", "—", "—", "— (`path_policies` not in this corskit yet)"])
    header = ["configuration", "corskit, 4 entries", "corskit, n entries", "n / 4", "≤ 1.15×", "Starlette, n entries"]
    return table(header, rows)


# --------------------------------------------------------------------------------------------------
# Memory


def construction_memory(factory: Callable[[], Any]) -> tuple[int, int]:
    """(retained, peak) bytes allocated while building a middleware, measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        obj = factory()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del obj
    return current, peak


def request_memory(app: App, scope: dict[str, Any], n: int) -> tuple[float, int]:
    """(bytes kept per request, peak transient bytes of one request), measured with tracemalloc.

    What is kept is the growth between n and 2n requests, divided by n: a few KiB that tracemalloc
    and the interpreter keep the first time round (caches, free lists) do not count, a leak does.
    """
    for _ in range(50):
        run_once_noop(app, scope)
    gc.collect()
    tracemalloc.start()
    try:
        run_once_noop(app, scope)
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        run_once_noop(app, scope)
        _, peak_one = tracemalloc.get_traced_memory()
        for _ in range(n):
            run_once_noop(app, scope)
        after_n, _ = tracemalloc.get_traced_memory()
        for _ in range(n):
            run_once_noop(app, scope)
        after_2n, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (after_2n - after_n) / n, peak_one - base


def run_once_noop(app: App, scope: dict[str, Any]) -> None:
    coro = app(scope, noop_receive, noop_send)
    try:
        coro.send(None)
    except StopIteration:
        return
    raise RuntimeError("the request suspended")


def bench_memory(n_origins: int, n_requests: int) -> str:
    large = many_origins(n_origins)
    rows = []
    for name, cls in (("Starlette", StarletteCORS), ("corskit", CorskitCORS)):
        retained, peak = construction_memory(lambda cls=cls: cls(bare_app, allow_origins=large, **CONFIG))
        rows.append(
            [f"{name}: building with {n_origins:,} origins", f"{retained / 1024:,.0f} KiB", f"{peak / 1024:,.0f} KiB"]
        )
    out = table(["", "retained after construction", "peak during construction"], rows)

    starlette = StarletteCORS(bare_app, allow_origins=ORIGINS, **CONFIG)
    corskit = CorskitCORS(bare_app, allow_origins=ORIGINS, **CONFIG)
    rows = []
    for label, origin, preflight, _ in PATHS:
        scope = make_scope(origin, preflight=preflight)
        cells = [label]
        for app in (bare_app, starlette, corskit):
            retained_per_request, transient = request_memory(app, scope, n_requests)
            cells.append(f"{retained_per_request:.2f} B kept / {transient:,} B peak")
        rows.append(cells)
    out += (
        "\n\nPer request (tracemalloc over "
        + f"{n_requests:,} then {n_requests:,} more requests; kept = growth per request between the two, "
        + "peak = high-water mark of one request's transient allocations):\n\n"
    )
    out += table(["path", "bare app", "Starlette", "corskit"], rows)
    return out


# --------------------------------------------------------------------------------------------------
# Through a real server: uvicorn + wrk


def serve(mode: str) -> None:
    """Child process: bind a free loopback port, print it, and serve the trivial endpoint with uvicorn."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def endpoint(request: Any) -> PlainTextResponse:
        return PlainTextResponse("OK")

    middleware = []
    if mode == "starlette":
        middleware = [Middleware(StarletteCORS, allow_origins=ORIGINS, **CONFIG)]
    elif mode == "corskit":
        middleware = [Middleware(CorskitCORS, allow_origins=ORIGINS, **CONFIG)]
    app = Starlette(routes=[Route("/items", endpoint, methods=["GET", "OPTIONS"])], middleware=middleware)

    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets whose proto says TCP, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def ensure_wrk() -> str | None:
    """The path of wrk, installing Debian's package if it is missing; None when that is not possible."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run([*sudo, *cmd], env=env, capture_output=True, check=False)
        if cmd[1] == "update":
            subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True, check=False)
        if shutil.which("wrk"):
            return shutil.which("wrk")
    return None


def pin(cpu: int) -> Callable[[], None] | None:
    """preexec_fn pinning a child to one CPU (server on one core, load generator on the other)."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@contextlib.contextmanager
def servers(modes: list[str]) -> Iterator[dict[str, tuple[int, int]]]:
    """Start one uvicorn per mode; yields {mode: (port, pid)} and always stops them."""
    procs: list[subprocess.Popen[str]] = []
    try:
        ports = {}
        for mode in modes:
            proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--serve", mode],
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=pin(0),
            )
            procs.append(proc)
            assert proc.stdout is not None
            ports[mode] = (int(proc.stdout.readline()), proc.pid)
        for mode, (port, _) in ports.items():
            wait_ready(port, mode)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(port: int, mode: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/items", headers={"Origin": ALLOWED})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                acao = response.headers.get("access-control-allow-origin")
                if (acao == ALLOWED) != (mode != "none"):
                    raise AssertionError(f"{mode} server answered with Access-Control-Allow-Origin {acao!r}")
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers = {{}}
{headers}
"""


def wrk_script(directory: str, name: str, method: str, headers: list[tuple[bytes, bytes]]) -> str:
    lines = "\n".join(f'wrk.headers["{k.decode()}"] = "{v.decode()}"' for k, v in headers if k != b"host")
    path = os.path.join(directory, name + ".lua")
    with open(path, "w") as f:
        f.write(WRK_SCRIPT.format(method=method, headers=lines))
    return path


def cpu_ns(pid: int) -> int:
    """CPU time a process has used so far, in ns (Linux: /proc/PID/schedstat), or 0 if unknown."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def run_wrk(wrk: str, server: tuple[int, int], script: str, seconds: float, connections: int) -> tuple[float, float]:
    """(requests per second, server CPU ns per request) for one wrk run against ``server`` (port, pid)."""
    port, pid = server
    cpu_before = cpu_ns(pid)
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            script,
            f"http://127.0.0.1:{port}/items",
        ],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=pin(1),
    ).stdout
    cpu = cpu_ns(pid) - cpu_before
    match = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if match is None or count is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    if non2xx:
        raise RuntimeError(f"wrk saw error responses:\n{out}")
    return float(match.group(1)), cpu / max(1, int(count.group(1)))


def bench_server(rounds: int, seconds: float, connections: int) -> str:
    wrk = ensure_wrk()
    if wrk is None:
        return "(skipped: `wrk` is not installed and could not be installed with apt-get)"
    modes = ["none", "starlette", "corskit"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, servers(modes) as ports:
        scripts = {
            "simple": wrk_script(tmp, "simple", "GET", browser_headers(ALLOWED)),
            "preflight": wrk_script(tmp, "preflight", "OPTIONS", browser_headers(ALLOWED, preflight=True)),
        }
        for kind, script in scripts.items():
            if rounds > 1:
                for mode in modes:  # warm-up
                    run_wrk(wrk, ports[mode], script, 1.0, connections)
            rps: dict[str, list[float]] = {mode: [] for mode in modes}
            cpu: dict[str, list[float]] = {mode: [] for mode in modes}
            for r in range(rounds):
                for mode in modes[r % 3 :] + modes[: r % 3]:
                    throughput, cpu_per_request = run_wrk(wrk, ports[mode], script, seconds, connections)
                    rps[mode].append(throughput)
                    cpu[mode].append(cpu_per_request)
            med = {mode: statistics.median(v) for mode, v in rps.items()}
            med_cpu = {mode: statistics.median(v) for mode, v in cpu.items()}
            cells = [f"{kind} (allowed origin)"]
            for mode in modes:
                change = "" if mode == "none" else f" ({(med[mode] / med['none'] - 1) * 100:+.1f} %)"
                cells.append(f"{med[mode]:,.0f} req/s{change}")
            for mode in modes:
                change = "" if mode == "none" else f" ({(med_cpu[mode] / med_cpu['none'] - 1) * 100:+.1f} %)"
                cells.append(f"{med_cpu[mode] / 1000:.1f} µs{change}")
            rows.append(cells)
    note = (
        f"uvicorn {version('uvicorn')} (1 worker, loop/http auto: {uvicorn_impl()}), Starlette app with one route, "
        f"server pinned to CPU 0, `wrk -t1 -c{connections} -d{seconds:g}s` pinned to CPU 1; "
        f"median of {rounds} interleaved runs each. Server CPU per request is the server process's CPU time "
        "(/proc/PID/schedstat) over the requests wrk completed: unlike req/s, it does not move when other "
        "processes take the machine's cores"
    )
    header = ["request", "req/s: no middleware", "Starlette", "corskit"]
    header += ["server CPU per request: no middleware", "Starlette", "corskit"]
    return note + ":\n\n" + table(header, rows)


def uvicorn_impl() -> str:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {http}"


# --------------------------------------------------------------------------------------------------
# Instruction counts (optional): deterministic, so a busy machine cannot move them


def contender(name: str, label: str) -> tuple[App, dict[str, Any]]:
    _, origin, preflight, _ = next(p for p in PATHS if p[0] == label)
    scope = make_scope(origin, preflight=preflight)
    if name == "bare":
        return bare_app, scope
    cls = StarletteCORS if name == "starlette" else CorskitCORS
    return cls(bare_app, allow_origins=ORIGINS, **CONFIG), scope


def callgrind_child(name: str, label: str, n: int) -> None:
    """Child process under callgrind: warm up, then n requests inside itertools.starmap.

    Only what runs inside starmap's C iterator is counted (--toggle-collect=starmap_next), so the
    interpreter's start-up, the imports and the set-up are left out.
    """
    import collections
    import itertools

    app, scope = contender(name, label)
    for _ in range(100):
        run_once_noop(app, scope)
    collections.deque(itertools.starmap(run_once_noop, itertools.repeat((app, scope), n)), maxlen=0)


def bench_callgrind(n: int) -> str:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return "(skipped: valgrind is not installed)"
    from concurrent.futures import ThreadPoolExecutor

    def count(job: tuple[str, str]) -> float:
        name, label = job
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [
                    valgrind,
                    "--tool=callgrind",
                    "--collect-atstart=no",
                    "--toggle-collect=starmap_next",
                    f"--callgrind-out-file={tmp}/out",
                    sys.executable,
                    os.path.abspath(__file__),
                    "--callgrind-child",
                    f"{name}|{label}|{n}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stderr
        match = re.search(r"Collected : (\d+)", out)
        if match is None:
            raise RuntimeError(f"unexpected callgrind output:\n{out}")
        return int(match.group(1)) / n

    jobs = [(name, label) for label, *_ in PATHS for name in ("bare", "starlette", "corskit")]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(zip(jobs, pool.map(count, jobs), strict=True))
    rows = []
    for label, *_ in PATHS:
        bare = counts["bare", label]
        starlette = counts["starlette", label] - bare
        corskit = counts["corskit", label] - bare
        rows.append([label, f"{bare:,.0f}", f"{starlette:,.0f}", f"{corskit:,.0f}", f"**{corskit / starlette:.3f}×**"])
    header = ["path", "bare app", "Starlette overhead", "corskit overhead", "corskit / Starlette"]
    return table(header, rows)


# --------------------------------------------------------------------------------------------------
# Machine and versions


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> str:
    import corskit

    return table(
        ["", ""],
        [
            ["CPU", f"{cpu_model()}, {os.cpu_count()} cores"],
            ["OS", platform.platform()],
            ["Python", f"{platform.python_implementation()} {platform.python_version()}"],
            ["Starlette", version("starlette")],
            ["corskit", f"{corskit.__version__} ({git_commit()}, {os.path.dirname(corskit.__file__)})"],
            ["uvicorn", version("uvicorn")],
            ["wrk", wrk_version()],
        ],
    )


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", os.path.dirname(os.path.abspath(__file__)), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown commit"
    return out.stdout.strip() or "unknown commit"


def wrk_version() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "not installed"
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).split("\n")[0].strip()


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="run every part once with tiny counts (CI)")
    parser.add_argument("--no-server", action="store_true", help="skip the uvicorn + wrk throughput rows")
    parser.add_argument(
        "--only",
        default="paths,scale,memory,server",
        help="comma-separated parts to run (default: all of paths,scale,memory,server)",
    )
    parser.add_argument(
        "--callgrind", action="store_true", help="also count instructions per request with valgrind (~2 min)"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--callgrind-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.callgrind_child:
        name, label, n = args.callgrind_child.split("|")
        callgrind_child(name, label, int(n))
        return

    if args.smoke:
        rounds, target, n_origins, n_patterns, n_prefixes = 3, 0.002, 10_000, 1_000, 1_000
        wrk_rounds, wrk_seconds, n_requests = 1, 1.0, 100
    else:
        rounds, target, n_origins, n_patterns, n_prefixes = 31, 0.02, 10_000, 1_000, 1_000
        wrk_rounds, wrk_seconds, n_requests = 7, 2.0, 10_000

    started = time.monotonic()
    print("# corskit benchmarks" + (" (SMOKE RUN: the numbers mean nothing)" if args.smoke else ""))
    print()
    print(machine())
    print()
    parts = set(args.only.split(","))
    if args.no_server:
        parts.discard("server")
    if "paths" in parts:
        print(f"## Per-request overhead in process (median of {rounds} interleaved rounds)")
        print()
        print(paths_table(bench_paths(rounds, target)), flush=True)
        print()
    if "scale" in parts:
        print("## Scale: corskit overhead (allowed simple request) with many entries against 4 of the same kind")
        print()
        print(scale_table(bench_scale(rounds, target, n_origins, n_patterns, n_prefixes), path_policies_supported()))
        print(flush=True)
    if "memory" in parts:
        print(f"## Memory ({n_origins:,}-origin configuration; per request)")
        print()
        print(bench_memory(n_origins, n_requests), flush=True)
        print()
    if args.callgrind or "callgrind" in parts:
        print("## Instructions per request (callgrind; the same in-process calls, counted not timed)")
        print()
        print(bench_callgrind(200 if args.smoke else 2000), flush=True)
        print()
    if "server" in parts:
        print("## Throughput through uvicorn")
        print()
        print(bench_server(wrk_rounds, wrk_seconds, connections=32), flush=True)
        print()
    print(f"_Run took {time.monotonic() - started:.0f} s._")


if __name__ == "__main__":
    main()
