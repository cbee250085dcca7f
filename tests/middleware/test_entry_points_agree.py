"""One table of requests, each sent through every entry point: they must all tell the same story.

Each row is run through the middleware itself (``__call__``), ``explain()``, ``aexplain()`` and, for
handshakes, the WebSocket path; the expected kind, verdict and failed checks are written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from support.asgi import CountingFunc, Endpoint, Response, call, http_scope, websocket_scope
from support.threads import run

from corskit import CORSMiddleware

SITE = "https://app.example.com"
EVIL = "https://evil.example"
TENANT = "https://tenant.example"
ACRM = "access-control-request-method"
ACRH = "access-control-request-headers"
ACRPN = "access-control-request-private-network"

BASE: dict[str, Any] = {"allow_origins": [SITE], "allow_methods": ["GET", "PUT"], "allow_headers": ["X-Token"]}
PATHS: dict[str, Any] = {**BASE, "path_policies": {"/public": {"allow_origins": ["*"]}, "/off": None}}
FUNC: dict[str, Any] = {**BASE, "allow_origin_func": CountingFunc(allowed=[TENANT])}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    headers: list[tuple[str, str]]
    kind: str
    codes: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=lambda: BASE)
    path: str = "/"

    @property
    def allowed(self) -> bool:
        return not self.codes


ROWS = [
    Row("no origin", "GET", [], "not-cors"),
    Row("simple allowed", "GET", [("origin", SITE)], "simple"),
    Row("simple refused", "POST", [("origin", EVIL)], "simple", ("origin-not-allowed",)),
    Row("null origin", "GET", [("origin", "null")], "simple", ("origin-not-allowed",)),
    Row("two origins", "GET", [("origin", SITE), ("origin", SITE)], "simple", ("origin-duplicated",)),
    Row("options without request method", "OPTIONS", [("origin", SITE)], "simple"),
    Row("lower-case options is not a preflight", "options", [("origin", SITE), (ACRM, "DELETE")], "simple"),
    Row("preflight allowed", "OPTIONS", [("origin", SITE), (ACRM, "PUT"), (ACRH, "x-token")], "preflight"),
    Row(
        "preflight split header list",
        "OPTIONS",
        [("origin", SITE), (ACRM, "PUT"), (ACRH, "x-token"), (ACRH, "accept")],
        "preflight",
    ),
    Row("preflight method", "OPTIONS", [("origin", SITE), (ACRM, "DELETE")], "preflight", ("method-not-allowed",)),
    Row("preflight empty method", "OPTIONS", [("origin", SITE), (ACRM, "")], "preflight", ("method-missing",)),
    Row(
        "preflight lower-case method",
        "OPTIONS",
        [("origin", SITE), (ACRM, "put")],
        "preflight",
        ("method-not-allowed",),
    ),
    Row(
        "preflight headers",
        "OPTIONS",
        [("origin", SITE), (ACRM, "GET"), (ACRH, "x-other")],
        "preflight",
        ("headers-not-allowed",),
    ),
    Row(
        "preflight malformed headers",
        "OPTIONS",
        [("origin", SITE), (ACRM, "GET"), (ACRH, "x-token,,")],
        "preflight",
        ("headers-malformed",),
    ),
    Row(
        "preflight headers too long",
        "OPTIONS",
        [("origin", SITE), (ACRM, "GET"), (ACRH, "x" * 9000)],
        "preflight",
        ("headers-too-long",),
    ),
    Row(
        "preflight private network",
        "OPTIONS",
        [("origin", SITE), (ACRM, "GET"), (ACRPN, "true")],
        "preflight",
        ("private-network-not-allowed",),
    ),
    Row(
        "preflight every check",
        "OPTIONS",
        [("origin", EVIL), (ACRM, "PATCH"), (ACRH, "x-other"), (ACRPN, "true")],
        "preflight",
        ("origin-not-allowed", "method-not-allowed", "headers-not-allowed", "private-network-not-allowed"),
    ),
    Row(
        "preflight two origins",
        "OPTIONS",
        [("origin", SITE), ("origin", SITE), (ACRM, "GET")],
        "preflight",
        ("origin-duplicated",),
    ),
    Row("path policy wildcard", "GET", [("origin", EVIL)], "simple", config=PATHS, path="/public/feed"),
    Row("path policy off", "OPTIONS", [("origin", EVIL), (ACRM, "DELETE")], "not-cors", config=PATHS, path="/off/x"),
    Row("top level below a policy", "GET", [("origin", EVIL)], "simple", ("origin-not-allowed",), PATHS, "/publicity"),
    Row("function allows", "GET", [("origin", TENANT)], "simple", config=FUNC),
    Row("function refuses", "OPTIONS", [("origin", EVIL), (ACRM, "GET")], "preflight", ("origin-not-allowed",), FUNC),
    Row("handshake allowed", "GET", [("origin", SITE), ("upgrade", "websocket"), ("host", "api.example")], "websocket"),
    Row(
        "handshake same origin",
        "GET",
        [("origin", "https://api.example"), ("upgrade", "websocket"), ("host", "api.example")],
        "websocket",
    ),
    Row(
        "handshake refused",
        "GET",
        [("origin", EVIL), ("upgrade", "websocket"), ("host", "api.example")],
        "websocket",
        ("websocket-origin-refused",),
    ),
    Row(
        "handshake by function",
        "GET",
        [("origin", TENANT), ("upgrade", "websocket"), ("host", "api.example")],
        "websocket",
        config=FUNC,
    ),
    Row(
        "handshake two origins",
        "GET",
        [("origin", SITE), ("origin", SITE), ("upgrade", "websocket"), ("host", "app.example.com")],
        "websocket",
        ("websocket-origin-refused",),
    ),
    Row("handshake without origin", "GET", [("upgrade", "websocket"), ("host", "api.example")], "websocket"),
]


def served(cors: CORSMiddleware, endpoint: Endpoint, row: Row) -> tuple[Response, bool]:
    """What ``__call__`` sent for the row, and whether the request reached the app."""
    if row.kind == "websocket":
        return call(cors, websocket_scope(row.headers, row.path)), endpoint.called
    return call(cors, http_scope(row.method, row.path, row.headers)), endpoint.called


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_every_entry_point_agrees(row: Row) -> None:
    endpoint = Endpoint()
    cors = CORSMiddleware(endpoint, **row.config)
    explained = cors.explain(row.method, row.path, row.headers)

    async def explain_in_a_loop() -> Any:
        return await cors.aexplain(row.method, row.path, row.headers)

    for explanation in (explained, run(explain_in_a_loop)):
        assert explanation.kind == row.kind
        assert explanation.allowed is row.allowed
        assert tuple(check.code for check in explanation.failures) == row.codes
        assert all(check.message for check in explanation.failures)

    response, reached = served(cors, endpoint, row)
    if row.kind == "preflight":
        assert not reached  # answered by the middleware itself
        assert response.status == (200 if row.allowed else 400)
        if not row.allowed:
            named = {code.split("-")[0] if not code.startswith("private") else "private-network" for code in row.codes}
            listed = set(response.body.decode().removeprefix("Disallowed CORS ").split(", "))
            assert listed == named
    elif row.kind == "websocket":
        assert reached is row.allowed
        assert response.status == (None if row.allowed else 403)
    else:
        assert reached and response.status == 200
        sent_origin = response.get("access-control-allow-origin")
        if row.kind == "not-cors":
            assert sent_origin is None
        else:
            assert (sent_origin is not None) is row.allowed
