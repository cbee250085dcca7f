"""WebSocket handshake Origin check: cross-site WebSocket hijacking is refused before the app sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket
from support.asgi import call, websocket_scope
from support.servers import serve
from support.threads import run
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from corskit import CORSMiddleware

ALLOWED = "https://app.example"
EVIL = "https://evil.example"


class Endpoints:
    """A Starlette app with WebSocket routes that greet, and remember every handshake that reached them."""

    def __init__(self) -> None:
        self.reached: list[str] = []
        self.app = Starlette(
            routes=[WebSocketRoute(path, self.greet) for path in ("/ws", "/public/ws", "/open/ws", "/admin/ws")]
        )

    async def greet(self, websocket: WebSocket) -> None:
        self.reached.append(websocket.url.path)
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()


def cors(endpoints: Endpoints, **options: Any) -> CORSMiddleware:
    return CORSMiddleware(endpoints.app, **({"allow_origins": [ALLOWED]} | options))


def handshake(app: Any, path: str = "/ws", origin: str | None = None, host: str | None = None) -> str | int:
    """'hello' when the app accepted the handshake, else the denial status."""
    headers = {}
    if origin is not None:
        headers["origin"] = origin
    if host is not None:
        headers["host"] = host
    client = TestClient(app)
    try:
        with client.websocket_connect(path, headers=headers) as ws:
            return str(ws.receive_text())
    except WebSocketDenialResponse as denial:
        return denial.status_code


def test_refused_origin_gets_403_and_never_reaches_the_app() -> None:
    endpoints = Endpoints()
    app = cors(endpoints)
    client = TestClient(app)
    with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect("/ws", headers={"origin": EVIL}):
        pass
    assert denied.value.status_code == 403
    assert "origin" in denied.value.text.lower()
    assert "access-control-allow-origin" not in denied.value.headers
    assert endpoints.reached == []


@pytest.mark.parametrize(
    ("options", "origin"),
    [
        ({}, ALLOWED),
        ({"allow_origins": ["https://*.example.com"]}, "https://tenant.example.com"),
        ({"allow_origins": ["http://localhost:*"]}, "http://localhost:5173"),
        ({"allow_origin_regex": r"https://[a-z]+\.example"}, "https://other.example"),
        ({"allow_origin_func": lambda o: o == "https://tenant.example"}, "https://tenant.example"),
        ({"allow_origins": ["*"]}, EVIL),
        ({"allow_origins": ["*"]}, "null"),
        ({"check_websocket_origin": False}, EVIL),
        ({"check_websocket_origin": False}, "null"),
    ],
    ids=["listed", "pattern", "any-port", "regex", "func", "wildcard", "wildcard-null", "check-off", "check-off-null"],
)
def test_origins_the_policy_allows_pass(options: dict[str, Any], origin: str) -> None:
    endpoints = Endpoints()
    assert handshake(cors(endpoints, **options), origin=origin) == "hello"
    assert endpoints.reached == ["/ws"]


async def _async_tenant(origin: str) -> bool:
    return origin == "https://tenant.example"


@pytest.mark.parametrize(
    ("options", "origin"),
    [
        ({}, EVIL),
        ({}, "null"),
        ({}, "http://app.example"),  # wrong scheme
        ({}, "https://app.example:8443"),  # wrong port
        ({"allow_origins": ["https://*.example.com"]}, "https://example.com.evil.example"),
        ({"allow_origin_func": lambda o: o == "https://tenant.example"}, EVIL),
        ({"allow_origin_func": _async_tenant}, EVIL),
        ({"allow_origin_func": lambda o: 1 / 0}, "https://tenant.example"),
    ],
    ids=["other-site", "null", "scheme", "port", "pattern-lookalike", "func-no", "async-func-no", "func-raises"],
)
def test_origins_the_policy_refuses_get_403(options: dict[str, Any], origin: str) -> None:
    endpoints = Endpoints()
    assert handshake(cors(endpoints, **options), origin=origin) == 403
    assert endpoints.reached == []


def test_async_function_allows_handshake() -> None:
    assert handshake(cors(Endpoints(), allow_origin_func=_async_tenant), origin="https://tenant.example") == "hello"


def test_handshake_without_origin_passes() -> None:
    endpoints = Endpoints()
    assert handshake(cors(endpoints, allow_origins=[])) == "hello"
    assert endpoints.reached == ["/ws"]


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://testserver", "testserver"),
        ("http://api.example", "api.example"),
        ("http://api.example", "api.example:80"),
        ("https://api.example", "api.example:443"),
        ("https://api.example", "api.example"),
        ("http://api.example:8000", "api.example:8000"),
        ("http://api.example", "API.Example"),
        ("http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("http://[::1]:8000", "[::1]:8000"),
    ],
)
def test_same_origin_as_host_passes(origin: str, host: str) -> None:
    # No origin is configured at all: the page's own server is always allowed.
    assert handshake(cors(Endpoints(), allow_origins=[]), origin=origin, host=host) == "hello"


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://api.example", "api.example:8080"),
        ("http://api.example:8080", "api.example"),
        ("http://api.example:8080", "api.example:80"),
        ("http://api.example.evil.example", "api.example"),
        ("http://evil.example", "api.example"),
        ("http://api.example", "api.example:abc"),
        ("null", "api.example"),
    ],
)
def test_different_host_or_port_is_refused(origin: str, host: str) -> None:
    assert handshake(cors(Endpoints(), allow_origins=[]), origin=origin, host=host) == 403


def test_path_policies_apply_to_websockets() -> None:
    endpoints = Endpoints()
    app = cors(endpoints, path_policies={"/public": {"allow_origins": ["*"]}, "/open": None, "/admin": {}})
    assert handshake(app, "/public/ws", origin=EVIL) == "hello"
    assert handshake(app, "/open/ws", origin=EVIL) == "hello"  # CORS off there: no check either
    assert handshake(app, "/ws", origin=EVIL) == 403  # top-level policy
    assert handshake(app, "/admin/ws", origin=ALLOWED) == 403  # '/admin' allows no origin at all
    assert handshake(app, "/admin/ws", origin="http://testserver") == "hello"  # same-origin still fine
    assert endpoints.reached == ["/public/ws", "/open/ws", "/admin/ws"]


# -- driving the ASGI app by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "port", [b"\xb2", b"8\xb3", b"\xb9\xb2\xb3", b"\xef\xbc\x98"], ids=["sup2", "8-sup3", "sup123", "fullwidth-8"]
)
def test_a_host_port_of_non_ascii_digits_is_refused_not_raised(port: bytes) -> None:
    # str.isdigit() accepts superscript digits, which int() refuses: a port is ASCII digits only.
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    for origin in (b"https://evil.example", b"http://api.example"):
        scope = websocket_scope([(b"origin", origin), (b"host", b"api.example:" + port)])
        response = call(app, scope)
        assert response.status == 403 and inner.called is False
    explanation = app.explain(
        "GET",
        "/ws",
        [(b"origin", b"http://api.example"), (b"upgrade", b"websocket"), (b"host", b"api.example:" + port)],
    )
    assert [f.code for f in explanation.failures] == ["websocket-origin-refused"]


def test_the_host_name_compares_ascii_case_insensitively() -> None:
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[])
    assert call(app, websocket_scope([(b"origin", b"http://api.example"), (b"host", b"API.Example")])).status is None
    assert inner.called is True


class RawWebSocketApp:
    def __init__(self) -> None:
        self.called = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})


def sent_by(app: Any, headers: list[tuple[str, str]], extensions: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The messages ``app`` sends for a handshake whose scope has ``extensions`` (None: no such key)."""
    scope = websocket_scope(headers, "/ws")
    if extensions is None:
        del scope["extensions"]
    else:
        scope["extensions"] = extensions
    return call(app, scope).messages


@pytest.mark.parametrize(
    "extensions", [None, {}, {"websocket.http.response.other": {}}], ids=["absent", "empty", "other"]
)
def test_without_the_denial_extension_the_handshake_is_closed_before_accept(extensions: Any) -> None:
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    sent = sent_by(app, [("host", "api.example"), ("origin", EVIL)], extensions)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert inner.called is False


def test_with_the_denial_extension_a_403_response_is_sent() -> None:
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    sent = sent_by(app, [("host", "api.example"), ("origin", EVIL)], {"websocket.http.response": {}})
    assert [m["type"] for m in sent] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert sent[0]["status"] == 403
    assert inner.called is False


def test_duplicated_origin_is_refused_even_when_each_is_allowed() -> None:
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    sent = sent_by(app, [("host", "app.example"), ("origin", ALLOWED), ("origin", ALLOWED)], None)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert inner.called is False


def test_allowed_handshake_is_handed_over_untouched() -> None:
    inner = RawWebSocketApp()
    app = CORSMiddleware(inner, allow_origins=[ALLOWED])
    sent = sent_by(app, [("host", "api.example"), ("origin", ALLOWED)], None)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert inner.called is True


def test_non_http_scopes_other_than_websocket_pass_through() -> None:
    seen: list[str] = []

    async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    app = CORSMiddleware(lifespan_app, allow_origins=[ALLOWED])
    run(app, {"type": "lifespan", "asgi": {"version": "3.0"}}, None, None)
    assert seen == ["lifespan"]


# -- through a real uvicorn server and the websockets client --------------------------------------------


@pytest.fixture
def uvicorn_ws() -> Iterator[tuple[Endpoints, Any]]:
    endpoints = Endpoints()
    app = cors(endpoints, allow_origins=["http://app.localhost:*"], path_policies={"/public": {"allow_origins": ["*"]}})
    with serve(app) as server:
        yield endpoints, server


def ws_greeting(url: str, origin: str | None) -> str | int:
    try:
        with connect(url, origin=origin, open_timeout=5) as ws:  # type: ignore[arg-type]
            return str(ws.recv(timeout=5))
    except InvalidStatus as refused:
        return refused.response.status_code


def test_uvicorn_answers_a_refused_handshake_with_403(uvicorn_ws: tuple[Endpoints, Any]) -> None:
    endpoints, server = uvicorn_ws
    url = server.url("/ws", scheme="ws")
    assert ws_greeting(url, "http://evil.localhost:1234") == 403
    assert ws_greeting(url, "null") == 403
    assert endpoints.reached == []
    assert ws_greeting(url, f"http://app.localhost:{server.port}") == "hello"
    assert ws_greeting(url, f"http://127.0.0.1:{server.port}") == "hello"  # same origin as Host
    assert ws_greeting(url, None) == "hello"
    assert ws_greeting(server.url("/public/ws", scheme="ws"), "http://evil.localhost:1234") == "hello"
    assert endpoints.reached == ["/ws", "/ws", "/ws", "/public/ws"]


def test_uvicorn_turns_close_before_accept_into_403() -> None:
    endpoints = Endpoints()
    protected = cors(endpoints)

    async def without_denial_extension(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, "extensions": {}}
        await protected(scope, receive, send)

    with serve(without_denial_extension) as server:
        assert ws_greeting(server.url("/ws", scheme="ws"), EVIL) == 403
        assert ws_greeting(server.url("/ws", scheme="ws"), ALLOWED) == "hello"
    assert endpoints.reached == ["/ws"]
