"""What ``corskit lint`` says Starlette's middleware and a wrong middleware order do, checked for real."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import corskit


async def hello(request: Any) -> PlainTextResponse:
    return PlainTextResponse("hi")


def starlette_app(**options: Any) -> TestClient:
    app = Starlette(routes=[Route("/", hello)], middleware=[Middleware(StarletteCORS, **options)])
    return TestClient(app)


def test_starlette_wildcard_with_credentials_echoes_any_origin() -> None:
    client = starlette_app(allow_origins=["*"], allow_credentials=True)
    response = client.get("/", headers={"Origin": "https://evil.example", "Cookie": "session=1"})
    assert response.headers["access-control-allow-origin"] == "https://evil.example"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_starlette_plain_string_matches_substrings() -> None:
    client = starlette_app(allow_origins="https://app.example.com")
    response = client.get("/", headers={"Origin": "https://app.example.c"})
    assert response.headers["access-control-allow-origin"] == "https://app.example.c"


def test_starlette_string_with_a_star_allows_every_origin() -> None:
    client = starlette_app(allow_origins="https://*.example.com")
    response = client.get("/", headers={"Origin": "https://evil.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_starlette_allow_methods_string_is_split_into_letters() -> None:
    client = starlette_app(allow_origins=["https://app.example.com"], allow_methods="GET")
    response = client.options(
        "/", headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert response.headers["access-control-allow-methods"] == "G, E, T"


def test_starlette_string_false_turns_credentials_on() -> None:
    client = starlette_app(allow_origins=["https://app.example.com"], allow_credentials="false")
    response = client.get("/", headers={"Origin": "https://app.example.com"})
    assert response.headers["access-control-allow-credentials"] == "true"


def test_starlette_compares_a_corskit_pattern_literally() -> None:
    client = starlette_app(allow_origins=["https://*.example.com"])
    response = client.get("/", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


def test_trusted_host_outside_cors_answers_without_cors_headers_and_the_fix_adds_them() -> None:
    origins = ["https://app.example.com"]
    headers = {"Origin": "https://app.example.com", "Host": "other.example"}
    wrong = Starlette(
        routes=[Route("/", hello)],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"]),
            Middleware(corskit.CORSMiddleware, allow_origins=origins),
        ],
    )
    fixed = Starlette(
        routes=[Route("/", hello)],
        middleware=[
            Middleware(corskit.CORSMiddleware, allow_origins=origins),
            Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"]),
        ],
    )
    before = TestClient(wrong).get("/", headers=headers)
    after = TestClient(fixed).get("/", headers=headers)
    assert before.status_code == after.status_code == 400
    assert "access-control-allow-origin" not in before.headers
    assert after.headers["access-control-allow-origin"] == "https://app.example.com"
