"""The seed's FastAPI example (examples/seed_app.py) with corskit, and FastAPI's own test of that example.

The same configuration is also run on a plain Starlette app, and the example is served for real with
``python -m uvicorn examples.seed_app:app``, the way a new user runs it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import corskit

ROOT = Path(__file__).resolve().parents[2]
SEED_ORIGINS = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
]


def load_seed_app() -> Any:
    spec = importlib.util.spec_from_file_location("corskit_seed_app", ROOT / "examples" / "seed_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def starlette_seed_app() -> Starlette:
    async def main(request: Any) -> JSONResponse:
        return JSONResponse({"message": "Hello World"})

    return Starlette(
        routes=[Route("/", main)],
        middleware=[
            Middleware(
                corskit.CORSMiddleware,
                allow_origins=SEED_ORIGINS,
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
            )
        ],
    )


def test_seed_app_uses_corskit_with_the_seeds_configuration() -> None:
    app = load_seed_app()
    [middleware] = [m for m in app.user_middleware if m.cls is corskit.CORSMiddleware]
    assert middleware.kwargs == {
        "allow_origins": SEED_ORIGINS,
        "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
    }
    source = (ROOT / "examples" / "seed_app.py").read_text()
    assert "from corskit import CORSMiddleware" in source
    assert "fastapi.middleware.cors" not in source


@pytest.fixture(params=["fastapi", "starlette"])
def client(request: pytest.FixtureRequest) -> TestClient:
    app = load_seed_app() if request.param == "fastapi" else starlette_seed_app()
    return TestClient(app)


def test_fastapis_own_test_of_the_example(client: TestClient) -> None:
    # FastAPI's tests/test_tutorial/test_cors/test_tutorial001.py, with the example now on corskit.
    headers = {
        "Origin": "https://localhost.tiangolo.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Example",
    }
    response = client.options("/", headers=headers)
    assert response.status_code == 200, response.text
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "https://localhost.tiangolo.com"
    assert response.headers["access-control-allow-headers"] == "X-Example"

    response = client.get("/", headers={"Origin": "https://localhost.tiangolo.com"})
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Hello World"}
    assert response.headers["access-control-allow-origin"] == "https://localhost.tiangolo.com"

    response = client.get("/")
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Hello World"}
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", SEED_ORIGINS)
def test_every_listed_origin_gets_credentialed_access(client: TestClient, origin: str) -> None:
    answer = client.options("/", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == origin
    assert answer.headers["access-control-allow-credentials"] == "true"
    response = client.get("/", headers={"Origin": origin, "Cookie": "session=s"})
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "origin" in [v.strip().lower() for v in response.headers["vary"].split(",")]


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:8000",
        "https://localhost",
        "http://evil.tiangolo.com",
        "http://localhost.tiangolo.com.evil.com",
    ],
)
def test_unlisted_origins_are_refused(client: TestClient, origin: str) -> None:
    answer = client.options("/", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert answer.status_code == 400
    assert answer.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in answer.headers
    response = client.get("/", headers={"Origin": origin})
    assert response.json() == {"message": "Hello World"}  # the app answers; the browser will not share it
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


def test_all_standard_methods_and_any_header_are_allowed(client: TestClient) -> None:
    origin = "http://localhost:8080"
    for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"):
        answer = client.options(
            "/",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,x-requested-with",
            },
        )
        assert answer.status_code == 200, method
        assert answer.headers["access-control-allow-headers"] == "authorization,x-requested-with"
    answer = client.options("/", headers={"Origin": origin, "Access-Control-Request-Method": "CONNECT"})
    assert answer.status_code == 400


def test_example_runs_with_uvicorn_from_the_repository_root() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "examples.seed_app:app", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        port = None
        deadline = time.monotonic() + 20
        while port is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port is not None, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        response = httpx.get(base + "/", headers={"Origin": "http://localhost:8080"})
        assert response.json() == {"message": "Hello World"}
        assert response.headers["access-control-allow-origin"] == "http://localhost:8080"
        answer = httpx.options(
            base + "/", headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"}
        )
        assert answer.status_code == 400
    finally:
        process.terminate()
        process.wait(timeout=10)
