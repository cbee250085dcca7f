"""The ``corskit`` command itself: entry points, usage errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.cli import run_corskit


def test_no_subcommand_prints_help_and_exits_2() -> None:
    result = run_corskit()
    assert result.code == 2
    assert "usage: corskit" in result.stderr


def test_version() -> None:
    from corskit import __version__

    result = run_corskit("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"corskit {__version__}"


def test_unknown_option_is_one_line_exit_2() -> None:
    result = run_corskit("--no-such-option")
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    assert "unrecognized arguments: --no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_is_installed() -> None:
    # The script pip installs next to this environment's python.
    script = Path(sys.executable).parent / "corskit"
    assert script.exists(), f"no console script at {script} (pip install -e '.[cli]')"
    completed = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0
    assert "usage: corskit" in completed.stdout
