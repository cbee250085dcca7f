"""Every recipe of docs/recipes.md, run as written with the real packages it names."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.testclient import TestClient, WebSocketDenialResponse
from support.uvicorn_cli import get, uvicorn_serving

from corskit import CORSConfigError, CORSMiddleware

Run = Callable[[str], Any]
RECIPES = Path(__file__).resolve().parents[2] / "docs" / "recipes.md"
APP = "https://app.example.com"
ADMIN = "https://admin.example.com"


def recipe(name: str) -> str:
    found = re.findall(rf"<!-- recipe: {name} -->\n```python\n(.*?)```", RECIPES.read_text(encoding="utf-8"), re.S)
    assert len(found) == 1, name
    return str(found[0])


@pytest.fixture
def run(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Any]]:
    """Import a recipe as a module, as uvicorn imports ``main`` (frameworks look their module up)."""
    directory = tmp_path_factory.mktemp("recipes")
    monkeypatch.syspath_prepend(str(directory))
    loaded: list[str] = []

    def load(name: str) -> Any:
        module = f"recipe_{name.replace('-', '_')}_{len(loaded)}"
        (directory / f"{module}.py").write_text(recipe(name), encoding="utf-8")
        loaded.append(module)
        return importlib.import_module(module)

    yield load
    for module in loaded:
        sys.modules.pop(module, None)


def allowed(client: TestClient, origin: str, path: str = "/") -> bool:
    return client.get(path, headers={"Origin": origin}).headers.get("access-control-allow-origin") == origin


def test_every_recipe_is_tested() -> None:
    names = re.findall(r"<!-- recipe: ([\w-]+) -->", RECIPES.read_text(encoding="utf-8"))
    tested = {"logging", "env-comma", "pydantic-settings", "starlette-config", "reverse-proxy"}
    assert set(names) == tested | {"litestar", "quart", "django"}


# -- logging under uvicorn ---------------------------------------------------------------------------


def test_logging_recipe_prints_refusals_under_uvicorn(tmp_path: Path) -> None:
    with uvicorn_serving(tmp_path, recipe("logging")) as server:
        get(server.url("/"), {"Origin": "https://evil.example"})
        status, _ = get(server.url("/"), {"Origin": APP, "Access-Control-Request-Method": "PUT"}, method="OPTIONS")
    assert status == 400
    refusals = [line for line in server.lines if line.startswith("DEBUG:    corskit refused")]
    assert refusals[0].startswith("DEBUG:    corskit refused a request: [origin-not-allowed] origin 'https://evil.example'")
    assert refusals[1].startswith("DEBUG:    corskit refused a preflight: [method-not-allowed] method 'PUT'")
    assert len(refusals) == 2


def test_set_level_alone_prints_nothing_under_uvicorn(tmp_path: Path) -> None:
    """What the recipe's first paragraph says: without a handler, uvicorn shows no corskit line."""
    source = recipe("logging")
    for handler_line in [line for line in source.splitlines() if "handler" in line]:
        source = source.replace(handler_line + "\n", "")
    assert "setLevel(logging.DEBUG)" in source and "addHandler" not in source
    with uvicorn_serving(tmp_path, source) as server:
        get(server.url("/"), {"Origin": "https://evil.example"})
    assert "Application startup complete." in server.stderr
    assert "corskit" not in server.stderr


# -- origins from settings ---------------------------------------------------------------------------


def test_comma_separated_environment_variable(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", f"{APP}, {ADMIN},")
    with TestClient(run("env-comma").app) as client:
        assert allowed(client, APP) and allowed(client, ADMIN)
        assert not allowed(client, "https://evil.example")


def test_a_typo_in_the_variable_stops_the_app(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", f"{APP}/")
    with pytest.raises(CORSConfigError) as caught, TestClient(run("env-comma").app):
        pass
    assert caught.value.codes == ["origin-trailing-slash"]


def test_pydantic_settings_with_anyhttpurl(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://App.Example.com:443, http://localhost:3000")
    namespace = run("pydantic-settings")
    assert namespace.settings.cors_origin_strings() == [APP, "http://localhost:3000"]
    with TestClient(namespace.app) as client:
        assert allowed(client, APP) and allowed(client, "http://localhost:3000")
        assert not allowed(client, ADMIN)


def test_anyhttpurl_stringifies_with_the_slash_corskit_refuses() -> None:
    url = str(AnyHttpUrl(APP))
    assert url == APP + "/"
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Starlette(), allow_origins=[url])
    assert caught.value.codes == ["origin-trailing-slash"]


def test_starlette_config_reads_the_env_file(run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"CORS_ORIGINS={APP} , {ADMIN}\n", encoding="utf-8")
    with TestClient(run("starlette-config").app) as client:
        assert allowed(client, APP) and allowed(client, ADMIN)
        assert not allowed(client, "https://evil.example")


# -- reverse proxy -----------------------------------------------------------------------------------

PROXIED = {"Origin": "https://www.example.com", "Host": "127.0.0.1:8000"}  # nginx's default Host


def _handshake(app: Any, headers: dict[str, str]) -> int | str:
    try:
        with TestClient(app).websocket_connect("/ws", headers=headers) as websocket:
            return str(websocket.receive_text())
    except WebSocketDenialResponse as denial:
        return int(denial.status_code)


def test_listing_the_public_origin_passes_a_rewritten_host(run: Run) -> None:
    assert _handshake(run("reverse-proxy").app, PROXIED) == "hello"


def test_a_rewritten_host_is_refused_and_the_explanation_says_why(run: Run) -> None:
    namespace = run("reverse-proxy")
    unlisted = CORSMiddleware(namespace.app.app, allow_origins=[APP])
    assert _handshake(unlisted, PROXIED) == 403
    # The browser's own Host, forwarded by the proxy: same-origin, accepted without listing it.
    assert _handshake(unlisted, {"Origin": "https://www.example.com", "Host": "www.example.com"}) == "hello"
    explanation = str(unlisted.explain("GET", "/ws", {**PROXIED, "Upgrade": "websocket"}))
    assert "[websocket-origin-refused]" in explanation
    assert "reverse proxy" in explanation and "proxy_set_header Host $host;" in explanation


# -- other frameworks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["litestar", "quart"])
def test_framework_recipes(run: Run, name: str) -> None:
    with TestClient(run(name).app) as client:  # runs the framework's lifespan through corskit
        response = client.get("/items", headers={"Origin": APP})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == APP
        preflight = client.options("/items", headers={"Origin": APP, "Access-Control-Request-Method": "PUT"})
        assert (preflight.status_code, preflight.text) == (400, "Disallowed CORS method")
        assert not allowed(client, "https://evil.example", "/items")


def test_django_recipe(run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site = tmp_path / "mysite"
    site.mkdir()
    (site / "__init__.py").write_text("", encoding="utf-8")
    (site / "settings.py").write_text(
        'SECRET_KEY = "test"\nROOT_URLCONF = "mysite.urls"\nALLOWED_HOSTS = ["testserver"]\nINSTALLED_APPS = []\n',
        encoding="utf-8",
    )
    (site / "urls.py").write_text(
        "from django.http import JsonResponse\nfrom django.urls import path\n"
        'urlpatterns = [path("items", lambda request: JsonResponse({"items": ["a"]}))]\n',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    client = TestClient(run("django").application)
    response = client.get("/items", headers={"Origin": APP})
    assert response.json() == {"items": ["a"]}
    assert response.headers["access-control-allow-origin"] == APP
    assert not allowed(client, "https://evil.example", "/items")
