"""Through a real server: uvicorn serving a one-route Starlette app without middleware, with Starlette's and
with corskit's, driven by Debian's ``wrk`` over loopback. ``python server.py MODE`` is the server process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from common import ALLOWED, CONFIG, ORIGINS, browser_headers, table
from machine import version
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corskit import CORSMiddleware as CorskitCORS


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
                [sys.executable, os.path.abspath(__file__), mode],
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


if __name__ == "__main__":
    serve(sys.argv[1])
