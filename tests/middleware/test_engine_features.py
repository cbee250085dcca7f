"""corskit's own features judged by all three real engines: Chromium, Firefox ESR and WebKitGTK.

Origin lists, patterns and regexes, credentials (with a real cookie), exposed headers, the preflight
cache under Access-Control-Max-Age (counted on the wire), readable 500s, WebSocket origin checks,
per-path policies and an origin function. Pages live on ``http://<name>.localhost:<page port>``; each
configuration is served by its own uvicorn on another port, behind a recorder that sees every request
(preflights included) before corskit does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from fastapi import FastAPI, WebSocket
from support.chromium import FetchOutcome, open_origin_page
from support.cors_apps import WEBSOCKET_SCRIPT, allowed, build_api, cors_server, init, is_tenant, preflights
from support.engines import EnginePage, EngineSession
from support.servers import ServerHandle, serve

from corskit import CORSMiddleware

ENGINES = [
    pytest.param("chromium", marks=pytest.mark.chromium),
    pytest.param("firefox", marks=pytest.mark.firefox),
    pytest.param("webkit", marks=pytest.mark.webkit),
]


class Page(Protocol):
    def fetch(self, url: str, **init: Any) -> FetchOutcome: ...
    def fetch_all(self, requests: list[tuple[str, dict[str, Any]]]) -> list[FetchOutcome]: ...
    def fetch_sequences(self, groups: list[list[tuple[str | None, dict[str, Any]]]]) -> list[list[FetchOutcome]]: ...
    def evaluate(self, script: str, arg: Any = None) -> Any: ...


class Pages:
    """Opens pages of one engine on ``http://HOST:<page port>``; ``origin(host)`` names that origin."""

    def __init__(self, engine: str, request: pytest.FixtureRequest) -> None:
        self.engine = engine
        self._request = request
        self._opened: list[Any] = []
        if engine == "chromium":
            self._server: ServerHandle = request.getfixturevalue("page_server")
        else:
            self._session: EngineSession = request.getfixturevalue(engine)
            self._server = self._session.server

    def origin(self, host: str) -> str:
        return self._server.origin(host)

    @property
    def port(self) -> int:
        return self._server.port

    def __call__(self, host: str) -> Page:
        if self.engine == "chromium":
            page = open_origin_page(self._request.getfixturevalue("chromium"), self.origin(host))
            self._opened.append(page)
            return page
        return EnginePage(self._session, self.origin(host))

    def close(self) -> None:
        for page in self._opened:
            page.close()


@pytest.fixture(params=ENGINES)
def pages(request: pytest.FixtureRequest) -> Iterator[Pages]:
    opened = Pages(request.param, request)
    yield opened
    opened.close()


def test_explicit_lists_and_exposed_headers(pages: Pages) -> None:
    config = {
        "allow_origins": [pages.origin("app.localhost")],
        "allow_methods": ["GET", "POST", "PUT"],
        "allow_headers": ["X-Token"],
        "expose_headers": ["X-Total"],
    }
    with cors_server(**config) as (server, recorder):
        api = server.url("/", host="api.localhost")
        outcomes = pages("app.localhost").fetch_all(
            [
                (api + "get", init()),
                (api + "post-form", init("POST", {"Content-Type": "text/plain"})),  # simple: no preflight
                (api + "put-token", init("PUT", {"X-Token": "t"})),
                (api + "post-json", init("POST", {"Content-Type": "application/json"})),
                (api + "delete", init("DELETE")),  # method not allowed
                (api + "put-other", init("PUT", {"X-Other": "o"})),  # header not allowed
                (api + "get-both", init("GET", {"X-Token": "t", "X-Other": "o"})),  # one header not allowed
            ]
        )
        refused = pages("other.localhost").fetch_all(
            [(api + "refused-get", init()), (api + "refused-put", init("PUT"))]
        )
    get, post_form, put_token, post_json, delete, put_other, get_both = outcomes
    for outcome in (get, post_form, put_token, post_json):
        assert allowed(outcome), outcome
    for outcome in (delete, put_other, get_both, *refused):
        assert outcome.blocked, outcome
    never_sent = (("/delete", "DELETE"), ("/put-other", "PUT"), ("/get-both", "GET"), ("/refused-put", "PUT"))
    for path, method in never_sent:
        assert recorder.find(path=path, method=method) == [], path  # the refused preflight kept it unsent
        assert preflights(recorder, path) == 1, path
    assert preflights(recorder, "/post-form") == 0
    assert get.headers["x-total"] == "42"
    assert get.headers["content-type"] == "application/json"
    assert "x-hidden" not in get.headers


def test_subdomain_pattern_any_port_pattern_and_regex(pages: Pages) -> None:
    with (
        cors_server(allow_origins=[f"http://*.localhost:{pages.port}"], allow_methods=["PUT"]) as (subdomains, _),
        cors_server(allow_origins=["http://app.localhost:*"]) as (any_port, _),
        cors_server(allow_origin_regex=r"http://(app|admin)\.localhost:\d+", allow_methods=["PUT"]) as (regex, _),
    ):
        targets = [
            subdomains.url("/get", host="api.localhost"),
            any_port.url("/get", host="api.localhost"),
            regex.url("/get", host="api.localhost"),
        ]
        put_targets = [subdomains.url("/put", host="api.localhost"), regex.url("/put", host="api.localhost")]
        results = {
            host: [
                allowed(o)
                for o in pages(host).fetch_all([(u, init()) for u in targets] + [(u, init("PUT")) for u in put_targets])
            ]
            for host in ("app.localhost", "a.b.localhost", "admin.localhost", "app2.localhost", "localhost")
        }
    # Columns: subdomain GET, any-port GET, regex GET, subdomain PUT, regex PUT.
    assert results == {
        "app.localhost": [True, True, True, True, True],
        "a.b.localhost": [True, False, False, True, False],
        "admin.localhost": [True, False, True, True, True],
        "app2.localhost": [True, False, False, True, False],
        "localhost": [False, False, False, False, False],  # the bare host is not a subdomain of itself
    }


def test_wildcard_never_covers_credentialed_requests(pages: Pages) -> None:
    with cors_server(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"]) as (server, _):
        api = server.url("/", host="api.localhost")
        anonymous, put, credentialed = pages("anyone.localhost").fetch_all(
            [(api + "a", init()), (api + "b", init("PUT", {"X-Token": "t"})), (api + "c", init(credentials="include"))]
        )
    assert allowed(anonymous) and allowed(put)
    assert credentialed.blocked


_SET_COOKIE = """async (value) => { document.cookie = value; return document.cookie; }"""


@pytest.mark.parametrize("allow_credentials", [True, False])
def test_credentials_with_a_real_cookie(pages: Pages, allow_credentials: bool) -> None:
    # The API runs on the page's host name but another port: cross-origin yet same-site, so the page's
    # cookie (cookies ignore ports) travels with credentialed requests to it.
    config = {
        "allow_origins": [pages.origin("app.localhost")],
        "allow_credentials": allow_credentials,
        "allow_methods": ["GET", "PUT"],
        "allow_headers": ["*"],
        "expose_headers": ["X-Total"],
    }
    cookie = f"session=s{int(allow_credentials)}"
    with cors_server(**config) as (server, recorder):
        api = server.url("/", host="app.localhost")
        page = pages("app.localhost")
        assert cookie in page.evaluate(_SET_COOKIE, cookie + "; path=/; SameSite=Lax")
        with_cookie, preflighted, without = page.fetch_all(
            [
                (api + "include", init(credentials="include")),
                (api + "include-put", init("PUT", {"X-Token": "t"}, "include")),
                (api + "omit", init(credentials="omit")),
            ]
        )
    assert recorder.find(path="/include", method="GET")[0].header("cookie") == cookie
    assert recorder.find(path="/omit", method="GET")[0].header("cookie") is None
    assert allowed(without) and json.loads(without.text)["cookie"] is None
    if allow_credentials:
        assert allowed(with_cookie) and allowed(preflighted), (with_cookie, preflighted)
        assert json.loads(with_cookie.text)["cookie"] == cookie
        assert json.loads(preflighted.text) == {"method": "PUT", "cookie": cookie}
        assert with_cookie.headers["x-total"] == "42"
    else:
        assert with_cookie.blocked and preflighted.blocked
        assert recorder.find(path="/include-put", method="PUT") == []


@pytest.mark.parametrize(("max_age", "expected_preflights"), [(600, 1), (0, 3)])
def test_preflight_cache_follows_max_age(pages: Pages, max_age: int, expected_preflights: int) -> None:
    config = {
        "allow_origins": [pages.origin("app.localhost")],
        "allow_methods": ["PUT"],
        "allow_headers": ["X-Token"],
        "max_age": max_age,
    }
    with cors_server(**config) as (server, recorder):
        url = server.url("/cached", host="api.localhost")
        [sequence] = pages("app.localhost").fetch_sequences(
            [[(url, init("PUT", {"X-Token": str(i)})) for i in range(3)]]
        )
    assert all(allowed(o) for o in sequence), sequence
    assert len(recorder.find(path="/cached", method="PUT")) == 3
    assert preflights(recorder, "/cached") == expected_preflights


@pytest.fixture(scope="module")
def tenant_api() -> Iterator[ServerHandle]:
    with serve(build_api(is_tenant), log_level="critical") as server:
        yield server


def test_origin_function_readable_500_and_path_policy(pages: Pages, tenant_api: ServerHandle) -> None:
    data, boom, feed = (tenant_api.url(path, host="api.localhost") for path in ("/data", "/boom", "/public/feed"))
    read, write, error, after = pages("tenant-a.localhost").fetch_all(
        [
            (data, init(credentials="include")),
            (data, init("PUT", {"X-Token": "t"}, "include")),
            (boom, init(credentials="include")),
            (data, init()),
        ]
    )
    assert (read.blocked, read.status, read.text) == (False, 200, '{"data":"secret"}')
    assert (write.blocked, write.status, write.text) == (False, 200, '{"written":"yes"}')
    # The endpoint's exception is a 500 the allowed page can read; the server survived it.
    assert (error.blocked, error.status, error.text) == (False, 500, "Internal Server Error")
    assert allowed(after)
    evil = pages("evil.localhost").fetch_all(
        [(data, init()), (data, init("PUT", {"X-Token": "t"})), (boom, init()), (feed, init())]
    )
    assert [o.blocked for o in evil] == [True, True, True, False]
    assert (evil[3].status, evil[3].text) == (200, '{"feed":"open"}')  # the /public policy opens it to all


def test_websocket_origin_check(pages: Pages, tenant_api: ServerHandle) -> None:
    url = tenant_api.url("/ws", host="api.localhost", scheme="ws")
    opened = pages("tenant-a.localhost").evaluate(WEBSOCKET_SCRIPT, url)
    assert (opened["opened"], opened["message"], opened["error"]) == (True, "hello", False)
    refused = pages("evil.localhost").evaluate(WEBSOCKET_SCRIPT, url)
    assert (refused["opened"], refused["message"], refused["error"]) == (False, None, True)
    assert refused["code"] == 1006  # the handshake failed: the page never had a WebSocket connection


def test_websocket_check_can_be_turned_off(pages: Pages) -> None:
    api = FastAPI()

    @api.websocket("/ws")
    async def greet(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app = CORSMiddleware(api, allow_origins=["http://tenant-e.localhost"], check_websocket_origin=False)
    with serve(app, log_level="critical") as server:
        seen = pages("evil.localhost").evaluate(WEBSOCKET_SCRIPT, server.url("/ws", host="api.localhost", scheme="ws"))
    assert (seen["opened"], seen["message"]) == (True, "hello")


class HandshakeRecorder:
    """Remembers the Origin of every WebSocket handshake, by query string, then hands it to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.origins: dict[str, str | None] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
            self.origins[scope["query_string"].decode("latin-1")] = origin
        await self.app(scope, receive, send)


@pytest.mark.parametrize("host", ["tenant-a.localhost", "evil.localhost"])
def test_simulated_websocket_agrees_with_the_engine(pages: Pages, host: str) -> None:
    from corskit.browser import Browser

    recorder = HandshakeRecorder(build_api(is_tenant))
    origin = pages.origin(host)
    with serve(recorder, log_level="critical") as server:
        url = server.url("/ws", host="api.localhost", scheme="ws")
        real = pages(host).evaluate(WEBSOCKET_SCRIPT, url + "?run=engine")
        with Browser(origin=origin, profile=pages.engine) as over_http:
            simulated = over_http.websocket(url + "?run=sim")
        with Browser(origin=origin, app=recorder, profile=pages.engine) as in_process:
            in_process_result = in_process.websocket(url + "?run=inproc")
    assert real["opened"] is (host == "tenant-a.localhost")
    assert simulated.opened is real["opened"]
    assert in_process_result.opened is real["opened"]
    # Every engine sends the page's origin on the handshake; so does the simulator.
    assert recorder.origins == {"run=engine": origin, "run=sim": origin, "run=inproc": origin}
    assert simulated.origin == origin
    if not real["opened"]:
        assert simulated.status == in_process_result.status == 403
        assert simulated.error is not None and "403" in simulated.error
