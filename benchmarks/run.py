"""corskit against Starlette 1.10's CORSMiddleware, measured side by side in one process.

Run it:

    python benchmarks/run.py                # full run: about 2-3 minutes on a 2-core machine
    python benchmarks/run.py --smoke        # ~10 s: every part runs once with tiny counts (CI);
                                            # the numbers it prints mean nothing; nothing is asserted
    python benchmarks/run.py --only paths   # some parts only: paths,scale,memory,imports,store,server,callgrind
    python benchmarks/run.py --no-server    # skip the uvicorn + wrk part
    python benchmarks/run.py --callgrind    # add instruction counts (valgrind; a few minutes more)

It prints Markdown tables (the ones in BENCHMARKS.md): per-request overhead on four request paths, the
scale rows (10,000 origins, 1,000 wildcard patterns, 1,000 path prefixes), memory, the import cost of
corskit and its pytest plugin, server throughput through uvicorn driven by Debian's ``wrk`` (installed with
apt-get if missing), and the machine and versions.

Each part is a module beside this one: ``inprocess.py`` (paths, scale, memory), ``imports.py``,
``server.py``, ``instructions.py`` (callgrind), ``machine.py``; ``common.py`` holds what they share (the
configuration, the requests, the app, the timing loop and the tables). This file only chooses the parts and
their sizes and prints the report.

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
import time

from imports import bench_imports, imports_table
from inprocess import bench_memory, bench_paths, bench_scale, paths_table, scale_table
from instructions import bench_callgrind
from machine import machine
from server import bench_server
from store import bench_store

PARTS = ("paths", "scale", "memory", "imports", "store", "server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="run every part once with tiny counts (CI)")
    parser.add_argument("--no-server", action="store_true", help="skip the uvicorn + wrk throughput rows")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts to run (default: all of {','.join(PARTS)})"
    )
    parser.add_argument(
        "--callgrind", action="store_true", help="also count instructions per request with valgrind (~2 min)"
    )
    args = parser.parse_args()

    if args.smoke:
        rounds, target, n_origins, n_patterns, n_prefixes = 3, 0.002, 10_000, 1_000, 1_000
        wrk_rounds, wrk_seconds, n_requests, import_runs = 1, 1.0, 100, 3
    else:
        rounds, target, n_origins, n_patterns, n_prefixes = 31, 0.02, 10_000, 1_000, 1_000
        wrk_rounds, wrk_seconds, n_requests, import_runs = 7, 2.0, 10_000, 21

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
        print(scale_table(bench_scale(rounds, target, n_origins, n_patterns, n_prefixes)))
        print(flush=True)
    if "memory" in parts:
        print(f"## Memory ({n_origins:,}-origin configuration; per request)")
        print()
        print(bench_memory(n_origins, n_requests), flush=True)
        print()
    if "imports" in parts:
        print(f"## Import cost (`python -X importtime`, median of {import_runs} fresh processes)")
        print()
        print(imports_table(bench_imports(import_runs)), flush=True)
        print()
    if "store" in parts:
        print("## Shared origins: corskit with a RedisOriginStore against the same origins as a static list")
        print()
        print(bench_store(rounds, target), flush=True)
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
