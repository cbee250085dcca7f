"""Every Python example in the README runs, and its assertions hold.

A block that defines a pytest test (``def test_...``) is a snippet for the reader's own suite and is
checked elsewhere (tests/browser); every other ```python block is executed as it stands.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
RUNNABLE = [block for block in BLOCKS if not block.lstrip().startswith("def test_")]


def test_readme_has_examples() -> None:
    assert len(RUNNABLE) >= 7


@pytest.mark.parametrize("source", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_readme_example_runs(source: str) -> None:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
