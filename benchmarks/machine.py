"""Machine facts and versions, printed above the results so that each table says where it was measured."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import shutil
import subprocess

from common import table


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> str:
    import corskit

    return table(
        ["", ""],
        [
            ["CPU", f"{cpu_model()}, {os.cpu_count()} cores"],
            ["OS", platform.platform()],
            ["Python", f"{platform.python_implementation()} {platform.python_version()}"],
            ["Starlette", version("starlette")],
            ["corskit", f"{corskit.__version__} ({git_commit()}, {os.path.dirname(corskit.__file__)})"],
            ["uvicorn", version("uvicorn")],
            ["wrk", wrk_version()],
        ],
    )


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", os.path.dirname(os.path.abspath(__file__)), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown commit"
    return out.stdout.strip() or "unknown commit"


def wrk_version() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "not installed"
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).split("\n")[0].strip()
