"""``corskit lint APP``: the real command, run as a subprocess on small apps (tests/cli/lint_apps/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.cli import CLIResult, run_corskit

APPS = Path(__file__).resolve().parent / "lint_apps"


def lint(*args: str, app_dir: Path = APPS) -> CLIResult:
    return run_corskit("lint", *args, "--app-dir", str(app_dir))


def lint_json(*args: str, app_dir: Path = APPS) -> tuple[int, dict[str, Any]]:
    result = lint(*args, "--json", app_dir=app_dir)
    assert "Traceback" not in result.stderr
    return result.code, json.loads(result.stdout)


def codes(report: dict[str, Any]) -> list[str]:
    return [problem["code"] for problem in report["problems"]]


def only(report: dict[str, Any], code: str) -> dict[str, Any]:
    found = [problem for problem in report["problems"] if problem["code"] == code]
    assert len(found) == 1, report["problems"]
    return found[0]


# --- CORS configurations, judged as corskit judges them ---------------------------------------------


def test_starlette_wildcard_with_credentials_says_starlette_reflects_every_origin() -> None:
    result = lint("cors_config:starlette_wildcard")
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # one problem, then the summary
    assert lines[0].startswith("cors_config:starlette_wildcard, CORSMiddleware (Starlette's): ")
    assert "[wildcard-with-credentials] allow_origins: " in lines[0]
    assert "echoing it back with Access-Control-Allow-Credentials: true" in lines[0]
    assert lines[1].startswith("cors_config:starlette_wildcard: 1 problem;")


def test_fastapi_plain_string_is_not_a_list_and_substring_matched() -> None:
    code, report = lint_json("cors_config:fastapi_string")
    assert code == 1
    problem = only(report, "not-a-list")
    assert problem["parameter"] == "allow_origins"
    assert problem["middleware"] == "CORSMiddleware (Starlette's)"
    assert "substring" in problem["message"]


# Middleware(cls, *args) and Starlette's own attributes as Starlette 1.x has them.
@pytest.mark.starlette_reference
def test_every_problem_of_one_configuration_is_listed_positional_arguments_too() -> None:
    code, report = lint_json("cors_config:two_problems")
    assert code == 1
    assert codes(report) == ["origin-uppercase", "method-forbidden"]
    assert "Use 'https://app.example.com'" in report["problems"][0]["message"]


# Middleware(cls, *args) and Starlette's own attributes as Starlette 1.x has them.
@pytest.mark.starlette_reference
def test_codes_are_the_ones_corskit_raises() -> None:
    from corskit import CORSConfigError, CORSMiddleware

    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(None, ["https://App.example.com"], ["GET", "TRACE"])  # type: ignore[arg-type]
    _, report = lint_json("cors_config:two_problems")
    assert [(p["code"], p["parameter"], p["message"]) for p in report["problems"]] == [
        (p.code, p.parameter, p.message) for p in raised.value.problems
    ]


def test_corskit_config_refused_only_when_the_stack_is_built() -> None:
    # The module imports without error: the refusal would only surface when the server starts.
    imported = subprocess.run(
        [sys.executable, "-c", "import cors_config; cors_config.hidden"],
        cwd=APPS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    code, report = lint_json("cors_config:hidden")
    assert code == 1
    problem = only(report, "wildcard-with-credentials")
    assert problem["middleware"] == "CORSMiddleware (corskit)"
    assert "fails at startup" in problem["message"]


def test_misspelt_argument_to_corskit_is_refused_at_startup() -> None:
    code, report = lint_json("cors_config:typo")
    assert code == 1
    problem = only(report, "unknown-option")
    assert problem["parameter"] == "allow_origin"
    assert "fails at startup" in problem["message"]


def test_misspelt_argument_to_starlette_is_named_and_reported_once() -> None:
    code, report = lint_json("cors_config:starlette_typo")
    assert code == 1
    assert codes(report) == ["unknown-option"]
    assert report["problems"][0]["parameter"] == "allow_origin"
    assert "TypeError" in report["problems"][0]["message"]


def test_corskit_only_argument_given_to_starlette_fails_its_stack_build() -> None:
    code, report = lint_json("cors_config:starlette_corskit_option")
    assert code == 1
    problem = only(report, "stack-build-failed")
    assert "allow_origin_func" in problem["message"]


def test_problem_in_a_mounts_middleware_names_the_mount() -> None:
    result = lint("cors_config:mounted")
    assert result.code == 1
    assert result.stdout.startswith("cors_config:mounted mount /v1, CORSMiddleware (Starlette's, wrapper): ")
    assert "[origin-trailing-slash]" in result.stdout


def test_problem_in_an_app_behind_a_host_route_names_the_host() -> None:
    code, report = lint_json("cors_config:hosted")
    assert code == 1
    assert only(report, "origin-null")["mount"] == "host api.example.com"


def test_starlette_middleware_wrapping_the_app_is_read_back_and_judged() -> None:
    code, report = lint_json("cors_config:starlette_instance")
    assert code == 1
    assert codes(report) == ["max-age-range"]
    assert report["problems"][0]["middleware"] == "CORSMiddleware (Starlette's, wrapper)"


def test_corskit_pattern_given_to_starlette_never_matches() -> None:
    code, report = lint_json("cors_config:starlette_pattern")
    assert code == 1
    problem = only(report, "starlette-origin-pattern")
    assert "'https://*.example.com'" in problem["message"]
    assert "literally" in problem["message"]
    # corskit itself accepts the pattern, so the summary does not say corskit would refuse it.
    assert "refuses" not in report["summary"]


# Middleware(cls, *args) and Starlette's own attributes as Starlette 1.x has them.
@pytest.mark.starlette_reference
def test_starlette_subclass_with_its_own_arguments_is_read_back() -> None:
    code, report = lint_json("cors_config:subclassed")
    assert code == 1
    problem = only(report, "wildcard-with-credentials")
    assert problem["middleware"] == "ProductionCORS (Starlette's CORSMiddleware)"


def test_string_false_for_credentials_turns_them_on_in_starlette() -> None:
    code, report = lint_json("cors_config:regex_and_types")
    assert code == 1
    assert sorted(codes(report)) == ["expose-set-cookie", "not-a-bool", "regex-suffix-match"]
    assert "'false' included, turns credentials on" in only(report, "not-a-bool")["message"]
    assert "evilexample.com" in only(report, "regex-suffix-match")["message"]


# --- the stack around the CORS middleware ----------------------------------------------------------


def test_trusted_host_added_after_cors_is_outside_it() -> None:
    code, report = lint_json("stack:trusted_outside")
    assert code == 1
    problem = only(report, "answers-outside-cors")
    assert problem["middleware"] == "TrustedHostMiddleware"
    assert "400" in problem["message"]
    fix = "app.add_middleware(CORSMiddleware, ...) after app.add_middleware(TrustedHostMiddleware, ...)"
    assert fix in problem["message"]


def test_trusted_host_first_in_a_middleware_list_is_outside_cors() -> None:
    code, report = lint_json("stack:listed_outside")
    assert code == 1
    assert codes(report) == ["answers-outside-cors"]
    fix = "Middleware(CORSMiddleware, ...) before Middleware(TrustedHostMiddleware, ...)"
    assert fix in report["problems"][0]["message"]


def test_function_middleware_that_answers_401_is_recognized_by_its_code() -> None:
    code, report = lint_json("stack:key_check_outside")
    assert code == 1
    problem = only(report, "answers-outside-cors")
    assert "require_key" in problem["middleware"]
    assert "JSONResponse" in problem["message"]
    assert '@app.middleware("http") function require_key' in problem["message"]


def test_raw_asgi_middleware_sending_429_is_recognized_by_its_code() -> None:
    code, report = lint_json("stack:gatekeeper_outside")
    assert code == 1
    problem = only(report, "answers-outside-cors")
    assert problem["middleware"] == "Gatekeeper (wrapper)"
    assert "429" in problem["message"]
    assert "CORSMiddleware(Gatekeeper(...), ...)" in problem["message"]


def test_middleware_named_like_authentication_is_assumed_to_answer() -> None:
    code, report = lint_json("stack:auth_wrapper_outside")
    assert code == 1
    assert "TokenAuthMiddleware" in only(report, "answers-outside-cors")["message"]


def test_not_answering_overrides_the_name_heuristic() -> None:
    code, report = lint_json("stack:auth_wrapper_outside", "--not-answering", "TokenAuthMiddleware")
    assert code == 0
    assert report["problems"] == []


def test_middleware_that_only_adds_headers_outside_cors_is_fine() -> None:
    result = lint("stack:timing_outside")
    assert result.code == 0, result.stdout
    assert "no problems" in result.stdout


def test_answering_marks_a_middleware_the_heuristics_miss() -> None:
    code, report = lint_json("stack:timing_outside", "--answering", "stack.ServerTiming")
    assert code == 1
    assert only(report, "answers-outside-cors")["middleware"] == "ServerTiming (wrapper)"


def test_cors_added_twice_to_one_app() -> None:
    code, report = lint_json("stack:twice")
    assert code == 1
    problem = only(report, "cors-duplicate")
    # corskit's was added last, so it is the outer one; Starlette's inside it is the duplicate.
    assert problem["middleware"] == "CORSMiddleware (Starlette's)"
    assert "CORSMiddleware (corskit)" in problem["message"]
    assert [m["kind"] for m in report["cors_middleware"]] == ["corskit", "starlette"]


def test_cors_in_a_sub_app_and_in_its_parent() -> None:
    code, report = lint_json("stack:parent_and_sub")
    assert code == 1
    problem = only(report, "cors-duplicate")
    assert problem["mount"] == "/api"
    assert "path_policies" in problem["message"]


def test_parents_middleware_is_outside_a_sub_apps_cors() -> None:
    code, report = lint_json("stack:parent_guard")
    assert code == 1
    problem = only(report, "answers-outside-cors")
    assert problem["mount"] == ""
    assert "mount /api" in problem["message"]


def test_other_middleware_failing_to_build_is_reported_where_it_is() -> None:
    code, report = lint_json("stack:bad_gzip")
    assert code == 1
    problem = only(report, "stack-build-failed")
    assert problem["middleware"] == "GZipMiddleware"
    assert "minimum_sise" in problem["message"]


def test_wrapper_whose_inner_app_property_fails_is_where_the_walk_stops() -> None:
    result = lint("stack:lazy")
    assert result.code == 0
    assert "no CORS middleware found" in result.stdout
    assert "Traceback" not in result.stderr


# --- clean apps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app", ["clean:fastapi_app", "clean:starlette_app", "clean:wrapped", "clean:holder.app", "clean:no_cors"]
)
def test_clean_apps_exit_0(app: str) -> None:
    result = lint(app)
    assert result.code == 0, result.stdout
    assert result.stdout.splitlines() == [result.stdout.strip()]  # the summary only
    assert f"{app}: no problems" in result.stdout
    assert result.stderr == ""


def test_clean_summary_counts_what_was_checked() -> None:
    code, report = lint_json("clean:fastapi_app")
    assert code == 0
    assert report["middleware_checked"] == 3
    assert report["cors_middleware"] == [{"kind": "corskit", "app": "clean:fastapi_app", "mount": ""}]


def test_an_app_without_cors_says_so() -> None:
    assert "no CORS middleware found" in lint("clean:no_cors").stdout


# --- factories, import strings, the directory ---------------------------------------------------------


def test_factory_is_called_with_factory() -> None:
    code, report = lint_json("factories:create_app", "--factory")
    assert code == 1
    assert codes(report) == ["wildcard-with-credentials"]
    assert lint("factories:create_clean_app", "--factory").code == 0


def test_factory_without_the_flag_is_called_as_uvicorn_does() -> None:
    result = lint("factories:create_app")
    assert result.code == 1
    assert "[wildcard-with-credentials]" in result.stdout
    assert "pass --factory" in result.stderr


def test_failing_factory_is_exit_2_with_its_error() -> None:
    result = lint("factories:create_broken_app", "--factory")
    assert result.code == 2
    assert result.stderr_lines == [
        "corskit lint: error: the factory factories:create_broken_app raised "
        "RuntimeError: DATABASE_URL is not set (factories.py, line 22)"
    ]


def test_function_taking_arguments_is_not_an_app() -> None:
    result = lint("factories:create_with")
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    assert "not an ASGI app" in result.stderr


def test_current_directory_is_on_sys_path_for_the_console_script() -> None:
    # The console script, unlike `python -m`, does not put the current directory on sys.path itself.
    script = Path(sys.executable).parent / "corskit"
    completed = subprocess.run(
        [str(script), "lint", "clean:wrapped"], cwd=APPS, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "clean:wrapped: no problems" in completed.stdout


# --- apps that cannot be imported or found: exit 2, one line, never a traceback ------------------------


def write(directory: Path, name: str, source: str) -> None:
    (directory / f"{name}.py").write_text(source, encoding="utf-8")


def test_missing_module(tmp_path: Path) -> None:
    result = lint("no_such_module:app", app_dir=tmp_path)
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    assert "cannot import module 'no_such_module'" in result.stderr
    assert str(tmp_path) in result.stderr


def test_modules_own_import_error_is_named(tmp_path: Path) -> None:
    write(tmp_path, "needs_dep", "import os\nimport some_dependency_not_installed\napp = None\n")
    result = lint("needs_dep:app", app_dir=tmp_path)
    assert result.code == 2
    assert result.stderr_lines == [
        "corskit lint: error: importing module 'needs_dep' failed: ModuleNotFoundError: "
        "No module named 'some_dependency_not_installed' (needs_dep.py, line 2)"
    ]


def test_exception_in_the_modules_code(tmp_path: Path) -> None:
    write(tmp_path, "broken", "settings = {}\nDATABASE = settings['database']\n")
    result = lint("broken:app", app_dir=tmp_path)
    assert result.code == 2
    assert "KeyError: 'database' (broken.py, line 2)" in result.stderr
    assert "Traceback" not in result.stderr


def test_multi_line_error_from_the_app_stays_one_line(tmp_path: Path) -> None:
    write(tmp_path, "settings_fail", "raise ValueError('2 validation errors\\n  database_url\\n    missing')\n")
    result = lint("settings_fail:app", app_dir=tmp_path)
    assert result.code == 2
    assert result.stderr_lines == [
        "corskit lint: error: importing module 'settings_fail' failed: "
        "ValueError: 2 validation errors database_url missing (settings_fail.py, line 1)"
    ]


def test_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "typo", "app = FastAPI(\n")
    result = lint("typo:app", app_dir=tmp_path)
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    assert "SyntaxError" in result.stderr
    assert "typo.py, line 1" in result.stderr


def test_module_calling_sys_exit(tmp_path: Path) -> None:
    write(tmp_path, "exits", "import sys\nsys.exit('missing settings')\n")
    result = lint("exits:app", app_dir=tmp_path)
    assert result.code == 2
    assert "sys.exit('missing settings')" in result.stderr


def test_missing_attribute_lists_what_the_module_has() -> None:
    result = lint("clean:application")
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    assert "module 'clean' has no attribute 'application'" in result.stderr
    assert "fastapi_app" in result.stderr


def test_missing_dotted_attribute() -> None:
    result = lint("clean:holder.api")
    assert result.code == 2
    assert "no attribute 'holder.api'" in result.stderr


@pytest.mark.parametrize("app", ["clean", "clean:", ":app"])
def test_import_string_without_module_and_attribute(app: str) -> None:
    result = lint(app)
    assert result.code == 2
    assert result.stderr_lines == [f"corskit lint: error: APP must be MODULE:ATTRIBUTE, such as main:app (got {app!r})"]


def test_not_an_app() -> None:
    result = lint("clean:ORIGINS")
    assert result.code == 2
    assert "is a list, not an ASGI app" in result.stderr


def test_corskit_refusing_at_import_time_is_a_finding(tmp_path: Path) -> None:
    write(
        tmp_path,
        "eager",
        "import corskit\n\nasync def inner(scope, receive, send): ...\n\n"
        "app = corskit.CORSMiddleware(inner, allow_origins=['*'], allow_credentials=True)\n",
    )
    code, report = lint_json("eager:app", app_dir=tmp_path)
    assert code == 1
    problem = only(report, "wildcard-with-credentials")
    assert "eager.py, line 5" in problem["middleware"]


def test_readme_transcript_is_what_the_command_prints(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### `corskit lint`") :]
    source = section[section.index("```python\n# main.py\n") + len("```python\n") :]
    (tmp_path / "main.py").write_text(source[: source.index("```")], encoding="utf-8")
    transcript = section[section.index("$ corskit lint main:app\n") :].splitlines()
    shown = transcript[1 : transcript.index("$ echo $?")]
    result = lint("main:app", app_dir=tmp_path)
    assert result.stdout.splitlines() == shown
    assert str(result.code) == transcript[transcript.index("$ echo $?") + 1]


# --- output ----------------------------------------------------------------------------------------------


def test_apps_own_prints_do_not_break_json(tmp_path: Path) -> None:
    write(
        tmp_path,
        "noisy",
        "import corskit\nprint('connecting to the database')\n\nasync def inner(scope, receive, send): ...\n\n"
        "app = corskit.CORSMiddleware(inner, allow_origins=['https://a.example.com'])\n",
    )
    code, report = lint_json("noisy:app", app_dir=tmp_path)
    assert code == 0
    assert report["problems"] == []


def test_help_says_importing_runs_the_apps_code() -> None:
    result = run_corskit("lint", "--help")
    assert result.code == 0
    assert "RUNS ITS CODE" in result.stdout
    assert "--factory" in result.stdout
    assert "--app-dir" in result.stdout


def test_lint_is_listed_in_the_commands_help() -> None:
    result = run_corskit("--help")
    assert "lint" in result.stdout
