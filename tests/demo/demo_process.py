"""``corskit demo`` as a user runs it: a subprocess on free ports, its terminal output in a file, stopped by pid."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

READY_LINE = "Ctrl-C stops the demo"


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports() -> tuple[int, int]:
    """An API port and a page port whose next port is free too (the refused page's)."""
    rng = random.Random()
    for _ in range(200):
        api, page = rng.randrange(20000, 60000), rng.randrange(20000, 60000)
        if len({api, page, page + 1}) == 3 and all(_free(p) for p in (api, page, page + 1)):
            return api, page
    raise RuntimeError("no free ports found")


@dataclass
class DemoProcess:
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    api_port: int
    page_port: int

    @property
    def api(self) -> str:
        return f"http://localhost:{self.api_port}"

    @property
    def allowed_page(self) -> str:
        return f"http://localhost:{self.page_port}"

    @property
    def refused_page(self) -> str:
        return f"http://localhost:{self.page_port + 1}"

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def wait_for_output(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in (out := self.stdout()):
            if self.process.poll() is not None:
                raise RuntimeError(f"corskit demo exited with {self.process.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not printed within {timeout} s; output so far:\n{out}")
            time.sleep(0.05)
        return out

    def wait_for_line(self, *words: str, containing: str = "", timeout: float = 10.0) -> str:
        """The last terminal line that starts with ``words`` (the demo prints a line once the answer is out)."""
        deadline = time.monotonic() + timeout

        def matches(line: str) -> bool:
            return line.split()[: len(words)] == list(words) and containing in line

        while not (found := [ln for ln in self.stdout().splitlines() if matches(ln)]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no line starting with {words} within {timeout} s:\n{self.stdout()}")
            time.sleep(0.05)
        return found[-1]

    def interrupt(self, timeout: float = 15.0) -> int:
        """Ctrl-C: SIGINT to this process's pid; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_demo(directory: Path, *extra: str) -> DemoProcess:
    api_port, page_port = free_ports()
    stdout_path, stderr_path = directory / "demo-stdout.txt", directory / "demo-stderr.txt"
    command = [sys.executable, "-m", "corskit", "demo", "--api-port", str(api_port), "--page-port", str(page_port)]
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [*command, *extra],
            stdout=out,
            stderr=err,
            env={**os.environ, "NO_COLOR": "1"},
        )
    demo = DemoProcess(process, stdout_path, stderr_path, api_port, page_port)
    try:
        demo.wait_for_output(READY_LINE)
    except BaseException:
        demo.kill()
        raise
    return demo
