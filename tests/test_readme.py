"""Every Python example in the README runs, and its assertions hold.

Every ```python block is executed as it stands; a test function it defines for the reader's own suite
(``def test_...(cors_browser)``) is then called with the real fixture.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corskit.browser import Browser

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
RUNNABLE = BLOCKS


def test_readme_has_examples() -> None:
    assert len(RUNNABLE) >= 7


@pytest.mark.parametrize("source", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_readme_example_runs(source: str, cors_browser: Callable[..., Browser]) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value(cors_browser)


def test_the_fixture_snippet_is_run() -> None:
    assert any("def test_" in block and "cors_browser" in block for block in RUNNABLE)


def test_readme_examples_type_check(tmp_path: Path) -> None:
    """Every Python block passes ``mypy --strict``, as a user's editor and CI would check it."""
    files = []
    for index, source in enumerate(BLOCKS):
        path = tmp_path / f"readme_block{index}.py"
        path.write_text(source, encoding="utf-8")
        files.append(str(path))
    cache = README.parent / ".mypy_cache" / "readme"
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", str(cache), *files],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
