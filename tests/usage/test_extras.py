"""The extras give the README's examples what they need, with no deprecation warning to hide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corskit.browser._transport import HttpxTransport

# Starlette 1.x's TestClient asks for httpx2, which needs Python >= 3.11: these hold for the newest
# Starlette (the oldest supported one, on Python 3.10, uses httpx and is run without them).
pytestmark = pytest.mark.starlette_reference


def extras() -> Any:
    import tomllib  # Python >= 3.11, like the rest of this module

    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(pyproject)["project"]["optional-dependencies"]


def test_starlettes_test_client_imports_without_any_warning() -> None:
    # -W error turns any warning (Starlette's "httpx is deprecated, install httpx2") into a failure.
    code = "import starlette.testclient, fastapi.testclient"
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_examples_and_browser_extras_bring_httpx2() -> None:
    for extra in ("examples", "browser", "test"):
        assert any(requirement.startswith("httpx2>=") for requirement in extras()[extra]), extra


def test_the_simulator_speaks_http_through_httpx2() -> None:
    transport = HttpxTransport()
    assert transport._httpx.__name__ == "httpx2"
