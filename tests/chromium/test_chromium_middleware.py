"""corskit in front of real apps, judged by a real Chromium: it must allow exactly what the configuration allows.

Pages live on ``http://<name>.localhost:<page port>`` (the session page server); each configuration is
served by its own uvicorn on another port. Chromium treats every ``*.localhost`` name as its own origin
resolving to loopback, so origins, patterns and regexes are exercised with real browser origins. The
server records every request that reaches it (preflights included, since the recorder sits in front
of corskit), which shows what Chromium sent and what it refused to send.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from support.chromium import FetchOutcome, OriginPage
from support.servers import RecordingApp, ServerHandle, serve

from corskit import CORSMiddleware

pytestmark = pytest.mark.chromium

PageFactory = Callable[[str], OriginPage]


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers every method with what it received, plus a header that is exposed and one that is not."""
    assert scope["type"] == "http"
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    cookie = next((v.decode() for k, v in scope["headers"] if k == b"cookie"), None)
    body = json.dumps({"method": scope["method"], "cookie": cookie}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
        (b"x-total", b"42"),
        (b"x-hidden", b"secret"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def cors_server(**config: Any) -> Iterator[tuple[ServerHandle, RecordingApp]]:
    recorder = RecordingApp(CORSMiddleware(echo_app, **config))
    with serve(recorder) as server:
        yield server, recorder


def init(method: str = "GET", headers: dict[str, str] | None = None, credentials: str = "omit") -> dict[str, Any]:
    # No "cache" mode: "no-store" would make Chromium bypass its preflight cache too. The app's responses
    # carry Cache-Control: no-store, which keeps the HTTP cache out of the way.
    request: dict[str, Any] = {"method": method, "credentials": credentials}
    if headers:
        request["headers"] = headers
    return request


def allowed(outcome: FetchOutcome) -> bool:
    return not outcome.blocked and outcome.status == 200


def preflights(recorder: RecordingApp, path: str) -> int:
    return len([r for r in recorder.find(path=path, method="OPTIONS") if r.header("access-control-request-method")])


def test_seed_like_configuration(page_on_origin: PageFactory, page_server: ServerHandle) -> None:
    app_origin = page_server.origin("app.localhost")
    config = {
        "allow_origins": [app_origin, "http://localhost:8080"],
        "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
    }
    with cors_server(**config) as (server, recorder):
        api = server.url("/", host="api.localhost")
        page = page_on_origin("app.localhost")
        get, put, patch, delete = page.fetch_all(
            [
                (api + "get", init(credentials="include")),
                (api + "put", init("PUT", {"X-Token": "t", "Content-Type": "application/json"}, "include")),
                (api + "patch", init("PATCH", {"X-Anything": "1"}, "include")),
                (api + "delete", init("DELETE", credentials="include")),
            ]
        )
        other = page_on_origin("other.localhost")
        refused_get, refused_put = other.fetch_all(
            [(api + "other-get", init(credentials="include")), (api + "other-put", init("PUT", {"X-Token": "t"}))]
        )
    for outcome, method in ((get, "GET"), (put, "PUT"), (patch, "PATCH"), (delete, "DELETE")):
        assert allowed(outcome), (method, outcome)
        assert json.loads(outcome.text)["method"] == method
    assert refused_get.blocked and refused_put.blocked
    # The refused preflight kept the PUT from ever being sent.
    assert recorder.find(path="/other-put", method="PUT") == []
    assert preflights(recorder, "/other-put") == 1


def test_explicit_lists(page_on_origin: PageFactory, page_server: ServerHandle) -> None:
    config = {
        "allow_origins": [page_server.origin("app.localhost")],
        "allow_methods": ["GET", "POST", "PUT"],
        "allow_headers": ["X-Token"],
        "expose_headers": ["X-Total"],
    }
    with cors_server(**config) as (server, recorder):
        api = server.url("/", host="api.localhost")
        page = page_on_origin("app.localhost")
        outcomes = page.fetch_all(
            [
                (api + "get", init()),
                (api + "post-form", init("POST", {"Content-Type": "text/plain"})),  # simple: no preflight
                (api + "put-token", init("PUT", {"X-Token": "t"})),
                (api + "post-json", init("POST", {"Content-Type": "application/json"})),  # safelisted name
                (api + "delete", init("DELETE")),  # method not allowed
                (api + "patch", init("PATCH")),  # method not allowed
                (api + "put-other", init("PUT", {"X-Other": "o"})),  # header not allowed
                (api + "get-both", init("GET", {"X-Token": "t", "X-Other": "o"})),  # one header not allowed
            ]
        )
    get, post_form, put_token, post_json, delete, patch, put_other, get_both = outcomes
    for outcome in (get, post_form, put_token, post_json):
        assert allowed(outcome), outcome
    for outcome in (delete, patch, put_other, get_both):
        assert outcome.blocked, outcome
    for path, method in (("/delete", "DELETE"), ("/patch", "PATCH"), ("/put-other", "PUT"), ("/get-both", "GET")):
        assert recorder.find(path=path, method=method) == [], path
        assert preflights(recorder, path) == 1, path
    assert preflights(recorder, "/post-form") == 0
    # Exposed and safelisted response headers are readable; others are not.
    assert get.headers["x-total"] == "42"
    assert get.headers["content-type"] == "application/json"
    assert "x-hidden" not in get.headers


def test_subdomain_pattern_on_localhost(page_on_origin: PageFactory, page_server: ServerHandle) -> None:
    port = page_server.port
    with cors_server(allow_origins=[f"http://*.localhost:{port}"], allow_methods=["GET", "PUT"]) as (server, _):
        api = server.url("/", host="api.localhost")
        results = {
            host: page_on_origin(host).fetch_all([(api + "get", init()), (api + "put", init("PUT"))])
            for host in ("app.localhost", "a.b.localhost", "localhost")
        }
    for host in ("app.localhost", "a.b.localhost"):
        assert all(allowed(o) for o in results[host]), (host, results[host])
    # The bare host is not a subdomain of itself.
    assert all(o.blocked for o in results["localhost"]), results["localhost"]


def test_any_port_pattern(page_on_origin: PageFactory) -> None:
    with cors_server(allow_origins=["http://app.localhost:*"]) as (server, _):
        api = server.url("/", host="api.localhost")
        app_outcome = page_on_origin("app.localhost").fetch(api + "x", **init())
        other_outcome = page_on_origin("other.localhost").fetch(api + "x", **init())
    assert allowed(app_outcome), app_outcome
    assert other_outcome.blocked


def test_origin_regex(page_on_origin: PageFactory) -> None:
    with cors_server(allow_origin_regex=r"http://(app|admin)\.localhost:\d+", allow_methods=["PUT"]) as (server, _):
        api = server.url("/", host="api.localhost")
        outcomes = {
            host: page_on_origin(host).fetch_all([(api + "get", init()), (api + "put", init("PUT"))])
            for host in ("app.localhost", "admin.localhost", "app2.localhost")
        }
    assert all(allowed(o) for o in outcomes["app.localhost"] + outcomes["admin.localhost"])
    assert all(o.blocked for o in outcomes["app2.localhost"])


def test_wildcard_without_credentials(page_on_origin: PageFactory) -> None:
    with cors_server(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"]) as (server, _):
        api = server.url("/", host="api.localhost")
        anonymous, put, credentialed = page_on_origin("anyone.localhost").fetch_all(
            [(api + "a", init()), (api + "b", init("PUT", {"X-Token": "t"})), (api + "c", init(credentials="include"))]
        )
    assert allowed(anonymous) and allowed(put)
    # "*" never covers credentialed requests: Chromium must refuse to share this one.
    assert credentialed.blocked


@pytest.mark.parametrize("allow_credentials", [True, False])
def test_credentials(page_on_origin: PageFactory, page_server: ServerHandle, allow_credentials: bool) -> None:
    # The API runs on the page's host name but another port: cross-origin yet same-site, so a
    # SameSite=Lax cookie for app.localhost travels with credentialed requests to it.
    config = {
        "allow_origins": [page_server.origin("app.localhost")],
        "allow_credentials": allow_credentials,
        "allow_methods": ["GET", "PUT"],
        "allow_headers": ["*"],
        "expose_headers": ["X-Total"],
    }
    with cors_server(**config) as (server, recorder):
        api = server.url("/", host="app.localhost")
        page = page_on_origin("app.localhost")
        page.context.add_cookies([{"name": "session", "value": "s1", "url": api}])
        with_cookie, preflighted, without = page.fetch_all(
            [
                (api + "include", init(credentials="include")),
                (api + "include-put", init("PUT", {"X-Token": "t"}, "include")),
                (api + "omit", init(credentials="omit")),
            ]
        )
    # Chromium did send the cookie both times it was asked to; whether the page may read the answer
    # is the policy's decision.
    assert recorder.find(path="/include", method="GET")[0].header("cookie") == "session=s1"
    assert recorder.find(path="/omit", method="GET")[0].header("cookie") is None
    assert allowed(without) and json.loads(without.text)["cookie"] is None
    if allow_credentials:
        assert allowed(with_cookie) and allowed(preflighted), (with_cookie, preflighted)
        assert json.loads(with_cookie.text)["cookie"] == "session=s1"
        assert json.loads(preflighted.text) == {"method": "PUT", "cookie": "session=s1"}
        assert with_cookie.headers["x-total"] == "42"
    else:
        assert with_cookie.blocked and preflighted.blocked
        assert recorder.find(path="/include-put", method="PUT") == []


@pytest.mark.parametrize(("max_age", "expected_preflights"), [(600, 1), (0, 3)])
def test_preflight_cache_follows_max_age(
    page_on_origin: PageFactory, page_server: ServerHandle, max_age: int, expected_preflights: int
) -> None:
    config = {
        "allow_origins": [page_server.origin("app.localhost")],
        "allow_methods": ["PUT"],
        "allow_headers": ["X-Token"],
        "max_age": max_age,
    }
    with cors_server(**config) as (server, recorder):
        url = server.url("/cached", host="api.localhost")
        [sequence] = page_on_origin("app.localhost").fetch_sequences(
            [[(url, init("PUT", {"X-Token": str(i)})) for i in range(3)]]
        )
    assert all(allowed(o) for o in sequence), sequence
    assert len(recorder.find(path="/cached", method="PUT")) == 3
    assert preflights(recorder, "/cached") == expected_preflights
