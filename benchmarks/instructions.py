"""Instruction counts per request under ``valgrind --tool=callgrind``: the in-process calls, counted instead of
timed, so a busy machine cannot move them. ``python instructions.py NAME LABEL N`` is the counted process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from common import CONFIG, ORIGINS, PATHS, App, bare_app, make_scope, run_once_noop, table
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corskit import CORSMiddleware as CorskitCORS


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
                    name,
                    label,
                    str(n),
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


if __name__ == "__main__":
    callgrind_child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
