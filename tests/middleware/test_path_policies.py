"""path_policies: the longest matching prefix on segment boundaries picks the policy; None turns CORS off."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from support.asgi import Endpoint, call, http_scope, preflight, request, websocket_scope

from corskit import CORSConfigError, CORSMiddleware, compile_policy
from corskit._paths import PathPolicies

SITE = "https://site.example"
PARTNER = "https://partner.example"
ANYONE = "https://anyone.example"


def acao(app: Any, path: str, origin: str = ANYONE) -> str | None:
    return request(app, "GET", path, [("Origin", origin)]).get("access-control-allow-origin")


def test_longest_prefix_wins() -> None:
    app = CORSMiddleware(
        Endpoint(body=b"ok"),
        allow_origins=[SITE],
        path_policies={
            "/api": {"allow_origins": [PARTNER]},
            "/api/public": {"allow_origins": ["*"]},
            "/api/public/internal": None,
        },
    )
    assert acao(app, "/api/orders", PARTNER) == PARTNER
    assert acao(app, "/api/orders", SITE) is None
    assert acao(app, "/api/public/feed", ANYONE) == "*"
    assert acao(app, "/api/public", ANYONE) == "*"
    assert acao(app, "/api/publicity", ANYONE) is None  # not a segment of /api/public: falls back to /api
    assert acao(app, "/api/publicity", PARTNER) == PARTNER
    assert (
        request(app, "GET", "/api/public/internal/x", [("Origin", SITE)]).headers == []
    )  # nothing added, not even Vary
    assert acao(app, "/elsewhere", SITE) == SITE  # no prefix: the top-level configuration


@pytest.mark.parametrize("path", ["/admin", "/admin/", "/admin/users", "/admin/users/7/edit", "/admin//x"])
def test_prefix_covers_itself_and_everything_below(path: str) -> None:
    app = CORSMiddleware(
        Endpoint(body=b"ok"), allow_origins=[SITE], path_policies={"/admin": {"allow_origins": [PARTNER]}}
    )
    assert acao(app, path, PARTNER) == PARTNER
    assert acao(app, path, SITE) is None


@pytest.mark.parametrize("path", ["/administrator", "/admin-panel", "/admin.json", "/adm", "/", "/x/admin"])
def test_prefix_does_not_cover_other_segments(path: str) -> None:
    app = CORSMiddleware(
        Endpoint(body=b"ok"), allow_origins=[SITE], path_policies={"/admin": {"allow_origins": [PARTNER]}}
    )
    assert acao(app, path, SITE) == SITE
    assert acao(app, path, PARTNER) is None


def test_root_prefix_covers_every_path() -> None:
    app = CORSMiddleware(
        Endpoint(body=b"ok"), allow_origins=[SITE], path_policies={"/": {"allow_origins": [PARTNER]}, "/open": None}
    )
    for path in ("/", "/a", "/a/b"):
        assert acao(app, path, PARTNER) == PARTNER
        assert acao(app, path, SITE) is None
    assert acao(app, "/open/x", PARTNER) is None


def test_a_path_policy_is_a_whole_configuration_with_the_usual_defaults() -> None:
    """Design note for the README: a per-path dict does not inherit the top-level options."""
    app = CORSMiddleware(
        Endpoint(body=b"ok"),
        allow_origins=[SITE],
        allow_methods=["GET", "PUT"],
        allow_credentials=True,
        path_policies={"/partner": {"allow_origins": [SITE]}},
    )
    top = preflight(app, SITE, "PUT", path="/x")
    assert top.status == 200 and top.get("access-control-allow-credentials") == "true"
    scoped = preflight(app, SITE, "PUT", path="/partner/x")
    assert scoped.status == 400  # allow_methods is back to its default ("GET",)
    assert scoped.get("access-control-allow-credentials") is None
    assert preflight(app, SITE, "GET", path="/partner/x").status == 200


def test_per_path_options_are_applied() -> None:
    app = CORSMiddleware(
        Endpoint(body=b"ok"),
        allow_origins=[SITE],
        path_policies={
            "/partner": {
                "allow_origins": [PARTNER],
                "allow_methods": ["GET", "DELETE"],
                "allow_headers": ["X-Partner-Key"],
                "allow_credentials": True,
                "expose_headers": ["X-Quota"],
                "max_age": 30,
            },
        },
    )
    ok = preflight(app, PARTNER, "DELETE", path="/partner/orders/1", request_headers="x-partner-key")
    assert ok.status == 200
    assert ok.get("access-control-allow-methods") == "GET, DELETE"
    assert "X-Partner-Key" in (ok.get("access-control-allow-headers") or "")
    assert ok.get("access-control-max-age") == "30"
    assert ok.get("access-control-allow-credentials") == "true"
    actual = request(app, "GET", "/partner/orders/1", [("Origin", PARTNER)])
    assert actual.get("access-control-expose-headers") == "X-Quota"
    assert preflight(app, PARTNER, "DELETE", path="/orders/1").status == 400


def test_per_path_origin_func_is_separate() -> None:
    calls: list[str] = []

    def partner_func(origin: str) -> bool:
        calls.append(origin)
        return origin == PARTNER

    app = CORSMiddleware(
        Endpoint(body=b"ok"), allow_origins=[SITE], path_policies={"/p": {"allow_origin_func": partner_func}}
    )
    assert acao(app, "/p/x", PARTNER) == PARTNER
    assert acao(app, "/x", PARTNER) is None
    assert calls == [PARTNER]


def options_app() -> Starlette:
    async def get_only(request: Request) -> Response:
        return PlainTextResponse("get")

    async def custom_options(request: Request) -> Response:
        return PlainTextResponse("custom preflight", headers={"Access-Control-Allow-Origin": "https://mine.example"})

    return Starlette(
        routes=[
            Route("/legacy/get-only", get_only, methods=["GET"]),
            Route("/legacy/custom", custom_options, methods=["OPTIONS"]),
            Route("/api/get-only", get_only, methods=["GET"]),
        ]
    )


def test_cors_off_means_no_headers_and_preflights_reach_the_app() -> None:
    app = CORSMiddleware(options_app(), allow_origins=["*"], path_policies={"/legacy": None})
    client = TestClient(app)
    preflight_headers = {"Origin": ANYONE, "Access-Control-Request-Method": "GET"}

    off = client.options("/legacy/get-only", headers=preflight_headers)
    assert off.status_code == 405  # Starlette's own answer: the route has no OPTIONS
    assert not [k for k in off.headers if k.startswith("access-control-")]
    custom = client.options("/legacy/custom", headers=preflight_headers)
    assert (custom.status_code, custom.text) == (200, "custom preflight")
    assert custom.headers["access-control-allow-origin"] == "https://mine.example"
    plain = client.get("/legacy/get-only", headers={"Origin": ANYONE})
    assert plain.text == "get"
    assert not [k for k in plain.headers if k.startswith("access-control-")]
    assert "vary" not in plain.headers

    on = client.options("/api/get-only", headers=preflight_headers)
    assert on.status_code == 200  # answered by corskit, never reaching the route
    assert on.headers["access-control-allow-origin"] == "*"


def test_cors_off_also_skips_error_handling() -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("x")

    app = CORSMiddleware(
        Starlette(routes=[Route("/legacy/boom", boom)]), allow_origins=["*"], path_policies={"/legacy": None}
    )
    response = TestClient(app, raise_server_exceptions=False).get("/legacy/boom", headers={"Origin": ANYONE})
    assert response.status_code == 500
    assert "access-control-allow-origin" not in response.headers


# -- validation ---------------------------------------------------------------------------------------


def test_every_path_policy_problem_is_reported_with_its_prefix() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(
            Endpoint(body=b"ok"),
            allow_origins="https://site.example",  # type: ignore[arg-type]
            path_policies={
                "/x": {"allow_origins": "https://a.example"},
                "/y": {"allow_origins": ["*"], "allow_credentials": True},
                "/z": {"allow_origin": [SITE]},
                "/w": {"check_websocket_origin": False},
                "/v": {"allow_origin_func": 42, "origin_cache_ttl": -1},
                "/u": ["*"],
                "api": {},
                "/trailing/": {},
            },
        )
    found = {(p.code, p.parameter) for p in caught.value.problems}
    assert found == {
        ("not-a-list", "allow_origins"),
        ("not-a-list", "path_policies['/x'].allow_origins"),
        ("wildcard-with-credentials", "path_policies['/y'].allow_origins"),
        ("unknown-option", "path_policies['/z'].allow_origin"),
        ("unknown-option", "path_policies['/w'].check_websocket_origin"),
        ("origin-func-not-callable", "path_policies['/v'].allow_origin_func"),
        ("cache-ttl-invalid", "path_policies['/v'].origin_cache_ttl"),
        ("path-policy-invalid", "path_policies['/u']"),
        ("path-prefix-invalid", "path_policies['api']"),
        ("path-prefix-invalid", "path_policies['/trailing/']"),
    }
    text = str(caught.value)
    assert "'/api'" in text  # the fix for a prefix without a leading slash
    assert "'/trailing'" in text


@pytest.mark.parametrize("prefix", ["", "admin", "*", "/admin/", "/a\ud800", 5])
def test_bad_prefixes(prefix: Any) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(body=b"ok"), path_policies={prefix: None})
    assert caught.value.codes == ["path-prefix-invalid"]


@pytest.mark.parametrize("value", [["/x"], "/x", [("/x", None)], 1])
def test_path_policies_must_be_a_mapping(value: Any) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(body=b"ok"), path_policies=value)
    assert caught.value.codes == ["path-policies-not-mapping"]


def test_good_prefixes_are_accepted() -> None:
    CORSMiddleware(
        Endpoint(body=b"ok"), path_policies={"/": None, "/a": {}, "/a/b-c_d.e": {"allow_origins": ["*"]}, "/v1.2": None}
    )


# -- lookup cost ----------------------------------------------------------------------------------------


class CountingDict(dict):  # type: ignore[type-arg]
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.looked_up: list[str] = []

    def get(self, key: Any, default: Any = None) -> Any:
        self.looked_up.append(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.looked_up.append(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self.looked_up.append(key)
        return super().__contains__(key)


@pytest.fixture
def thousand() -> tuple[PathPolicies, CountingDict, Any]:
    policy = compile_policy(allow_origins=[PARTNER])
    prefixes = {f"/tenant{i}": policy for i in range(990)}
    prefixes.update({f"/deep/{i}/a/b/c": policy for i in range(10)})
    assert len(prefixes) == 1000
    counting = CountingDict(prefixes)
    return PathPolicies(counting), counting, policy


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tenant5", "/tenant5"),
        ("/tenant5/orders/7", "/tenant5"),
        ("/tenant5x/orders", None),
        ("/deep/3/a/b/c/d/e", "/deep/3/a/b/c"),
        ("/deep/3/a/b", None),
        ("/", None),
        ("/nowhere/at/all/really", None),
    ],
)
def test_lookup_costs_at_most_depth_plus_two(
    thousand: tuple[PathPolicies, CountingDict, Any], path: str, expected: Any
) -> None:
    paths, counting, policy = thousand
    default = compile_policy()
    prefix, found = paths.lookup(path, default)
    assert prefix == expected
    assert found is (default if expected is None else policy)
    depth = path.count("/")
    assert len(counting.looked_up) <= depth + 2, counting.looked_up


def test_huge_path_costs_a_bounded_number_of_lookups(thousand: tuple[PathPolicies, CountingDict, Any]) -> None:
    paths, counting, policy = thousand
    longest = max(len(p) for p in counting)
    path = "/tenant7" + "/abcdef" * 10_000
    assert len(path) > 64 * 1024 and path.count("/") > 10_000
    assert paths.lookup(path, compile_policy()) == ("/tenant7", policy)
    counting.looked_up.clear()
    unmatched = "/zzz" + "/abcde" * 11_000
    paths.lookup(unmatched, compile_policy())
    # Only the cuts within the longest prefix's length are tried, whatever the path's length.
    assert len(counting.looked_up) <= longest // 2 + 2
    assert all(len(key) <= longest for key in counting.looked_up)


def test_middleware_uses_path_policies_for_a_huge_path() -> None:
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origins=[SITE], path_policies={"/p": {"allow_origins": [PARTNER]}})
    assert acao(app, "/p" + "/x" * 40_000, PARTNER) == PARTNER
    assert acao(app, "/q" + "/x" * 40_000, SITE) == SITE


# -- the path the wrapped app routes on ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/a?b", "/a#b", "/a*", "//a", "/a//b", "/my files", "/a\nb", "/é", "/a%20b"])
def test_a_prefix_may_hold_any_character_an_asgi_path_can(prefix: str) -> None:
    # Servers percent-decode the path: '/my%20files' arrives as '/my files', '/a%3Fb' as '/a?b'.
    app = CORSMiddleware(Endpoint(), allow_origins=[SITE], path_policies={prefix: {"allow_origins": ["*"]}})
    for path in (prefix, prefix + "/x"):
        assert request(app, "GET", path, [("Origin", ANYONE)]).get("access-control-allow-origin") == "*", path
    assert request(app, "GET", "/elsewhere", [("Origin", ANYONE)]).get("access-control-allow-origin") is None


async def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def scoped(app: Any, path: str, root_path: str, origin: str) -> str | None:
    scope = http_scope("GET", path, [("Origin", origin)], root_path=root_path)
    return call(app, scope).get("access-control-allow-origin")


def test_prefixes_are_relative_to_the_root_path() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=[SITE], allow_credentials=True, path_policies={"/admin": {}})
    assert scoped(app, "/v1/admin/users", "/v1", SITE) is None  # the lock-down applies under the mount
    assert scoped(app, "/v1/admin", "/v1", SITE) is None
    assert scoped(app, "/v1/items", "/v1", SITE) == SITE
    assert scoped(app, "/v10/admin", "/v1", SITE) == SITE  # not below /v1: the whole path is used
    assert scoped(app, "/admin/users", "", SITE) is None


def test_the_mount_point_itself_is_the_apps_root() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=[SITE], path_policies={"/": {"allow_origins": ["*"]}})
    assert scoped(app, "/v1", "/v1", ANYONE) == "*"


def test_a_lock_down_holds_inside_a_starlette_mount() -> None:
    inner = CORSMiddleware(
        Starlette(routes=[Route("/admin/users", ok), Route("/items", ok)]),
        allow_origins=[SITE],
        allow_credentials=True,
        path_policies={"/admin": None},
    )
    client = TestClient(Starlette(routes=[Mount("/v1", app=inner)]))
    assert "access-control-allow-origin" not in client.get("/v1/admin/users", headers={"Origin": SITE}).headers
    assert client.get("/v1/items", headers={"Origin": SITE}).headers["access-control-allow-origin"] == SITE


def test_websocket_handshakes_use_the_same_relative_path() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=[SITE], path_policies={"/open": None})
    scope = websocket_scope([("origin", ANYONE), ("host", "api.example")], "/v1/open/ws", root_path="/v1")
    assert call(app, scope).status is None  # CORS (and so the check) is off under /open
    scope = websocket_scope([("origin", ANYONE), ("host", "api.example")], "/v1/ws", root_path="/v1")
    assert call(app, scope).status == 403
