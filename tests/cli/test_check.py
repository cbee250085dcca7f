"""``corskit check`` as a subprocess against real servers; real Chromium decides what "blocked" means."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from support.cli import CLIResult, run_corskit
from support.cors_server import Answer, ScriptedServer
from support.servers import RecordingApp, ServerHandle, serve

from .cors_apps import Routes, corskit_app, inner_app, starlette_app
from .helpers import assert_one_line_error, free_port, run_on_terminal

PAGE = "app.localhost"
API = "api.localhost"
PAGES = r"http://app\.localhost:\d+"

ACAO = ("Access-Control-Allow-Origin", "$ORIGIN")
ACAC = ("Access-Control-Allow-Credentials", "true")


def _scripted() -> ScriptedServer:
    raw = ScriptedServer()
    raw.script("star-cred", actual=Answer(200, [("Access-Control-Allow-Origin", "*"), ACAC], "x"))
    raw.script("trailing-slash", actual=Answer(200, [("Access-Control-Allow-Origin", "$ORIGIN/")], "x"))
    raw.script("double-acao", actual=Answer(200, [ACAO, ACAO], "x"))
    raw.script("acac-capital", actual=Answer(200, [ACAO, ("Access-Control-Allow-Credentials", "True")], "x"))
    good = Answer(204, [ACAO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-token")])
    raw.script("good-preflight", preflight=good, actual=Answer(200, [ACAO, ("X-Hidden", "1")], "x"))
    raw.script(
        "preflight-redirect",
        preflight=Answer(307, [ACAO, ("Location", "/raw/c/good-preflight")]),
        actual=Answer(200, [ACAO], "x"),
    )
    raw.script(
        "methods-lower",
        preflight=Answer(204, [ACAO, ("Access-Control-Allow-Methods", "put")]),
        actual=Answer(200, [ACAO], "x"),
    )
    raw.script(
        "headers-star-cred",
        preflight=Answer(
            204, [ACAO, ACAC, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "*")]
        ),
        actual=Answer(200, [ACAO, ACAC], "x"),
    )
    raw.script(
        "methods-broken",
        preflight=Answer(204, [ACAO, ("Access-Control-Allow-Methods", "GET;PUT")]),
        actual=Answer(200, [ACAO], "x"),
    )
    # `*` in Access-Control-Allow-Headers: the engines let it cover Authorization, the standard does not.
    raw.script(
        "auth-star",
        preflight=Answer(204, [ACAO, ("Access-Control-Allow-Headers", "*")]),
        actual=Answer(200, [ACAO], "x"),
    )
    # CORS headers on the preflight only; an app failing with a bare 500.
    raw.script("preflight-only", preflight=good, actual=Answer(200, [], "x"))
    raw.script("error-500", actual=Answer(500, [], "Internal Server Error"))
    # A C1 control byte (CSI on some terminals) in a header value.
    raw.script("c1-control", actual=Answer(200, [("Access-Control-Allow-Origin", "http://evil\x9b2J")], "x"))
    # A redirect answered without CORS headers: the browser checks the redirect response too.
    raw.script("redirect-no-cors", actual=Answer(307, [("Location", "/raw/c/good-preflight")]))
    return raw


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[ServerHandle, RecordingApp]]:
    apps = {
        "ck": corskit_app(
            allow_origins=["http://app.localhost:*"],
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["x-token"],
            allow_credentials=True,
            expose_headers=["x-total"],
        ),
        "ck-plain": corskit_app(allow_origins=["http://app.localhost:*"]),
        "st-star-cred": starlette_app(
            allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]
        ),
        "st-regex": starlette_app(allow_origin_regex=PAGES),
        "bare": inner_app(),
        "raw": _scripted(),
    }
    recorder = RecordingApp(Routes(apps))
    with serve(recorder) as server:
        yield server, recorder


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    credentials: bool = False
    blocked: bool = False  # what Chromium does (checked against Chromium below, too)
    suggestions: tuple[str, ...] = ()  # text the fix must contain


CASES = [
    Case("simple-get", "/ck/items"),
    Case("put-allowed", "/ck/items", "PUT", {"X-Token": "1"}, credentials=True),
    Case("json-post", "/ck/items", "POST", {"Content-Type": "application/json"}),
    Case(
        "method-missing",
        "/ck/items",
        "DELETE",
        blocked=True,
        suggestions=("add 'DELETE' to allow_methods", "Access-Control-Allow-Methods must include DELETE"),
    ),
    Case(
        "header-missing",
        "/ck/items",
        "PUT",
        {"X-Other": "1"},
        blocked=True,
        suggestions=("add 'x-other' to allow_headers", "Access-Control-Allow-Headers must include x-other"),
    ),
    Case(
        "no-credentials",
        "/ck-plain/items",
        credentials=True,
        blocked=True,
        suggestions=("set allow_credentials=True", "Access-Control-Allow-Credentials must be exactly true"),
    ),
    Case("starlette-reflects", "/st-star-cred/items", "PUT", {"X-Token": "1"}, credentials=True),
    Case(
        "starlette-method",
        "/st-regex/items",
        "PUT",
        blocked=True,
        suggestions=("add 'PUT' to allow_methods", "Access-Control-Allow-Methods must include PUT"),
    ),
    Case(
        "no-cors-at-all",
        "/bare/items",
        blocked=True,
        suggestions=("to allow_origins", "Access-Control-Allow-Origin must be http://app.localhost:"),
    ),
    Case(
        "preflight-not-answered",
        "/bare/items",
        "PUT",
        blocked=True,
        suggestions=("outermost", "must have a 2xx status (it was 405)"),
    ),
    Case(
        "star-with-credentials",
        "/raw/c/star-cred",
        credentials=True,
        blocked=True,
        suggestions=("instead of '*'", "not *, when credentials are included"),
    ),
    Case(
        "trailing-slash", "/raw/c/trailing-slash", blocked=True, suggestions=("must be exactly http://app.localhost:",)
    ),
    Case("double-acao", "/raw/c/double-acao", blocked=True, suggestions=("must appear once",)),
    Case(
        "credentials-capital",
        "/raw/c/acac-capital",
        credentials=True,
        blocked=True,
        suggestions=("Access-Control-Allow-Credentials must be exactly true", "(it was 'True')"),
    ),
    Case("raw-preflight-ok", "/raw/c/good-preflight", "PUT", {"X-Token": "1"}),
    Case(
        "cors-on-preflight-only",
        "/raw/c/preflight-only",
        "PUT",
        {"X-Token": "1"},
        blocked=True,
        suggestions=("the actual response has no CORS headers", "not only on the preflight"),
    ),
    Case("authorization-under-star", "/raw/c/auth-star", headers={"Authorization": "Bearer 1"}),
    Case("error-without-cors", "/raw/c/error-500", blocked=True, suggestions=("the app failed (500)",)),
    Case(
        "redirect-without-cors",
        "/raw/c/redirect-no-cors",
        blocked=True,
        suggestions=("on the 307 redirect to /raw/c/good-preflight", "to allow_origins"),
    ),
    Case("preflight-redirect", "/raw/c/preflight-redirect", "PUT", blocked=True, suggestions=("not a redirect",)),
    Case(
        "methods-lower-case",
        "/raw/c/methods-lower",
        "PUT",
        blocked=True,
        suggestions=("Access-Control-Allow-Methods must include PUT",),
    ),
    Case(
        "headers-star-with-credentials",
        "/raw/c/headers-star-cred",
        "PUT",
        {"X-Token": "1"},
        credentials=True,
        blocked=True,
        suggestions=("Access-Control-Allow-Headers must include x-token", "'*' is taken literally"),
    ),
    Case(
        "methods-unparsable",
        "/raw/c/methods-broken",
        "PUT",
        blocked=True,
        suggestions=("Access-Control-Allow-Methods must be a comma-separated list", "'GET;PUT'"),
    ),
]


def _check(server: ServerHandle, origin: str, case: Case, *extra: str) -> CLIResult:
    args = ["check", server.url(f"{case.path}?case={case.id}&run=cli", host=API), "--origin", origin, "-X", case.method]
    for name, value in case.headers.items():
        args += ["-H", f"{name}: {value}"]
    if case.credentials:
        args.append("--credentials")
    return run_corskit(*args, *extra)


def _preflights(recorder: RecordingApp, case: Case, run: str) -> int:
    return len(recorder.find(path=case.path, method="OPTIONS", query=f"case={case.id}&run={run}"))


@pytest.mark.chromium
def test_verdicts_and_preflights_match_chromium(
    api: tuple[ServerHandle, RecordingApp], page_on_origin: Callable[[str], Any]
) -> None:
    server, recorder = api
    page = page_on_origin(PAGE)
    origin = page.origin
    inits = []
    for case in CASES:
        init: dict[str, Any] = {"method": case.method, "headers": case.headers}
        init["credentials"] = "include" if case.credentials else "same-origin"
        inits.append((server.url(f"{case.path}?case={case.id}&run=chromium", host=API), init))
    chromium = page.fetch_all(inits)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda case: _check(server, origin, case, "--json"), CASES))
    disagreements = []
    for case, truth, cli in zip(CASES, chromium, results, strict=True):
        report = json.loads(cli.stdout)
        browser_preflights = _preflights(recorder, case, "chromium")
        cli_preflights = _preflights(recorder, case, "cli")
        seen = (truth.blocked, report["blocked"], cli.code, browser_preflights, cli_preflights)
        expected = (case.blocked, truth.blocked, 1 if truth.blocked else 0, cli_preflights, browser_preflights)
        if seen != expected:
            disagreements.append(f"{case.id}: chromium/cli/exit/preflights {seen}, expected {expected}")
            continue
        assert (report["preflight"] is not None) == (cli_preflights == 1), case.id
        if truth.blocked:
            assert report["status"] is None and report["error"], case.id
            for text in case.suggestions:
                assert any(text in s for s in report["suggestions"]), (
                    f"{case.id}: {text!r} not in {report['suggestions']}"
                )
        else:
            assert report["status"] == truth.status, case.id
            assert report["headers"] == truth.headers, case.id
            assert report["suggestions"] == [] and report["error"] is None, case.id
    assert not disagreements, "\n".join(disagreements)


def test_profile_changes_the_verdict(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    case = Case("profile", "/raw/c/auth-star", headers={"Authorization": "Bearer 1"})
    chromium = _check(server, "http://app.localhost:1", case, "--json")
    standard = _check(server, "http://app.localhost:1", case, "--json", "--profile", "standard")
    assert (chromium.code, standard.code) == (0, 1)
    assert "Access-Control-Allow-Headers must include authorization" in " ".join(
        json.loads(standard.stdout)["suggestions"]
    )


def test_json_has_exactly_the_documented_keys(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = _check(server, "http://app.localhost:5173", CASES[1], "--json")
    report = json.loads(result.stdout)
    assert set(report) == {"blocked", "error", "status", "preflight", "headers", "suggestions"}
    assert set(report["preflight"]) == {"request_headers", "status", "response_headers"}
    assert report["preflight"]["request_headers"]["Access-Control-Request-Method"] == "PUT"
    assert report["preflight"]["request_headers"]["Access-Control-Request-Headers"] == "x-token"
    assert report["preflight"]["status"] == 200
    # expose_headers=["x-total"]: the page may read it.
    assert report["headers"]["x-total"] == "3"


def test_report_explains_the_preflight_and_the_fix(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    case = Case("x", "/ck/items", "DELETE", {"Content-Type": "application/json", "X-Other": "1"})
    result = _check(server, "http://app.localhost:5173", case)
    assert result.code == 1
    out = result.stdout
    assert "1. Preflight needed:" in out
    assert "the method DELETE is not CORS-safelisted" in out
    assert "the header content-type: application/json is not CORS-safelisted" in out
    assert "the header x-other is not CORS-safelisted" in out
    assert ">   Access-Control-Request-Method: DELETE" in out
    assert "<   access-control-allow-methods: get, post, put" in out.lower()
    assert "The actual request was not sent" in out
    assert "Verdict: BLOCKED" in out
    assert "Console: Access to fetch at" in out
    assert "corskit/FastAPI/Starlette: add 'DELETE' to allow_methods" in out
    assert "corskit/FastAPI/Starlette: add 'x-other' to allow_headers" in out
    assert "any server: Access-Control-Allow-Headers must include x-other" in out
    assert "\x1b[" not in out


def test_allowed_simple_request_report(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = _check(server, "http://app.localhost:5173", Case("x", "/ck/items"))
    assert result.code == 0
    assert "1. No preflight" in result.stdout
    assert "Verdict: ALLOWED (status 200)" in result.stdout
    assert "these headers: content-length, content-type, x-total" in result.stdout
    assert "note: sent but not readable" not in result.stdout


def test_allowed_request_notes_headers_the_page_cannot_read(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = _check(server, "http://app.localhost:1", Case("x", "/raw/c/good-preflight", "PUT", {"X-Token": "1"}))
    assert result.code == 0
    assert "note: sent but not readable by the page: x-hidden (to read them: add them to expose_headers" in (
        result.stdout
    )


@pytest.mark.starlette_reference  # older Starlette reflects the origin only when a Cookie is sent
def test_null_origin(api: tuple[ServerHandle, RecordingApp]) -> None:
    # A sandboxed iframe's page: Starlette's allow_origins=["*"] with credentials echoes even "null".
    server, _ = api
    case = Case("null", "/st-star-cred/items", "PUT", credentials=True)
    report = json.loads(_check(server, "null", case, "--json").stdout)
    assert report["blocked"] is False
    assert report["preflight"]["request_headers"]["Origin"] == "null"
    assert report["preflight"]["response_headers"]["access-control-allow-origin"] == "null"


def test_server_bytes_cannot_drive_the_terminal(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    result = _check(server, "http://app.localhost:1", Case("x", "/raw/c/c1-control"))
    assert result.code == 1
    assert "\x9b" not in result.stdout
    assert "<   Access-Control-Allow-Origin: http://evil\\x9b2J" in result.stdout


def test_all_methods_table_and_json(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    url = server.url("/ck/items", host=API)
    table = run_corskit("check", url, "--origin", "http://app.localhost:1", "--all-methods")
    assert table.code == 1
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines()[1:]}
    assert rows["GET"][1:3] == ["no", "allowed"]
    assert rows["PUT"][1:3] == ["yes", "allowed"]
    assert rows["DELETE"][1:3] == ["yes", "blocked"]
    assert "Access-Control-Allow-Methods must include PATCH" in " ".join(rows["PATCH"])
    report = json.loads(
        run_corskit("check", url, "--origin", "http://app.localhost:1", "--all-methods", "--json").stdout
    )
    assert list(report) == ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    assert [report[m]["blocked"] for m in report] == [False, False, False, False, True, True]


def test_unreachable_host_is_exit_2() -> None:
    port = free_port()
    result = run_corskit("check", f"http://127.0.0.1:{port}/", "--origin", "https://app.example.com")
    assert_one_line_error(result, f"cannot reach 127.0.0.1:{port}: connection refused")


def test_tls_error_is_exit_2(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    # https:// to a plain-HTTP server: the TLS handshake fails.
    result = run_corskit("check", f"https://127.0.0.1:{server.port}/ck/", "--origin", "https://app.example.com")
    assert_one_line_error(result, "TLS error")


def test_timeout_is_exit_2() -> None:
    # A server that accepts connections (the kernel's backlog) and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = run_corskit(
            "check", f"http://127.0.0.1:{port}/", "--origin", "https://app.example.com", "--timeout", "0.5"
        )
    assert_one_line_error(result, "no answer within 0.5 s")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["ftp://example.com/", "--origin", "https://a.example"], "must start with http:// or https://"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example/path"], "--origin must be scheme://host[:port]"),
        (["http://127.0.0.1:1/", "--origin", "app.example.com"], "--origin must be an origin"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example", "-H", "NoColon"], "-H must look like"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example", "-X", "CONNECT"], "fetch() would refuse"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example", "--timeout", "0"], "--timeout must be a positive"),
        (["http://127.0.0.1:1/", "--origin", "https://a.example", "--profile", "opera"], "invalid choice"),
        (["http://127.0.0.1:1/"], "the following arguments are required: --origin"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], text: str) -> None:
    assert_one_line_error(run_corskit("check", *args), text)


def test_help_documents_exit_codes() -> None:
    result = run_corskit("check", "--help")
    assert result.code == 0
    for line in ("0  the browser would allow", "1  the browser would block", "2  usage or network error"):
        assert line in result.stdout


def _on_terminal(*args: str, no_color: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    return run_on_terminal(*args, terminal="stdout", env=env)[0]


def test_colour_only_on_a_terminal_without_no_color(api: tuple[ServerHandle, RecordingApp]) -> None:
    server, _ = api
    args = ("check", server.url("/ck/items", host=API), "--origin", "http://app.localhost:1", "-X", "DELETE")
    assert "\x1b[31;1mVerdict: BLOCKED" in _on_terminal(*args, no_color=False)
    assert "\x1b[" not in _on_terminal(*args, no_color=True)
    assert "\x1b[" not in _on_terminal(*args, "--json", no_color=False)
