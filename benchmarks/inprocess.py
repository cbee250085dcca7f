"""The in-process parts: per-request overhead on the four request paths, scale (many origins, patterns and
path prefixes against four of the same kind), and memory (building the middleware, and per request).
"""

from __future__ import annotations

import gc
import statistics
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common import (
    ALLOWED,
    CONFIG,
    ORIGINS,
    PATHS,
    App,
    bare_app,
    check_answer,
    interleaved,
    make_scope,
    median_overhead,
    run_once_noop,
    table,
    us,
)
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corskit import CORSMiddleware as CorskitCORS

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


def small_and_large(
    small: tuple[App, dict[str, Any]], large: tuple[App, dict[str, Any]], rounds: int, target: float
) -> tuple[float, float]:
    """corskit's overhead with 4 entries and with n, from the same interleaved rounds (answers checked)."""
    contenders = {"bare": (bare_app, small[1]), "small": small, "large": large}
    for name, (app, scope) in contenders.items():
        check_answer(name, app, scope, "bare" if name == "bare" else "allowed")
    times = interleaved(contenders, rounds, target)
    return median_overhead(times, "small"), median_overhead(times, "large")


def bench_scale(rounds: int, target: float, n_origins: int, n_patterns: int, n_prefixes: int) -> list[ScaleResult]:
    results = []

    # Listed origins: a request from the last one listed (the worst case for a list scan).
    small, large = many_origins(4), many_origins(n_origins)
    overheads = small_and_large(
        (CorskitCORS(bare_app, allow_origins=small, **CONFIG), make_scope(small[-1])),
        (CorskitCORS(bare_app, allow_origins=large, **CONFIG), make_scope(large[-1])),
        rounds,
        target,
    )
    starlette_large = StarletteCORS(bare_app, allow_origins=large, **CONFIG)
    check_answer("Starlette", starlette_large, make_scope(large[-1]), "allowed")
    # Starlette at 10,000 origins is ~100x slower: timed in its own rounds with the bare app, fewer of them.
    slow = interleaved(
        {"bare": (bare_app, make_scope(large[-1])), "starlette": (starlette_large, make_scope(large[-1]))},
        max(3, rounds // 3),
        target,
    )
    label = f"{n_origins:,} listed origins, request from the last"
    results.append(ScaleResult(label, *overheads, median_overhead(slow, "starlette")))

    # Wildcard patterns: a request from a subdomain of the last pattern, against 4 patterns of the same shape.
    overheads = small_and_large(
        (
            CorskitCORS(bare_app, allow_origins=many_patterns(4), **CONFIG),
            make_scope("https://app.tenant3.example.com"),
        ),
        (
            CorskitCORS(bare_app, allow_origins=many_patterns(n_patterns), **CONFIG),
            make_scope(f"https://app.tenant{n_patterns - 1}.example.com"),
        ),
        rounds,
        target,
    )
    label = f"{n_patterns:,} `https://*.tenantN.example.com` patterns, request from a subdomain of the last"
    results.append(ScaleResult(label, *overheads, None))

    # Path prefixes: a request under the last prefix.
    def with_prefixes(n: int) -> App:
        policies = {f"/tenant{i}": {"allow_origins": ORIGINS, **CONFIG} for i in range(n)}
        return CorskitCORS(bare_app, allow_origins=ORIGINS, path_policies=policies, **CONFIG)

    overheads = small_and_large(
        (with_prefixes(4), make_scope(ALLOWED, path="/tenant3/items/42")),
        (with_prefixes(n_prefixes), make_scope(ALLOWED, path=f"/tenant{n_prefixes - 1}/items/42")),
        rounds,
        target,
    )
    results.append(
        ScaleResult(f"{n_prefixes:,} path prefixes (`path_policies`), request under the last", *overheads, None)
    )
    return results


def scale_table(results: list[ScaleResult]) -> str:
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
