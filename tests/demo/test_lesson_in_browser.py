"""The FastAPI lesson's example (examples/seed_app.py, corskit in place of Starlette's middleware) in Chromium.

Pages on the lesson's four origins read the API's answer; pages on any other origin are blocked; preflights
succeed for any method and any header, with credentials. The API runs under uvicorn on a free port.

The pages must sit on fixed origins (port 80, 8080, https), which a test cannot bind. This module's own
Chromium maps those http host:port pairs to a page server on a free loopback port (``--host-resolver-rules``,
as if DNS said so: ``localhost.tiangolo.com`` does resolve to 127.0.0.1), so the pages really are on the
loopback address, as for a developer. The https pages' documents are answered by playwright instead; such a
document has no address, so Chromium's Local Network Access would ask the user before it may reach the
loopback API: the test grants that permission up front.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.chromium import ChromiumHandle, chromium_session, static_page_app
from support.servers import RecordingApp, ServerHandle, serve

pytestmark = pytest.mark.chromium

SEED_APP = Path(__file__).resolve().parents[2] / "examples" / "seed_app.py"
LESSON_ORIGINS = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
]
# Each differs from a listed origin by one part: scheme, host or port.
OTHER_ORIGINS = ["http://localhost:8081", "https://localhost", "http://127.0.0.1:8080", "http://evil.localhost:8080"]

PAGE = "<!doctype html><title>a page on another origin</title>"
FETCH = """
async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    return {blocked: false, status: response.status, headers, text: await response.text()};
  } catch (error) {
    return {blocked: true, error: String(error)};
  }
}
"""


@pytest.fixture(scope="module")
def lesson_chromium() -> Iterator[ChromiumHandle]:
    with serve(static_page_app) as pages:
        http_origins = [o for o in LESSON_ORIGINS + OTHER_ORIGINS if o.startswith("http:")]
        rules = ",".join(f"MAP {host_port(origin)} 127.0.0.1:{pages.port}" for origin in http_origins)
        with chromium_session(extra_args=(f"--host-resolver-rules={rules}",)) as chromium:
            yield chromium


def host_port(origin: str) -> str:
    rest = origin.split("://", 1)[1]
    return rest if ":" in rest else f"{rest}:80"


@pytest.fixture(scope="module")
def lesson_api() -> Iterator[tuple[ServerHandle, RecordingApp]]:
    spec = importlib.util.spec_from_file_location("lesson_seed_app", SEED_APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorder = RecordingApp(module.app)
    with serve(recorder) as server:
        yield server, recorder


def fetch_from(chromium: ChromiumHandle, origin: str, url: str, init: dict[str, Any]) -> dict[str, Any]:
    """fetch(url, init) in a page whose document is at ``origin`` (a fresh context: no preflight cache)."""

    def run(browser: Any) -> dict[str, Any]:
        if origin.startswith("https:"):
            context = browser.new_context(permissions=["local-network-access"])
            context.route(f"{origin}/", lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE))
        else:
            context = browser.new_context()  # the page server, through --host-resolver-rules
        try:
            page = context.new_page()
            page.goto(f"{origin}/")
            # With a route in place playwright intercepts every request, preflights included (it answers
            # those itself); the fetch() below must meet the real server only.
            context.unroute_all()
            return {"page_origin": page.evaluate("location.origin"), **page.evaluate(FETCH, [url, init])}
        finally:
            context.close()

    outcome = chromium.call(run)
    assert outcome["page_origin"] == origin  # the page really is on that origin (not an error page)
    return outcome


@pytest.mark.parametrize("origin", LESSON_ORIGINS)
def test_the_lessons_origins_read_the_answer(
    lesson_chromium: ChromiumHandle, lesson_api: tuple[ServerHandle, RecordingApp], origin: str
) -> None:
    server, _ = lesson_api
    outcome = fetch_from(lesson_chromium, origin, server.url("/", host="localhost"), {"credentials": "include"})
    assert outcome["blocked"] is False, outcome
    assert outcome["status"] == 200 and outcome["text"] == '{"message":"Hello World"}'


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
def test_other_origins_are_blocked(
    lesson_chromium: ChromiumHandle, lesson_api: tuple[ServerHandle, RecordingApp], origin: str
) -> None:
    server, _ = lesson_api
    outcome = fetch_from(lesson_chromium, origin, server.url("/", host="localhost"), {})
    assert outcome["blocked"] is True, outcome
    assert "TypeError" in outcome["error"]


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("PUT", {"X-Anything": "1"}),
        ("DELETE", {"Authorization": "Bearer token", "X-Request-Id": "7"}),
        ("PATCH", {"Content-Type": "application/json", "X-Custom-Header-With-A-Long-Name": "yes"}),
    ],
)
def test_preflights_succeed_for_any_method_and_header_with_credentials(
    lesson_chromium: ChromiumHandle, lesson_api: tuple[ServerHandle, RecordingApp], method: str, headers: dict[str, str]
) -> None:
    server, recorder = lesson_api
    path = f"/preflight-{method.lower()}"
    init = {"method": method, "headers": headers, "credentials": "include"}
    outcome = fetch_from(lesson_chromium, "http://localhost:8080", server.url(path, host="localhost"), init)
    # The lesson's app has no such route: a readable 405/404 proves the preflight passed and the request ran.
    assert outcome["blocked"] is False, outcome
    assert outcome["status"] in (404, 405)
    preflight = recorder.find(path=path, method="OPTIONS")
    actual = recorder.find(path=path, method=method)
    assert len(preflight) == 1 and len(actual) == 1
    assert preflight[0].header("access-control-request-method") == method
    assert set(preflight[0].header("access-control-request-headers").split(",")) >= {
        name.lower() for name in headers if name != "Content-Type"
    }
