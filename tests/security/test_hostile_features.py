"""Hostile input for the issue-4 features: WebSocket handshakes (Origin vs Host), path_policies, and
allow_origin_func, each checked against the reference predicates in ``_reference``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.asgi import Endpoint, Response, assert_wellformed, call, http_scope, through, websocket_scope

from corskit import CORSMiddleware
from corskit._paths import PathPolicies
from security import _reference as ref
from security import _strategies as strat

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACAO = b"access-control-allow-origin"

HOSTS = st.one_of(
    st.sampled_from(
        [
            b"api.test",
            b"API.TEST",
            b"api.test:443",
            b"api.test:80",
            b"api.test:8443",
            b"api.test.",
            b"evil.test",
            b"[::1]:8080",
            b"[::1]",
            b"localhost:3000",
            b"localhost:03000",
            b"app.example.com",
            b"",
            b" ",
            b"api.test\r\n",
            b"h" * 65536,
        ]
    ),
    st.binary(max_size=20),
)
WS_ORIGINS = st.one_of(
    strat.origins(),
    st.sampled_from([b"https://api.test", b"http://api.test", b"https://api.test:8443", b"https://evil.test"]),
    st.sampled_from([b"http://[::1]:8080", b"http://localhost:3000", b"https://API.TEST", b"https://api.test."]),
)


def websocket_refused(response: Response) -> bool:
    kinds = [m["type"] for m in response.messages]
    if response.app_called:
        assert kinds == ["websocket.accept"], kinds
        return False
    assert kinds in (["websocket.http.response.start", "websocket.http.response.body"], ["websocket.close"]), kinds
    if response.status is not None:
        assert response.status == 403
    return True


@SETTINGS
@given(
    config=strat.configs(),
    origin=st.one_of(st.none(), WS_ORIGINS),
    host=st.one_of(st.none(), HOSTS),
    denial=st.booleans(),
)
def test_websocket_handshake_matches_reference(
    config: dict[str, Any], origin: bytes | None, host: bytes | None, denial: bool
):
    headers = [] if origin is None else [(b"origin", origin)]
    if host is not None:
        headers.append((b"host", host))
    response = through(CORSMiddleware, config, websocket_scope(headers, denial=denial))
    assert_wellformed(response)
    expected = origin is None or ref.origin_allowed(config, origin) or ref.websocket_same_origin(origin, host)
    assert websocket_refused(response) is not expected, (origin, host)


def test_cross_site_websocket_hijacking_is_refused():
    config = {"allow_origins": ["https://app.example.com"], "allow_credentials": True}
    for origin in (b"https://evil.test", b"null", b"https://app.example.com.evil.test", b"http://app.example.com"):
        for denial in (True, False):
            headers = [(b"origin", origin), (b"host", b"api.test"), (b"cookie", b"session=1")]
            response = through(CORSMiddleware, config, websocket_scope(headers, denial=denial))
            assert websocket_refused(response)
    headers = [(b"origin", b"https://app.example.com"), (b"host", b"api.test")]
    assert not websocket_refused(through(CORSMiddleware, config, websocket_scope(headers)))


def test_websocket_duplicate_origin_is_refused():
    config = {"allow_origins": ["https://app.example.com"]}
    for pair in ((b"https://app.example.com", b"https://evil.test"), (b"https://api.test", b"https://api.test")):
        headers = [(b"origin", pair[0]), (b"origin", pair[1]), (b"host", b"api.test")]
        assert websocket_refused(through(CORSMiddleware, config, websocket_scope(headers)))


@pytest.mark.parametrize("host", [b"API.TEST", b"api.test:443"])
def test_websocket_same_origin_host_variants_are_allowed(host: bytes):
    headers = [(b"origin", b"https://api.test"), (b"host", host)]
    assert not websocket_refused(through(CORSMiddleware, {}, websocket_scope(headers)))


@pytest.mark.parametrize("host", [b"api.test.", b"api.test:8443", b"evil.test", b"api.test\r\n", b"", b"h" * 65536])
def test_websocket_host_not_matching_origin_is_refused(host: bytes):
    headers = [(b"origin", b"https://api.test"), (b"host", host)]
    assert websocket_refused(through(CORSMiddleware, {}, websocket_scope(headers)))


# -- path_policies --------------------------------------------------------------------------------------

SEGMENTS = ["a", "b", "admin", "administrator", "api", "v1", "ädmin"]
PREFIXES = st.lists(st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=3), max_size=6).map(
    lambda lists: sorted({"/" + "/".join(parts) for parts in lists})
)
PATHS = st.one_of(
    st.lists(st.sampled_from([*SEGMENTS, "", ".", "..", "x", "%2e", "a\x00", "admin\r\n"]), max_size=5).map(
        lambda parts: "/" + "/".join(parts)
    ),
    st.sampled_from(["", "admin", "//admin", "/admin/", "/admin//x", "/" + "a/" * 20000, "/administrator/x"]),
    st.text(max_size=20),
)


def reference_prefix(prefixes: list[str], path: str) -> str | None:
    """The longest configured prefix that is the path itself or ends at one of its '/' boundaries."""
    best = None
    for prefix in prefixes:
        boundary = "/" if prefix == "/" else prefix + "/"
        matches = path == prefix or path.startswith(boundary)
        if matches and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


@settings(max_examples=500, deadline=None)
@given(prefixes=PREFIXES, path=PATHS)
def test_path_prefix_lookup_matches_reference(prefixes: list[str], path: str):
    marker = object()
    table = {prefix: (None if i % 3 == 0 else marker) for i, prefix in enumerate(prefixes)}
    default = object()
    found, policy = PathPolicies(table).lookup(path, default)  # type: ignore[arg-type]
    expected = reference_prefix(prefixes, path)
    assert found == expected, (prefixes, path)
    assert policy is (default if expected is None else table[expected])


PATH_CONFIGS = {
    "/public": {"allow_origins": ["*"]},
    "/admin": {"allow_origins": ["https://admin.example.com"], "allow_credentials": True},
    "/admin/open": None,
    "/internal": None,
}
TOP = {"allow_origins": ["https://app.example.com"], "allow_credentials": True}


@SETTINGS
@given(path=PATHS | st.sampled_from(list(PATH_CONFIGS)), origin=strat.origins() | st.just(b"https://admin.example.com"))
def test_path_policies_requests_match_reference(path: str, origin: bytes):
    config = {**TOP, "path_policies": PATH_CONFIGS}
    prefix = reference_prefix(list(PATH_CONFIGS), path)
    expected_config = TOP if prefix is None else PATH_CONFIGS[prefix]
    for method, extra in (("GET", []), ("OPTIONS", [(b"access-control-request-method", b"GET")])):
        response = through(CORSMiddleware, config, http_scope(method, path, [(b"origin", origin), *extra]))
        assert_wellformed(response)
        acao = response.one(ACAO)
        if expected_config is None:
            assert response.app_called and acao is None  # CORS off: the app answers, untouched
            continue
        if ref.origin_allowed(expected_config, origin):
            assert acao == (b"*" if expected_config["allow_origins"] == ["*"] else origin), (path, origin, acao)
        else:
            assert acao is None, (path, origin, acao)
        assert b"origin" in response.vary_tokens()


def test_admin_policy_does_not_leak_to_lookalike_paths():
    config = {**TOP, "path_policies": PATH_CONFIGS}
    for path in ("/administrator", "/adminx", "/public-admin", "/Admin", "/%61dmin"):
        response = through(CORSMiddleware, config, http_scope("GET", path, [(b"origin", b"https://admin.example.com")]))
        assert response.one(ACAO) is None, path


# -- allow_origin_func ----------------------------------------------------------------------------------


def test_origin_func_that_says_yes_to_everything_never_reflects_junk():
    asked: list[str] = []

    def yes(origin: str) -> bool:
        asked.append(origin)
        return True

    middleware = CORSMiddleware(Endpoint(), allow_origin_func=yes, allow_credentials=True)
    hostile = [
        b"null",
        b"https://a.test\r\nX: y",
        b"https://a.test\x00",
        b"HTTPS://A.TEST",
        b"https://a.test/",
        b"https://u@a.test",
        b"https://a.test.",
        b"\xff",
        b"",
        b"https://" + b"a" * 65536,
    ]
    for origin in hostile:
        response = call(middleware, http_scope("GET", "/", [(b"origin", origin)]))
        assert_wellformed(response)
        assert response.one(ACAO) is None, origin
    assert asked == []
    response = call(middleware, http_scope("GET", "/", [(b"origin", b"https://tenant.test")]))
    assert response.one(ACAO) == b"https://tenant.test"
    assert asked == ["https://tenant.test"]


@pytest.mark.parametrize(
    "func",
    [lambda o: 1 / 0, lambda o: "yes", lambda o: 1, lambda o: None],
    ids=["raises", "string", "int", "none"],
)
def test_origin_func_failures_refuse_and_never_raise(func: Any):
    middleware = CORSMiddleware(Endpoint(), allow_origin_func=func)
    for method, extra in (("GET", []), ("OPTIONS", [(b"access-control-request-method", b"GET")])):
        response = call(middleware, http_scope(method, "/", [(b"origin", b"https://tenant.test"), *extra]))
        assert_wellformed(response)
        assert response.one(ACAO) is None


@settings(max_examples=200, deadline=None)
@given(origin=strat.origins(), allowed_hosts=st.sets(st.sampled_from(["a.test", "example.com", "localhost"])))
def test_origin_func_decisions_match_reference(origin: bytes, allowed_hosts: set[str]):
    def func(text: str) -> bool:
        return text.partition("://")[2].split(":")[0] in allowed_hosts

    config = {"allow_origins": ["https://app.example.com"], "allow_origin_func": func, "origin_cache_size": 0}
    response = through(CORSMiddleware, config, http_scope("GET", "/", [(b"origin", origin)]))
    assert_wellformed(response)
    expected = ref.origin_allowed(config, origin)
    assert response.one(ACAO) == (origin if expected else None)


def test_a_lock_down_applies_under_a_mount_point():
    # Mounted at /v1 (Starlette's Mount, or a server's root path), /v1/admin is the app's /admin.
    config = {"allow_origins": ["https://app.test"], "allow_credentials": True, "path_policies": {"/admin": None}}
    for root_path, path in (("/v1", "/v1/admin/users"), ("/v1", "/v1/admin"), ("", "/admin/users")):
        scope = http_scope("GET", path, [(b"origin", b"https://app.test")])
        scope["root_path"] = root_path
        response = through(CORSMiddleware, config, scope)
        assert response.app_called and response.one(b"access-control-allow-origin") is None, path
        assert response.one(b"access-control-allow-credentials") is None
    scope = http_scope("GET", "/v1/items", [(b"origin", b"https://app.test")])
    scope["root_path"] = "/v1"
    assert through(CORSMiddleware, config, scope).one(b"access-control-allow-origin") == b"https://app.test"
