"""The public API of corskit.browser: arguments, modes, transports, the pytest plugin."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from support.cors_server import Answer, ScriptedServer
from support.servers import serve

from browser.browser_rig import PAGE, Rig, allow
from corskit.browser import AsyncBrowser, Browser, FetchResult

pytest_plugins = ["pytester"]


async def _item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["i"], "method": request.method}, headers={"X-Secret": "s"})


def _starlette(**cors: object) -> Starlette:
    return Starlette(
        routes=[Route("/items/{i}", _item, methods=["GET", "PUT", "DELETE"])],
        middleware=[Middleware(CORSMiddleware, **cors)],  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": "app.example.com"}, "http:// or https://"),
        ({"origin": "ftp://app.example.com"}, "http:// or https://"),
        ({"origin": "https://app.example.com/path"}, "no user, path or query"),
        ({"origin": "https://user@app.example.com"}, "no user, path or query"),
        ({"origin": "https://"}, "no host"),
        ({"origin": 42}, "must be a string"),
        ({"origin": PAGE, "profile": "safari"}, "unknown browser profile"),
    ],
)
def test_invalid_constructor_arguments_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Browser(app=ScriptedServer(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"credentials": "always"}, "credentials must be one of"),
        ({"mode": "navigate"}, "mode must be one of"),
        ({"redirect": "never"}, "redirect must be one of"),
        ({"cache": "sometimes"}, "cache must be one of"),
        ({"headers": "X-A: 1"}, "mapping or a list"),
        ({"headers": [("X-A",)]}, "pairs"),
        ({"headers": {"X-A": 1}}, "must be strings"),
        ({"method": "POST", "body": {"a": 1}}, "use json="),
        ({"method": "POST", "body": "x", "json": {}}, "either body= or json="),
        ({"method": None}, "method must be a string"),
    ],
)
def test_invalid_fetch_arguments_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with Browser(origin=PAGE, app=ScriptedServer()) as browser, pytest.raises(ValueError, match=message):
        browser.fetch("/x", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["", "ftp://example.com/x", "javascript:alert(1)", "http://"])
def test_invalid_urls_raise_value_error(url: str) -> None:
    with Browser(origin=PAGE, app=ScriptedServer()) as browser, pytest.raises(ValueError):
        browser.fetch(url)


def test_origin_is_serialized_like_a_browser_does() -> None:
    browser = Browser(origin="HTTPS://App.Example.COM:443/", app=ScriptedServer())
    assert browser.origin.serialize() == "https://app.example.com"
    assert Browser(origin="http://localhost:8000", app=ScriptedServer()).origin.serialize() == ("http://localhost:8000")


def test_issue_example_with_starlettes_cors_middleware() -> None:
    app = _starlette(allow_origins=[PAGE], allow_methods=["GET", "PUT"], allow_headers=["Content-Type"])
    with Browser(origin=PAGE, app=app) as browser:
        result = browser.fetch("/items/1", method="PUT", headers={"Content-Type": "application/json"}, body="{}")
        assert not result.blocked, result.error
        assert result.json() == {"id": "1", "method": "PUT"}
        assert result.preflight is not None and result.preflight.status == 200
        assert result.preflight.url == "http://testserver/items/1"
        assert "x-secret" not in result.headers
        denied = browser.fetch("/items/1", method="DELETE")
        # Starlette refuses the preflight with a 400 whose body says why; the error quotes both.
        assert denied.blocked and denied.error is not None
        assert "HTTP ok status" in denied.error and "400" in denied.error and "Disallowed CORS method" in denied.error


def test_relative_urls_resolve_against_the_page_without_an_app() -> None:
    browser = Browser(origin="http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        result = browser.fetch("/x")
        assert result.blocked
        assert result.exchanges[0].url == "http://127.0.0.1:9/x"
        # Same-origin: no Origin header on a GET, no CORS involved -- only the network failed.
        assert result.exchanges[0].request_header("Origin") is None
        assert result.exchanges[0].network_error is not None
    finally:
        browser.close()


def test_network_mode_against_a_real_server_with_localhost_subdomains() -> None:
    scripted = ScriptedServer()
    scripted.script(
        "net",
        preflight=Answer(204, allow("$ORIGIN", allow_methods="PUT")),
        actual=Answer(200, [*allow("$ORIGIN", expose_headers="x-a"), ("X-A", "1")], body="over tcp"),
    )
    with serve(scripted) as server, Browser(origin="http://app.localhost:1234") as browser:
        result = browser.fetch(server.url("/c/net", host="api.localhost"), method="PATCH", body="b")
        assert result.blocked  # PATCH is not in Access-Control-Allow-Methods: PUT
        result = browser.fetch(server.url("/c/net", host="api.localhost"), method="PUT", body="b")
        assert not result.blocked, result.error
        assert (result.status, result.text, result.headers["x-a"]) == (200, "over tcp", "1")
    seen = scripted.received("net")
    assert [r.method for r in seen] == ["OPTIONS", "OPTIONS", "PUT"]
    assert {r.host for r in seen} == {f"api.localhost:{server.port}"}
    assert seen[-1].header("origin") == "http://app.localhost:1234"


def test_lower_case_methods_go_on_the_wire_unchanged_over_http() -> None:
    scripted = ScriptedServer()
    scripted.script("m", preflight=Answer(204, allow("$ORIGIN", allow_methods="patch")), actual=Answer(200, allow("*")))
    with serve(scripted) as server, Browser(origin="http://app.localhost:1") as browser:
        assert not browser.fetch(server.url("/c/m", host="api.localhost"), method="patch").blocked
    assert [r.method for r in scripted.received("m")] == ["OPTIONS", "patch"]


def test_connection_refused_is_a_blocked_fetch() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Browser(origin=PAGE) as browser:
        result = browser.fetch(f"http://127.0.0.1:{port}/x")
    assert result.blocked and result.error is not None and "Failed to fetch" in result.error
    assert result.status is None


def test_an_app_that_crashes_answers_500_without_cors_headers() -> None:
    async def broken(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("boom")

    with Browser(origin=PAGE, app=broken, raise_app_exceptions=False) as browser:
        result = browser.fetch("/x")
    assert result.blocked and result.exchanges[0].status == 500
    assert result.error is not None and "No 'Access-Control-Allow-Origin'" in result.error


def test_no_cors_mode_gives_an_opaque_response(rig: Rig) -> None:
    url = rig.endpoint([("X-A", "1")])
    result = rig.browser().fetch(url, mode="no-cors", headers={"X-Token": "dropped"})
    assert (result.blocked, result.status, result.response_type, result.text) == (False, 0, "opaque", "")
    request = result.exchanges[0]
    assert request.request_header("X-Token") is None  # not no-CORS-safelisted: the Headers object drops it
    assert request.request_header("Origin") is None  # GET in no-cors mode carries no Origin


def test_same_origin_mode_refuses_cross_origin_urls(rig: Rig) -> None:
    result = rig.browser().fetch(rig.endpoint(allow()), mode="same-origin")
    assert result.blocked and result.exchanges == ()


def test_opaque_page_origin_sends_origin_null(rig: Rig) -> None:
    url = rig.endpoint([("Access-Control-Allow-Origin", "null")])
    result = rig.browser(origin="null").fetch(url)
    assert not result.blocked and result.exchanges[0].request_header("Origin") == "null"


def test_sync_browser_works_inside_a_running_event_loop() -> None:
    import asyncio

    async def main() -> FetchResult:
        with Browser(origin=PAGE, app=_starlette(allow_origins=["*"])) as browser:
            return browser.fetch("/items/7")

    assert asyncio.run(main()).status == 200


@pytest.mark.anyio
async def test_async_browser_in_process_and_over_http() -> None:
    app = _starlette(allow_origins=[PAGE], allow_methods=["PUT"], expose_headers=["X-Secret"])
    async with AsyncBrowser(origin=PAGE, app=app) as browser:
        result = await browser.fetch("/items/2", method="PUT", json={"a": 1})
        assert not result.blocked, result.error
        assert result.headers["X-Secret"] == "s"
        assert result.preflight is not None
        assert result.exchanges[-1].request_header("Content-Type") == "application/json"
        again = await browser.fetch("/items/2", method="PUT", json={"a": 1})
        assert again.from_preflight_cache and again.preflight is None


def test_corskit_imports_without_httpx() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["httpx"] = sys.modules["httpx2"] = None  # make "import httpx" and "import httpx2" fail
        import corskit.browser
        from corskit.browser import Browser
        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"access-control-allow-origin", b"*")]})
            await send({"type": "http.response.body", "body": b"ok"})
        with Browser(origin="https://a.example", app=app) as b:
            assert b.fetch("/").text == "ok"
        try:
            Browser(origin="https://a.example")
        except ImportError as exc:
            assert "corskit[browser]" in str(exc)
        else:
            raise SystemExit("expected ImportError")
        assert not [m for m in sys.modules if m.startswith("httpx") and sys.modules[m] is not None]
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_pytest_plugin_fixture_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def item(request):
            return PlainTextResponse("ok")

        app = Starlette(routes=[Route("/items/1", item, methods=["PUT"])],
                        middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example.com"],
                                               allow_methods=["PUT"], allow_headers=["content-type"])])

        def test_spa_can_update_items(cors_browser):
            browser = cors_browser(app, origin="https://app.example.com")
            result = browser.fetch("/items/1", method="PUT",
                                   headers={"Content-Type": "application/json"}, body="{}")
            assert not result.blocked, result.error

        def test_other_origin_is_blocked(cors_browser):
            browser = cors_browser(app, origin="https://evil.example", profile="firefox")
            assert browser.fetch("/items/1", method="PUT").blocked
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_latin1_header_values_travel_as_bytes_over_http() -> None:
    scripted = ScriptedServer()
    scripted.script(
        "l1",
        preflight=Answer(204, allow("$ORIGIN", allow_headers="content-language")),
        actual=Answer(200, allow("*")),
    )
    with serve(scripted) as server, Browser(origin="http://app.localhost:1") as browser:
        url = server.url("/c/l1", host="api.localhost")
        # "é" is not an allowed Content-Language byte, so it needs a preflight; Accept allows it.
        assert browser.fetch(url, headers={"Content-Language": "é"}).preflight is not None
        assert browser.fetch(url, headers={"Accept": "é"}).preflight is None
        assert browser.fetch(url, headers={"X-A": "€"}).blocked  # not a byte: fetch() throws
    assert [r.header("accept") for r in scripted.received("l1") if r.method == "GET"][-1] == "é"


@pytest.mark.anyio
async def test_async_browser_over_http() -> None:
    scripted = ScriptedServer()
    scripted.script(
        "async",
        preflight=Answer(204, allow("$ORIGIN", allow_methods="DELETE", max_age="60")),
        actual=Answer(200, [*allow("$ORIGIN"), ("X-Hidden", "h")], body="deleted"),
    )
    with serve(scripted) as server:
        async with AsyncBrowser(origin="http://app.localhost:5") as browser:
            url = server.url("/c/async", host="api.localhost")
            first = await browser.fetch(url, method="delete")
            second = await browser.fetch(url, method="DELETE")
    assert (first.blocked, first.status, first.text) == (False, 200, "deleted")
    assert "x-hidden" not in first.headers
    assert second.from_preflight_cache and second.preflight is None
    assert [r.method for r in scripted.received("async")] == ["OPTIONS", "DELETE", "DELETE"]
