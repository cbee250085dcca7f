"""Why a simulated fetch() needed a preflight, and what to change when the browser refused it.

The browser's own verdict (``corskit.browser``) decides; this module only reads that verdict and the
exchanges on the wire, and phrases the fix twice: for corskit/FastAPI/Starlette's ``CORSMiddleware``
parameters, and as the rule for the response header, since the server may be anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._fix import Fix

if TYPE_CHECKING:
    from ..browser import Exchange, FetchResult

# Fetch: "CORS-safelisted method".
SAFELISTED_METHODS = ("GET", "HEAD", "POST")
# Fetch: "CORS-safelisted request-header" -- the names whose values may be safelisted, and the rule each has.
_VALUE_RULES = {
    "accept": 'its value may not contain a CORS-unsafe byte (" ( ) : < > ? @ [ \\ ] { } or a control byte)',
    "accept-language": "its value may only hold letters, digits, space and * , - . ; =",
    "content-language": "its value may only hold letters, digits, space and * , - . ; =",
    "content-type": "its type must be application/x-www-form-urlencoded, multipart/form-data or text/plain",
    "range": "it must be a single byte range such as bytes=0-99",
}


def preflight_reasons(preflight: Exchange | None, request_headers: Sequence[tuple[str, str]]) -> list[str]:
    """Why the browser sent ``preflight``, read from its Access-Control-Request-* headers."""
    if preflight is None:
        return []
    reasons = []
    method = preflight.request_header("Access-Control-Request-Method") or ""
    if method not in SAFELISTED_METHODS:
        reasons.append(f"the method {method} is not CORS-safelisted (only GET, HEAD and POST are)")
    names = [n for n in (preflight.request_header("Access-Control-Request-Headers") or "").split(",") if n]
    given = {name.lower(): value for name, value in request_headers}
    for name in names:
        if name in _VALUE_RULES:
            value = given.get(name, "")
            reasons.append(f"the header {name}: {value} is not CORS-safelisted: {_VALUE_RULES[name]}")
        else:
            reasons.append(f"the header {name} is not CORS-safelisted")
    return reasons


def _where(exchange: Exchange, first_url: str) -> str:
    if exchange.kind == "preflight":
        return "on the preflight (OPTIONS) response"
    location = exchange.response_header("Location")
    if exchange.status in (301, 302, 303, 307, 308) and location is not None:
        # Fetch: HTTP fetch runs the CORS check on a redirect response too, before following it.
        return f"on the {exchange.status} redirect to {location} (or fetch that URL directly)"
    if exchange.url != first_url:
        return f"on the response from {exchange.url} (after a redirect)"
    return "on the response"


_DISALLOWED = re.compile(r"Disallowed CORS ([a-z, -]+)")


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _preflight_refusals(exchange: Exchange, origin: str, include: bool) -> list[Fix]:
    """A preflight refused with a non-2xx status: find which part the server disliked."""
    method = exchange.request_header("Access-Control-Request-Method") or ""
    wanted = _list(exchange.request_header("Access-Control-Request-Headers"))
    body = exchange.body.decode("utf-8", "replace")
    named = _DISALLOWED.search(body)
    refused = set(_list(named.group(1))) if named else set()
    methods = exchange.response_header("Access-Control-Allow-Methods")
    allowed_names = {h.lower() for h in _list(exchange.response_header("Access-Control-Allow-Headers"))}
    fixes: list[Fix] = []
    cors_headers = [k for k, _ in exchange.response_headers if k.lower().startswith("access-control-")]
    if named is None and not cors_headers:
        # No CORS header at all: the app (a 404/405 route, an auth layer) answered, not a CORS middleware.
        fixes.append(_unanswered(exchange))
    allow_origin = exchange.response_header("Access-Control-Allow-Origin")
    if "origin" in refused or (named is None and allow_origin is None):
        fixes.append(_origin_fix(origin, "on the preflight (OPTIONS) response"))
    if "method" in refused or (methods is not None and method not in _list(methods) and "*" not in _list(methods)):
        fixes.append(_method_fix(method))
    missing = [n for n in wanted if n not in allowed_names and ("*" not in allowed_names or include)]
    if (
        "headers" in refused or (named is None and exchange.response_header("Access-Control-Allow-Headers"))
    ) and missing:
        fixes.append(_headers_fix(missing))
    if "private-network" in refused:
        fixes.append(
            Fix(
                "set allow_private_network=True",
                "Access-Control-Allow-Private-Network must be true on the preflight response",
            )
        )
    if not fixes:
        fixes.append(_unanswered(exchange))
    return fixes


def _unanswered(exchange: Exchange) -> Fix:
    return Fix(
        "the preflight never reached the CORS middleware: add CORSMiddleware as the outermost "
        "middleware, outside authentication and routing, so it answers OPTIONS itself",
        f"the preflight (OPTIONS) response must have a 2xx status (it was {exchange.status})",
    )


def _origin_fix(origin: str, where: str) -> Fix:
    if origin == "null":
        return Fix(
            "do not allow 'null' (any site can send it from a sandboxed iframe): serve the page from a real "
            "origin and list that in allow_origins",
            f"Access-Control-Allow-Origin must be null {where} (avoid: anyone can send Origin: null)",
        )
    return Fix(f"add '{origin}' to allow_origins", f"Access-Control-Allow-Origin must be {origin} {where}")


def _method_fix(method: str) -> Fix:
    header = f"Access-Control-Allow-Methods must include {method}"
    if method != method.upper():
        header += (
            f" (method names are case-sensitive and browsers send '{method}' as written; "
            f"or call fetch() with '{method.upper()}')"
        )
    return Fix(f"add '{method}' to allow_methods", header)


def _headers_fix(names: list[str]) -> Fix:
    quoted = ", ".join(f"'{n}'" for n in names)
    return Fix(f"add {quoted} to allow_headers", f"Access-Control-Allow-Headers must include {', '.join(names)}")


_PATTERNS: list[tuple[str, str]] = [
    ("no-allow-origin", r"No 'Access-Control-Allow-Origin' header is present"),
    ("wildcard-with-credentials", r"must not be the wildcard '\*'"),
    ("multiple-origins", r"contains multiple values"),
    ("origin-mismatch", r"has a value '(?P<value>.*?)' that is not equal to the supplied origin"),
    ("credentials", r"'Access-Control-Allow-Credentials' header in the response is '(?P<value>.*?)'"),
    ("preflight-redirect", r"Redirect is not allowed for a preflight request"),
    ("preflight-status", r"It does not have HTTP ok status"),
    ("methods-unparsable", r"Cannot parse Access-Control-Allow-Methods"),
    ("headers-unparsable", r"Cannot parse Access-Control-Allow-Headers"),
    ("method-not-allowed", r"Method (?P<value>\S+) is not allowed by Access-Control-Allow-Methods"),
    ("header-not-allowed", r"Request header field (?P<value>\S+) is not allowed by Access-Control-Allow-Headers"),
    ("too-many-redirects", r"too many redirects"),
    ("redirect-credentials", r"contains a username and password"),
]


def refusal_kind(error: str) -> tuple[str, str]:
    """The kind of refusal the console message describes, and the value it names ("" if none)."""
    for kind, pattern in _PATTERNS:
        found = re.search(pattern, error)
        if found:
            return kind, found.groupdict().get("value") or ""
    return "other", ""


def fixes_for(result: FetchResult, origin: str, include: bool) -> list[Fix]:
    """What to change so that the browser allows the request ``result`` describes (empty if allowed)."""
    if not result.blocked or not result.error or not result.exchanges:
        return []
    last = result.exchanges[-1]
    where = _where(last, result.exchanges[0].url)
    kind, value = refusal_kind(result.error)
    given = last.response_header("Access-Control-Allow-Origin")
    if kind == "no-allow-origin":
        if last.kind == "preflight" and last.status is not None and not 200 <= last.status <= 299:
            return _preflight_refusals(last, origin, include)
        if last.kind == "request" and last.status is not None and last.status >= 500:
            # Starlette's error page is sent outside the CORS middleware, so it has no CORS headers.
            return [
                Fix(
                    f"the app failed ({last.status}) and the error page has no CORS headers: fix the error "
                    "(corskit's CORSMiddleware also adds CORS headers to 500s for allowed origins)",
                    f"Access-Control-Allow-Origin must be {origin} {where}, error responses included",
                )
            ]
        if last.kind == "request" and result.preflight is not None:
            return [
                Fix(
                    "the preflight allowed the origin but the actual response has no CORS headers: let the "
                    "same CORS middleware wrap the route (and check that no proxy strips the headers)",
                    f"Access-Control-Allow-Origin must be {origin} {where}, not only on the preflight",
                )
            ]
        return [_origin_fix(origin, where)]
    if kind == "wildcard-with-credentials":
        return [
            Fix(
                f"list the origins instead of '*' (allow_origins=['{origin}']) with allow_credentials=True",
                f"Access-Control-Allow-Origin must be {origin}, not *, when credentials are included "
                f"(with Vary: Origin) {where}",
            )
        ]
    if kind == "multiple-origins":
        return [
            Fix(
                "let one layer add CORS headers: remove the second middleware, proxy rule or app code that "
                "also sets them",
                f"Access-Control-Allow-Origin must appear once, with the single value {origin}, {where} "
                f"(it was '{given}')",
            )
        ]
    if kind == "origin-mismatch":
        return [
            Fix(
                f"add '{origin}' to allow_origins (exactly: scheme, host, port, no trailing slash)",
                f"Access-Control-Allow-Origin must be exactly {origin} {where} (it was '{value}')",
            )
        ]
    if kind == "credentials":
        return [
            Fix(
                "set allow_credentials=True",
                f"Access-Control-Allow-Credentials must be exactly true {where}"
                + (f" (it was '{value}')" if value else " (it was missing)"),
            )
        ]
    if kind == "preflight-redirect":
        target = last.response_header("Location") or "elsewhere"
        return [
            Fix(
                f"request the URL the server redirects to ({target}) directly, or stop redirecting OPTIONS "
                "(e.g. a trailing-slash redirect) so CORSMiddleware answers the preflight",
                "the preflight (OPTIONS) response must have a 2xx status, not a redirect",
            )
        ]
    if kind == "preflight-status":
        return _preflight_refusals(last, origin, include)
    if kind in ("methods-unparsable", "headers-unparsable"):
        name = "Access-Control-Allow-Methods" if kind == "methods-unparsable" else "Access-Control-Allow-Headers"
        parameter = "allow_methods" if kind == "methods-unparsable" else "allow_headers"
        return [
            Fix(
                f"give {parameter} plain names (a list of strings such as ['GET', 'PUT'])",
                f"{name} must be a comma-separated list of names {where} (it was '{last.response_header(name)}')",
            )
        ]
    if kind == "method-not-allowed":
        return [_method_fix(value)]
    if kind == "header-not-allowed":
        fix = _headers_fix([value])
        if include and "*" in _list(last.response_header("Access-Control-Allow-Headers")):
            fix = Fix(fix.config, fix.header + " by name: with credentials '*' is taken literally")
        return [fix]
    if kind == "too-many-redirects":
        return [Fix("fix the redirect loop in the app or proxy", "the redirects must end within 20 hops")]
    if kind == "redirect-credentials":
        return [Fix("redirect to a URL without user:password@", "Location must not contain a user or password")]
    return [Fix("see the console message above", "see the console message above")]


def suggestions(fixes: Sequence[Fix]) -> list[str]:
    """The fixes as flat sentences, config first, then the header rule (for --json)."""
    lines: list[str] = []
    for fix in fixes:
        lines.extend(fix.lines())
    return lines
