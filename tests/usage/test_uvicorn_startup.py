"""A refused configuration under ``uvicorn main:app``: printed once at startup, and the server exits.

FastAPI and Starlette construct ``add_middleware``'s middleware during the lifespan startup; uvicorn's
default ``--lifespan auto`` would take an exception there for "no lifespan support" and serve 500s.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.uvicorn_cli import get, run_uvicorn, uvicorn_serving

FASTAPI_APP = """
from fastapi import FastAPI
from corskit import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, {options})

@app.get("/")
def root() -> dict[str, str]:
    return {{"hello": "world"}}
"""

STARLETTE_APP = """
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from corskit import CORSMiddleware

app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("hi"))])
app.add_middleware(CORSMiddleware, {options})
"""

STARLETTE_LIST_APP = """
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from corskit import CORSMiddleware

app = Starlette(
    routes=[Route("/", lambda request: PlainTextResponse("hi"))],
    middleware=[Middleware(CORSMiddleware, {options})],
)
"""

APPS = {"fastapi": FASTAPI_APP, "starlette": STARLETTE_APP, "starlette-middleware-list": STARLETTE_LIST_APP}
# The most common FastAPI setup, plus a method browsers never send: two problems, both must be shown.
REFUSED = 'allow_origins=["*"], allow_credentials=True, allow_methods=["GET", "TRACE"]'


@pytest.mark.parametrize("kind", sorted(APPS))
def test_refused_configuration_stops_uvicorn_with_every_problem(tmp_path: Path, kind: str) -> None:
    result = run_uvicorn(tmp_path, APPS[kind].format(options=REFUSED))
    lines = result.stderr.splitlines()

    assert result.code == 3, result.stderr  # uvicorn's exit status for a failed startup
    heading = [i for i, line in enumerate(lines) if "the CORS configuration has 2 problems" in line]
    assert len(heading) == 1, result.stderr  # printed once
    first = heading[0]
    assert lines[first].startswith("ERROR:")
    problems = lines[first + 1 : first + 3]
    assert problems[0].startswith("  - [wildcard-with-credentials] allow_origins")
    assert problems[1].startswith("  - [method-forbidden] allow_methods") and "TRACE" in problems[1]
    assert lines[first + 3] == "ERROR:    Application startup failed. Exiting."
    # The server never pretends: no "startup complete", never listening, no traceback to dig through.
    assert "Application startup complete" not in result.stderr
    assert "Uvicorn running on" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "lifespan' protocol appears unsupported" not in result.stderr


@pytest.mark.parametrize("kind", ["fastapi", "starlette"])
def test_accepted_configuration_starts_and_serves(tmp_path: Path, kind: str) -> None:
    options = 'allow_origins=["https://app.example.com"], allow_credentials=True'
    with uvicorn_serving(tmp_path, APPS[kind].format(options=options)) as server:
        status, headers = get(server.url("/"), {"Origin": "https://app.example.com"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert "Application startup complete." in server.stderr
    assert "corskit" not in server.stderr


def test_with_lifespan_on_the_refusal_is_the_same(tmp_path: Path) -> None:
    result = run_uvicorn(tmp_path, FASTAPI_APP.format(options=REFUSED), "--lifespan", "on")
    assert result.code == 3
    assert result.stderr.count("the CORS configuration has 2 problems") == 1
    assert "Application startup failed. Exiting." in result.stderr


def test_without_lifespan_the_first_request_fails_with_the_problem_list(tmp_path: Path) -> None:
    with uvicorn_serving(tmp_path, FASTAPI_APP.format(options=REFUSED), "--lifespan", "off") as server:
        status, _ = get(server.url("/"), {"Origin": "https://app.example.com"})
    assert status == 500
    assert "corskit._errors.CORSConfigError: corskit: the CORS configuration has 2 problems:" in server.stderr
    assert "[wildcard-with-credentials]" in server.stderr and "[method-forbidden]" in server.stderr


def test_the_readme_shows_exactly_what_uvicorn_prints(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## When corskit refuses your configuration", 1)[1]
    source = re.search(r"```python\n(.*?)```", section, re.S)
    shown = re.search(r"```text\n(.*?)```", section, re.S)
    assert source is not None and shown is not None
    result = run_uvicorn(tmp_path, source.group(1))
    printed = re.sub(r"process \[\d+\]", "process [PID]", result.stderr).strip()
    assert printed == re.sub(r"process \[\d+\]", "process [PID]", shown.group(1)).strip()
    assert result.code == 3  # "exits with status 3", as the README says
