"""``corskit scan`` as a subprocess against real servers: every finding id is planted in at least one
server, and safe servers get nothing above info."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from support.cli import CLIResult, run_corskit
from support.cors_server import Answer, ScriptedServer
from support.servers import RecordingApp, ServerHandle, serve

from .cors_apps import Routes, corskit_app, hand_written, starlette_app
from .helpers import assert_one_line_error, free_port, run_on_terminal

TRUSTED = "https://app.example.com"
CRED = {"allow_credentials": True}


def _echo_any(origin: str | None, cookie: str | None, preflight: bool) -> list[tuple[str, str]]:
    # Hand-written reflection, without Vary: Origin.
    if origin is None:
        return []
    return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]


def _echo_without_credentials(origin: str | None, cookie: str | None, preflight: bool) -> list[tuple[str, str]]:
    return [] if origin is None else [("Access-Control-Allow-Origin", origin)]


def _echo_with_cookie_only(origin: str | None, cookie: str | None, preflight: bool) -> list[tuple[str, str]]:
    # Like older Starlette releases with allow_origins=["*"] and credentials: echo only when a Cookie is sent.
    if origin is None:
        return []
    if cookie is None:
        return [("Access-Control-Allow-Origin", "*")]
    return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]


def _trusted_without_vary(origin: str | None, cookie: str | None, preflight: bool) -> list[tuple[str, str]]:
    # A correct origin check whose answer varies with Origin, but without saying so to caches.
    if origin != TRUSTED:
        return []
    headers = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
    if preflight:
        headers.append(("Access-Control-Allow-Headers", "content-type"))
    return headers


def _raw() -> ScriptedServer:
    raw = ScriptedServer()
    # `*` with credentials: a browser never lets a credentialed request read this.
    raw.script(
        "star-and-credentials",
        preflight=Answer(204, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]),
        actual=Answer(200, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")], "x"),
    )
    # The same fixed origin for every request: no need for Vary.
    fixed = [("Access-Control-Allow-Origin", TRUSTED), ("Access-Control-Allow-Credentials", "true")]
    raw.script("fixed-origin", preflight=Answer(204, fixed), actual=Answer(200, fixed, "x"))
    # The Origin echoed twice: not readable.
    twice = [("Access-Control-Allow-Origin", "$ORIGIN"), ("Access-Control-Allow-Origin", "$ORIGIN")]
    raw.script("echoed-twice", preflight=Answer(204, twice), actual=Answer(200, twice, "x"))
    return raw


SERVERS: dict[str, Any] = {
    # Safe ones.
    "corskit-exact": corskit_app(allow_origins=[TRUSTED], allow_methods=["GET", "PUT"], **CRED),
    "corskit-public": corskit_app(allow_origins=["*"]),
    "starlette-exact": starlette_app(allow_origins=[TRUSTED], allow_headers=["*"], **CRED),
    "starlette-public": starlette_app(allow_origins=["*"]),
    # Misconfigured Starlette.
    "starlette-star-credentials": starlette_app(allow_origins=["*"], **CRED),
    "starlette-suffix-regex": starlette_app(allow_origin_regex=r"https://.*example\.com", **CRED),
    "starlette-prefix-regex": starlette_app(allow_origin_regex=r"https://app\.example\.com.*", **CRED),
    "starlette-dot-regex": starlette_app(allow_origin_regex=r"https://app.example.com", **CRED),
    "starlette-http-twin": starlette_app(allow_origins=[TRUSTED, "http://app.example.com"], **CRED),
    "starlette-http-twin-public": starlette_app(allow_origins=[TRUSTED, "http://app.example.com"]),
    "starlette-null": starlette_app(allow_origins=[TRUSTED, "null"], **CRED),
    "starlette-github-io": starlette_app(
        allow_origin_regex=r"https://[a-z-]+\.github\.io|https://app\.example\.com", **CRED
    ),
    "corskit-subdomains": corskit_app(allow_origins=["https://*.example.com"], **CRED),
    "starlette-letters-subdomain": starlette_app(allow_origin_regex=r"https://[a-z]+\.example\.com"),
    # Hand-written and raw broken headers.
    "echo-any": hand_written(_echo_any),
    "echo-with-cookie-only": hand_written(_echo_with_cookie_only),
    "echo-without-credentials": hand_written(_echo_without_credentials),
    "trusted-without-vary": hand_written(_trusted_without_vary),
    "raw": _raw(),
}

# server path -> {finding id: (severity, readable with credentials)}; exactly these findings.
EXPECTED: dict[str, dict[str, tuple[str, bool]]] = {
    "corskit-exact": {},
    "corskit-public": {"wildcard-origin": ("info", False)},
    "starlette-exact": {},
    "starlette-public": {"wildcard-origin": ("info", False)},
    "raw/c/star-and-credentials": {"wildcard-origin": ("info", False)},
    "raw/c/fixed-origin": {},
    "raw/c/echoed-twice": {},
    "starlette-star-credentials": {"reflects-any-origin": ("high", True), "null-origin": ("high", True)},
    "starlette-suffix-regex": {"suffix-match": ("high", True), "any-subdomain": ("low", True)},
    "starlette-prefix-regex": {"prefix-match": ("high", True)},
    "starlette-dot-regex": {"unescaped-dot": ("high", True)},
    "starlette-http-twin": {"insecure-origin": ("medium", True)},
    "starlette-http-twin-public": {"insecure-origin": ("low", False)},
    "starlette-null": {"null-origin": ("high", True)},
    "starlette-github-io": {"third-party-origin": ("high", True)},
    "corskit-subdomains": {"any-subdomain": ("low", True)},
    "starlette-letters-subdomain": {"any-subdomain": ("low", False)},
    "echo-without-credentials": {
        "reflects-any-origin": ("low", False),
        "null-origin": ("low", False),
        "missing-vary": ("medium", False),
    },
    "echo-any": {
        "reflects-any-origin": ("high", True),
        "null-origin": ("high", True),
        "missing-vary": ("medium", True),
    },
    "echo-with-cookie-only": {
        "reflects-any-origin": ("high", True),
        "null-origin": ("high", True),
        "wildcard-origin": ("info", False),
    },
    "trusted-without-vary": {"missing-vary": ("medium", True)},
}


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[ServerHandle, RecordingApp]]:
    recorder = RecordingApp(Routes(SERVERS))
    with serve(recorder) as server:
        yield server, recorder


@pytest.fixture(scope="module")
def reports(api: tuple[ServerHandle, RecordingApp]) -> dict[str, tuple[CLIResult, dict[str, Any]]]:
    server, _ = api

    def scan(path: str) -> tuple[CLIResult, dict[str, Any]]:
        result = run_corskit("scan", server.url(f"/{path}/items"), "--origin", TRUSTED, "--json")
        return result, json.loads(result.stdout)

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(EXPECTED, pool.map(scan, EXPECTED), strict=True))


# Starlette before 1.x answers "*" with credentials by reflecting the origin only when a Cookie comes along
# (and "*" otherwise): the expected findings for Starlette's servers are those of the Starlette under test.
STARLETTE_SPECIFIC = {"starlette-star-credentials"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.starlette_reference) if path in STARLETTE_SPECIFIC else path
        for path in EXPECTED
    ],
)
def test_findings(path: str, reports: dict[str, tuple[CLIResult, dict[str, Any]]]) -> None:
    result, report = reports[path]
    found = {f["id"]: (f["severity"], f["credentials"]) for f in report["findings"]}
    assert found == EXPECTED[path]
    above_info = any(severity != "info" for severity, _ in EXPECTED[path].values())
    assert result.code == (1 if above_info else 0), result.stderr


def test_every_documented_id_is_planted() -> None:
    planted = {finding for findings in EXPECTED.values() for finding in findings}
    help_text = run_corskit("scan", "--help").stdout
    table = help_text.split("finding ids", 1)[1].split("exit codes", 1)[0]
    documented = {line.split()[0] for line in table.splitlines()[1:] if line.strip()}
    assert documented == planted


def test_finding_shape_and_evidence(reports: dict[str, tuple[CLIResult, dict[str, Any]]]) -> None:
    _, report = reports["starlette-suffix-regex"]
    assert set(report) == {"url", "findings", "probes"}
    assert report["url"].endswith("/starlette-suffix-regex/items")
    finding = next(f for f in report["findings"] if f["id"] == "suffix-match")
    assert set(finding) == {"id", "severity", "origin", "credentials", "evidence", "explanation", "fix"}
    assert finding["origin"] == "https://evilexample.com"
    request = finding["evidence"]["request"]
    assert request["request_headers"]["Origin"] == "https://evilexample.com"
    assert request["request_headers"]["Cookie"]
    assert request["response_headers"]["access-control-allow-origin"] == "https://evilexample.com"
    assert request["response_headers"]["access-control-allow-credentials"] == "true"
    assert "example.com" in finding["explanation"]
    assert "allow_origin_regex" in finding["fix"]["config"]
    assert finding["fix"]["header"].startswith("Access-Control-Allow-Origin")


def test_credentialed_probes_carry_a_cookie_and_preflights_do_not(
    api: tuple[ServerHandle, RecordingApp], reports: dict[str, tuple[CLIResult, dict[str, Any]]]
) -> None:
    _, recorder = api
    received = recorder.find(path="/corskit-exact/items")
    preflights = [r for r in received if r.method == "OPTIONS"]
    actual = [r for r in received if r.method == "GET" and r.header("origin") is not None]
    assert preflights and actual
    assert all(r.header("cookie") is None for r in preflights)
    with_cookie = [r for r in actual if r.header("cookie") is not None]
    assert 0 < len(with_cookie) < len(actual)
    # Bounded: the number of fetches reported, each at most a preflight and a request (plus the baseline).
    probes = reports["corskit-exact"][1]["probes"]
    assert 8 <= probes <= 80
    assert len(received) <= 2 * probes + 1


class InFlight:
    """An app that answers after a short pause and remembers how many requests it held at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.app = starlette_app(allow_origins=[TRUSTED])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.05)
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


def test_probes_run_at_most_four_at_a_time() -> None:
    counter = InFlight()
    with serve(counter) as server:
        result = run_corskit("scan", server.url("/items"), "--origin", TRUSTED, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["probes"] == 48
    assert 1 <= counter.most <= 4


def test_fail_on(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    public = server.url("/corskit-public/items")
    assert run_corskit("scan", public, "--fail-on", "info").code == 1
    assert run_corskit("scan", public, "--fail-on", "low").code == 0
    twin = server.url("/starlette-http-twin/items")
    assert run_corskit("scan", twin, "--origin", TRUSTED, "--fail-on", "high").code == 0
    assert run_corskit("scan", twin, "--origin", TRUSTED, "--fail-on", "medium").code == 1


@pytest.mark.starlette_reference
def test_without_trusted_origin_looks_alikes_come_from_the_target(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = run_corskit("scan", server.url("/starlette-star-credentials/items"), "--json")
    found = {f["id"] for f in json.loads(result.stdout)["findings"]}
    assert found == {"reflects-any-origin", "null-origin"}
    assert result.code == 1


def test_table_output(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = run_corskit("scan", server.url("/echo-any/items"), "--origin", TRUSTED)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert "3 finding(s)" in lines[0]
    header = next(i for i, line in enumerate(lines) if line.startswith("severity"))
    assert lines[header].split() == ["severity", "id", "origin", "readable", "with", "cookies"]
    assert lines[header + 1].split()[:2] == ["high", "null-origin"]
    assert lines[header + 2].split()[:2] == ["high", "reflects-any-origin"]
    assert lines[header + 3].split()[:2] == ["medium", "missing-vary"]
    assert "fix (corskit/FastAPI/Starlette):" in result.stdout
    assert "\x1b[" not in result.stdout and "probing" not in result.stderr
    safe = run_corskit("scan", server.url("/corskit-exact/items"), "--origin", TRUSTED)
    assert safe.code == 0
    assert "No finding: no probe origin could read this URL." in safe.stdout
    assert "itself cannot read" not in safe.stdout


def test_notes_when_the_trusted_origin_itself_is_refused(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    url = server.url("/corskit-exact/items")
    result = run_corskit("scan", url, "--origin", "https://other.example.org")
    assert result.code == 0
    assert f"note: https://other.example.org itself cannot read this URL (try: corskit check {url}" in result.stdout


def test_unreachable_is_exit_2() -> None:
    port = free_port()
    assert_one_line_error(
        run_corskit("scan", f"http://127.0.0.1:{port}/"), f"cannot reach 127.0.0.1:{port}: connection"
    )


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["example.com"], "must start with http:// or https://"),
        (["http://127.0.0.1:1/", "--origin", "null"], "not null"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example/x"], "--origin must be scheme://host[:port]"),
        (["http://127.0.0.1:1/", "--fail-on", "critical"], "invalid choice"),
        (["http://127.0.0.1:1/", "--max-time", "-1"], "must be positive"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], text: str) -> None:
    assert_one_line_error(run_corskit("scan", *args), text)


def test_total_time_is_bounded() -> None:
    # Accepts connections and never answers: the scan stops at --max-time, well before --timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = run_corskit("scan", f"http://127.0.0.1:{port}/", "--timeout", "30", "--max-time", "1")
        elapsed = time.monotonic() - started
    assert_one_line_error(result, "did not finish within 1 s (--max-time)")
    assert elapsed < 20


def test_help_documents_exit_codes() -> None:
    result = run_corskit("scan", "--help")
    assert result.code == 0
    assert "1  a finding at or above --fail-on (default low)" in result.stdout
    assert "2  usage or network error" in result.stdout


def test_progress_only_on_a_terminal(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    args = ("scan", server.url("/corskit-exact/items"), "--origin", TRUSTED)
    env = {**os.environ, "NO_COLOR": "1"}
    terminal, stdout = run_on_terminal(*args, terminal="stderr", env=env)
    assert "\rprobing 1/48" in terminal and "probing 48/48" in terminal
    assert "probing" not in stdout and "finding(s)" in stdout
    terminal, _ = run_on_terminal(*args, "--json", terminal="stderr", env=env)
    assert "probing" not in terminal


def test_building_the_commands_loads_neither_httpx_nor_the_simulator() -> None:
    # `corskit --help` and argument errors stay fast: check's and scan's dependencies load in run().
    heavy = ("httpx", "asyncio", "corskit.browser", "publicsuffixlist")
    probe = (
        "import sys; from corskit.cli import build_parser; build_parser(); "
        f"print(*[m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == []
