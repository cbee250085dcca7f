"""Small helpers the command tests share: a free port, the one-line error check, a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from collections.abc import Mapping

from support.cli import CLIResult


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line_error(result: CLIResult, text: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr containing ``text``, no traceback."""
    assert result.code == 2, result
    assert result.stdout == ""
    assert len(result.stderr_lines) == 1, result.stderr
    assert text in result.stderr
    assert "Traceback" not in result.stderr


def run_on_terminal(*args: str, terminal: str, env: Mapping[str, str]) -> tuple[str, str]:
    """``python -m corskit ARGS`` with ``terminal`` ("stdout" or "stderr") on a pseudo-terminal and the
    other stream on a pipe; returns (what the terminal showed, what the pipe got)."""
    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: follower}
    with subprocess.Popen(
        [sys.executable, "-m", "corskit", *args], stdout=streams["stdout"], stderr=streams["stderr"], env=dict(env)
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal (EIO on Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
        piped = process.communicate(timeout=60)[0 if terminal == "stderr" else 1]
    os.close(leader)
    return b"".join(chunks).decode(), piped.decode()
