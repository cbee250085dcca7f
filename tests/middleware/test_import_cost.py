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


def test_the_plugin_loads_none_of_the_middleware() -> None:
    probe = (
        "import sys, pytest, corskit.pytest_plugin; print(' '.join(sorted(m for m in sys.modules if 'corskit' in m)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["corskit", "corskit.pytest_plugin"]


def test_every_public_name_loads_on_first_use() -> None:
    probe = (
        "import corskit\n"
        "for name in corskit.__all__:\n"
        "    value = getattr(corskit, name)\n"
        "    assert value.__name__ == name, (name, value)\n"
        "    assert value.__module__.startswith('corskit._'), (name, value.__module__)\n"
        "print('every name loaded')"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "every name loaded"
