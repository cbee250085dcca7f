"""``import corskit`` (and the pytest plugin, loaded by every pytest run where corskit is installed) stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("asyncio", "ssl", "concurrent.futures")


@pytest.mark.parametrize("module", ["corskit", "corskit.pytest_plugin"])
def test_importing_loads_no_event_loop_machinery(module: str) -> None:
    probe = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == []


def test_the_probe_sees_an_import_that_does_load_them() -> None:
    probe = f"import sys, corskit, asyncio; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == list(HEAVY)
