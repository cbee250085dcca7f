"""The shared-origin store: corskit's per-request overhead with ``allow_origin_func=RedisOriginStore(...)``
(the origins in a real Redis set, none listed) against the same origins as a static ``allow_origins`` list.

The store answers from its in-memory copy, so Redis is only needed to load it; the table shows what the
store adds to each request path. Debian's ``redis-server`` runs on 127.0.0.1, a free port, no persistence,
for the length of the part.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from common import CONFIG, ORIGINS, PATHS, bare_app, check_answer, interleaved, make_scope, median_overhead, table, us

from corskit import CORSMiddleware


@contextmanager
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("the store part needs Debian's redis-server (bash scripts/test installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.kill()
            process.wait(timeout=10)


def bench_store(rounds: int, target: float) -> str:
    import redis

    from corskit.stores import RedisOriginStore

    rows = []
    with redis_url() as url:
        client = redis.Redis.from_url(url)
        client.sadd("cors:origins", *ORIGINS)
        client.close()
        store = RedisOriginStore(url)
        try:
            static = CORSMiddleware(bare_app, allow_origins=ORIGINS, **CONFIG)
            shared = CORSMiddleware(bare_app, allow_origin_func=store, **CONFIG)
            for label, origin, preflight, expect in PATHS:
                scope = make_scope(origin, preflight=preflight)
                check_answer("corskit, static list", static, scope, expect)
                check_answer("corskit, Redis store", shared, scope, expect)
                times = interleaved(
                    {"bare": (bare_app, scope), "static": (static, scope), "store": (shared, scope)}, rounds, target
                )
                list_cost = median_overhead(times, "static")
                store_cost = median_overhead(times, "store")
                ratio = store_cost / list_cost
                rows.append(
                    [label, us(statistics.median(times["bare"])), us(list_cost), us(store_cost), f"**{ratio:.2f}×**",
                     "yes" if ratio <= 1.10 else "NO"]
                )
        finally:
            store.close()
    header = ["path", "bare app", "static list overhead", "Redis store overhead", "store / list", "≤ 1.10×"]
    return table(header, rows)
