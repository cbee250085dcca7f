"""What ``corskit lint`` says Starlette's middleware and a wrong middleware order do, checked for real."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from support.asgi import Response, http_scope, preflight, request, through

import corskit


async def hello(request: Any) -> PlainTextResponse:
    return PlainTextResponse("hi")


def starlette_get(headers: dict[str, str], **options: Any) -> Response:
    return through(StarletteCORS, options, http_scope("GET", "/", list(headers.items())))


def test_starlette_wildcard_with_credentials_echoes_any_origin() -> None:
    response = starlette_get(
        {"Origin": "https://evil.example", "Cookie": "session=1"}, allow_origins=["*"], allow_credentials=True
    )
    assert response.get("access-control-allow-origin") == "https://evil.example"
    assert response.get("access-control-allow-credentials") == "true"


def test_starlette_plain_string_matches_substrings() -> None:
    response = starlette_get({"Origin": "https://app.example.c"}, allow_origins="https://app.example.com")
    assert response.get("access-control-allow-origin") == "https://app.example.c"


def test_starlette_string_with_a_star_allows_every_origin() -> None:
    response = starlette_get({"Origin": "https://evil.example"}, allow_origins="https://*.example.com")
    assert response.get("access-control-allow-origin") == "*"


def test_starlette_allow_methods_string_is_split_into_letters() -> None:
    middleware = StarletteCORS(hello, allow_origins=["https://app.example.com"], allow_methods="GET")
    response = preflight(middleware, "https://app.example.com", "GET")
    assert response.get("access-control-allow-methods") == "G, E, T"


def test_starlette_string_false_turns_credentials_on() -> None:
    response = starlette_get(
        {"Origin": "https://app.example.com"}, allow_origins=["https://app.example.com"], allow_credentials="false"
    )
    assert response.get("access-control-allow-credentials") == "true"


def test_starlette_compares_a_corskit_pattern_literally() -> None:
    response = starlette_get({"Origin": "https://app.example.com"}, allow_origins=["https://*.example.com"])
    assert not response.has("access-control-allow-origin")


def test_trusted_host_outside_cors_answers_without_cors_headers_and_the_fix_adds_them() -> None:
    origins = ["https://app.example.com"]
    headers = [("Origin", "https://app.example.com"), ("Host", "other.example")]
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
    before = request(wrong, "GET", "/", headers)
    after = request(fixed, "GET", "/", headers)
    assert before.status == after.status == 400
    assert not before.has("access-control-allow-origin")
    assert after.get("access-control-allow-origin") == "https://app.example.com"
