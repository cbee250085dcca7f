"""Run the real ``corskit`` command as a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CLIResult:
    code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_corskit(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60.0, cwd: str | None = None
) -> CLIResult:
    """``python -m corskit ARGS`` with ``NO_COLOR`` set unless ``env`` says otherwise."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "corskit", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    return CLIResult(completed.returncode, completed.stdout, completed.stderr)
