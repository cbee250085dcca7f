"""The README's recipe under uvicorn with four workers sharing one Redis set: changes reach every worker
within a second, outages keep known origins working, and the workers recover by themselves."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_py
from support.cli import run_corskit
from support.redis_server import RedisServer, free_port

WORKERS = 4
KNOWN = "https://known.example.com"
TENANT = "https://tenant.example.com"
UNKNOWN = "https://unknown.example.com"
# The README's recipe, served as it stands.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Answer:
    pid: int
    status: int
    allowed: bool


class Workers:
    def __init__(self, port: int) -> None:
        self.port = port
        self.pids: set[int] = set()

    def ask(self, origin: str) -> Answer:
        # A new connection each time, so the kernel hands requests to different workers.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/", headers={"Origin": origin, "Connection": "close"})
            response = connection.getresponse()
            body = response.read()
            acao = response.getheader("access-control-allow-origin")
            answer = Answer(json.loads(body)["worker"], response.status, acao == origin)
        finally:
            connection.close()
        self.pids.add(answer.pid)
        return answer

    def every_worker(self, origin: str, per_worker: int = 3, limit: int = 600) -> dict[int, list[Answer]]:
        """Ask until each of the workers answered ``per_worker`` times (bounded by ``limit`` requests)."""
        seen: dict[int, list[Answer]] = {}
        for _ in range(limit):
            answer = self.ask(origin)
            seen.setdefault(answer.pid, []).append(answer)
            if len(seen) == WORKERS and all(len(answers) >= per_worker for answers in seen.values()):
                return seen
        raise AssertionError(f"only {len(seen)} workers answered in {limit} requests: {sorted(seen)}")


@pytest.fixture
def workers(redis: RedisServer) -> Iterator[Workers]:
    writer = redis_py.Redis.from_url(redis.url, decode_responses=True)
    writer.sadd("cors:origins", KNOWN)
    writer.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shared_origins:app", "--workers", str(WORKERS), "--host", "127.0.0.1",
         "--port", str(port), "--app-dir", str(EXAMPLES), "--log-level", "warning"],
        env={**os.environ, "REDIS_URL": redis.url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    handle = Workers(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                handle.ask(KNOWN)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start: {process.stderr.read()!r}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield handle
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for pid in handle.pids:  # workers are the master's to stop; make sure none is left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_a_second_after(command: tuple[str, ...], redis: RedisServer) -> None:
    result = run_corskit("origins", *command, "--redis", redis.url)
    assert result.code == 0, result.stderr
    # Every worker's listener heard the announcement (the command counts them).
    assert f"{WORKERS} listening worker(s) notified" in result.stdout
    time.sleep(1.0)


def test_changes_outages_and_recovery_across_workers(redis: RedisServer, workers: Workers) -> None:
    before = workers.every_worker(TENANT)
    assert not any(answer.allowed for answers in before.values() for answer in answers)

    wait_a_second_after(("add", TENANT), redis)
    after_add = workers.every_worker(TENANT)
    refused = [answer for answers in after_add.values() for answer in answers if not answer.allowed]
    assert refused == [], "a second after 'add', some worker still refused the origin"

    wait_a_second_after(("remove", TENANT), redis)
    after_remove = workers.every_worker(TENANT)
    allowed = [answer for answers in after_remove.values() for answer in answers if answer.allowed]
    assert allowed == [], "a second after 'remove', some worker still allowed the origin"

    redis.stop()
    during_known = workers.every_worker(KNOWN)
    during_unknown = workers.every_worker(UNKNOWN)
    for answers in during_known.values():
        assert all(answer.status == 200 and answer.allowed for answer in answers)
    for answers in during_unknown.values():
        assert all(answer.status == 200 and not answer.allowed for answer in answers)

    redis.start()  # back, and empty: every worker must reconnect, resubscribe and reload
    deadline = time.monotonic() + 10
    while True:
        result = run_corskit("origins", "add", "--redis", redis.url, TENANT)
        assert result.code == 0, result.stderr
        if f"{WORKERS} listening worker(s) notified" in result.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # not every worker has resubscribed yet: announce again
    assert f"{WORKERS} listening worker(s) notified" in result.stdout
    time.sleep(1.0)
    recovered = workers.every_worker(TENANT)
    assert all(answer.allowed for answers in recovered.values() for answer in answers)
    gone = workers.every_worker(KNOWN)  # the restarted Redis no longer holds it: the copy was replaced
    assert not any(answer.allowed for answers in gone.values() for answer in answers)


def test_the_readme_recipe_is_the_example_the_workers_run() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Shared origins for many workers") :]
    block = section[section.index("```py\n") + len("```py\n") :]
    assert block[: block.index("```")] == (EXAMPLES / "shared_origins.py").read_text(encoding="utf-8")
