"""Run the real ``uvicorn`` command in a subprocess, on an app module written by the test, as a user would.

    result = run_uvicorn(tmp_path, source)          # for apps that must refuse to start: waits for the exit
    with uvicorn_serving(tmp_path, source) as server:   # for apps that start: yields once it serves
        urllib.request.urlopen(server.url("/"))
    server.stderr                                   # everything uvicorn printed, after the block

The command is ``python -m uvicorn main:app --host 127.0.0.1 --port N``: uvicorn's defaults otherwise
(``--lifespan auto``, its own logging configuration), with only the address pinned so that parallel test
runs never collide on port 8000. Each process is stopped by its own pid.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int, options: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port), *options]


def _env() -> dict[str, str]:
    # The user's terminal would not have pytest's variables; keep colour off for stable text.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["NO_COLOR"] = "1"
    return env


def _start(directory: Path, port: int, options: tuple[str, ...]) -> subprocess.Popen[str]:
    pipe = subprocess.PIPE
    return subprocess.Popen(_command(port, options), cwd=directory, env=_env(), stdout=pipe, stderr=pipe, text=True)


@dataclass(frozen=True)
class UvicornExit:
    code: int
    stderr: str


def run_uvicorn(directory: Path, source: str, *options: str, timeout: float = 30.0) -> UvicornExit:
    """Write ``source`` to ``directory/main.py`` and run uvicorn on it until it exits by itself.

    A server that keeps running (that did not refuse to start) is killed after ``timeout`` seconds and
    the test fails with what it printed.
    """
    (directory / "main.py").write_text(source, encoding="utf-8")
    process = _start(directory, free_port(), options)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"uvicorn kept running for {timeout} s; it printed:\n{stderr}") from None
    return UvicornExit(process.returncode, stderr)


@dataclass
class UvicornServer:
    port: int
    stderr: str = ""
    lines: list[str] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _wait_until_serving(process: subprocess.Popen[str], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"uvicorn exited with {process.returncode}: {process.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"uvicorn did not listen on port {port} within {timeout} s")


@contextmanager
def uvicorn_serving(directory: Path, source: str, *options: str, timeout: float = 30.0) -> Iterator[UvicornServer]:
    """Serve ``source``'s ``app`` with uvicorn for the block; ``.stderr`` holds its output afterwards."""
    (directory / "main.py").write_text(source, encoding="utf-8")
    port = free_port()
    process = _start(directory, port, options)
    server = UvicornServer(port)
    try:
        _wait_until_serving(process, port, timeout)
        yield server
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        server.stderr = stderr
        server.lines = stderr.splitlines()


def get(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, dict[str, str]]:
    """A request with ``headers``; the status and the (lower-cased) response headers, errors included."""
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}
