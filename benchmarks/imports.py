"""Import cost: what ``import corskit`` and its pytest plugin add to a process, next to ``import json``.

Installing corskit registers its pytest plugin, so every test run in that environment imports it. Each
statement runs in a fresh interpreter under ``python -X importtime``, which reports, for every module
imported, the microseconds spent including the modules it imported in turn. The cost of a statement is the
sum of those cumulative times over the modules the statement itself imports (the top level of the report),
so the interpreter's own start-up is left out. The plugin is measured with pytest already imported, as it
is when pytest loads it. The same run also takes the process's CPU time around the statement, which a busy
machine does not inflate. The table gives medians over fresh processes, and the modules from ``HEAVY`` each
statement pulls in (none is the aim: each costs milliseconds, and most test runs never need them).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass

HEAVY = ("asyncio", "ssl", "concurrent.futures")
# (label, statement run first and not counted, statement measured)
STATEMENTS = [
    ("`import json`", "", "import json"),
    ("`import corskit`", "", "import corskit"),
    ("`import corskit.pytest_plugin` (pytest loaded)", "import pytest", "import corskit.pytest_plugin"),
    # What an app pays once to use the middleware (the names above load on first use).
    ("`from corskit import CORSMiddleware`", "", "from corskit import CORSMiddleware"),
]


@dataclass
class ImportCost:
    label: str
    microseconds: float  # the -X importtime figure (wall clock)
    cpu_seconds: float
    heavy: list[str]


def top_level_imports(report: str) -> list[tuple[str, int, list[str]]]:
    """(module, cumulative us, modules it imported) for each module imported by the statement itself.

    ``-X importtime`` prints a module after the modules it imported, indented two more spaces per level.
    """
    found: list[tuple[str, int, list[str]]] = []
    nested: list[str] = []
    for line in report.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part for part in line.removeprefix("import time:").split("|"))
        if not cumulative.strip().isdigit():
            continue  # the header line
        module = name.strip()
        if name.startswith(" " * 3):  # deeper than the top level (one space follows every '|')
            nested.append(module)
            continue
        found.append((module, int(cumulative), nested))
        nested = []
    return found


def report(code: str) -> tuple[str, str]:
    """(stdout, the -X importtime report) of one fresh interpreter running ``code``."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    return done.stdout, done.stderr


def measure(setup: str, statement: str) -> tuple[int, float, list[str]]:
    """One fresh interpreter: the statement's cost (importtime us, CPU seconds), and the HEAVY modules it imported.

    The CPU time is the process's own (``time.process_time``) around the statement: unlike the wall-clock
    figures of ``-X importtime``, it does not grow while a busy machine runs something else.
    """
    setup = f"import time\n{setup}"
    # What the interpreter's start-up and the setup import is reported too; a module is imported once, so
    # the statement's own imports are the top-level modules that the setup alone does not import.
    before = {module for module, _, _ in top_level_imports(report(setup)[1])}
    timed = f"{setup}\nstarted = time.process_time()\n{statement}\nprint(time.process_time() - started)"
    stdout, importtime = report(timed)
    entries = [entry for entry in top_level_imports(importtime) if entry[0] not in before]
    heavy = {module for name, _, nested in entries for module in (name, *nested) if module in HEAVY}
    return sum(cumulative for _, cumulative, _ in entries), float(stdout), sorted(heavy)


def bench_imports(runs: int) -> list[ImportCost]:
    results = []
    for label, setup, statement in STATEMENTS:
        measure(setup, statement)  # writes the bytecode caches, so no run pays for compiling
        samples = [measure(setup, statement) for _ in range(runs)]
        heavy = sorted({module for _, _, modules in samples for module in modules})
        results.append(
            ImportCost(
                label,
                statistics.median(us for us, _, _ in samples),
                statistics.median(cpu for _, cpu, _ in samples),
                heavy,
            )
        )
    return results


def imports_table(results: list[ImportCost]) -> str:
    json = results[0]
    lines = [
        "| import | importtime (ms) | × `import json` | CPU time (ms) | × `import json` | loads asyncio, ssl or "
        "concurrent.futures |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        heavy = ", ".join(r.heavy) if r.heavy else "none"
        lines.append(
            f"| {r.label} | {r.microseconds / 1000:.2f} | {r.microseconds / json.microseconds:.1f} "
            f"| {r.cpu_seconds * 1000:.2f} | {r.cpu_seconds / json.cpu_seconds:.1f} | {heavy} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(imports_table(bench_imports(int(sys.argv[1]) if len(sys.argv) > 1 else 21)))
