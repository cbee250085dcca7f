"""Import cost: what ``import corskit`` and its pytest plugin add to a process, next to ``import json``.

Installing corskit registers its pytest plugin, so every test run in that environment imports it. Each
statement runs in a fresh interpreter under ``python -X importtime``, which reports, for every module
imported, the microseconds spent including the modules it imported in turn. The cost of a statement is the
sum of those cumulative times over the modules the statement itself imports (the top level of the report),
so the interpreter's own start-up is left out. The plugin is measured with pytest already imported, as it
is when pytest loads it. The table gives medians over fresh processes, and the modules from
``HEAVY`` each statement pulls in (none is the aim: each costs milliseconds, and most test runs never need
them).
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
]


@dataclass
class ImportCost:
    label: str
    microseconds: float
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


def report(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    ).stderr


def measure(setup: str, statement: str) -> tuple[int, list[str]]:
    """One fresh interpreter: the statement's cost in microseconds, and the HEAVY modules it imported."""
    # What the interpreter's start-up and the setup import is reported too; a module is imported once, so
    # the statement's own imports are the top-level modules that the setup alone does not import.
    before = {module for module, _, _ in top_level_imports(report(setup))}
    entries = [entry for entry in top_level_imports(report(f"{setup}\n{statement}")) if entry[0] not in before]
    heavy = {module for name, _, nested in entries for module in (name, *nested) if module in HEAVY}
    return sum(cumulative for _, cumulative, _ in entries), sorted(heavy)


def bench_imports(runs: int) -> list[ImportCost]:
    results = []
    for label, setup, statement in STATEMENTS:
        measure(setup, statement)  # writes the bytecode caches, so no run pays for compiling
        samples = [measure(setup, statement) for _ in range(runs)]
        heavy = sorted({module for _, modules in samples for module in modules})
        results.append(ImportCost(label, statistics.median(us for us, _ in samples), heavy))
    return results


def imports_table(results: list[ImportCost]) -> str:
    json_us = results[0].microseconds
    lines = [
        "| import | median (ms) | × `import json` | loads asyncio, ssl or concurrent.futures |",
        "| --- | ---: | ---: | --- |",
    ]
    for result in results:
        heavy = ", ".join(result.heavy) if result.heavy else "none"
        ratio = result.microseconds / json_us if json_us else float("nan")
        lines.append(f"| {result.label} | {result.microseconds / 1000:.2f} | {ratio:.1f} | {heavy} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(imports_table(bench_imports(int(sys.argv[1]) if len(sys.argv) > 1 else 15)))
