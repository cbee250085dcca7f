"""Facts from the Fetch standard (https://fetch.spec.whatwg.org/) that both sides of CORS use.

Nothing here knows about corskit's configuration: these are the browser's rules, shared by the
middleware's validation and the browser simulator.
"""

from __future__ import annotations

import re

# RFC 9110 token: the grammar of method and header names.
TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# Fetch: "forbidden method" - a page can never send these, so allowing them is a mistake.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

# Fetch: "normalize a method" upper-cases exactly these, whatever case the page wrote.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

# Fetch: "CORS-safelisted method" - never needs a preflight on its own.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

# Fetch: "forbidden request-header" - set by the browser itself, never by a page, so never
# named in Access-Control-Request-Headers.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_HEADER_PREFIXES = ("proxy-", "sec-")

# Fetch: "CORS-safelisted request-header" names (their values have rules too, which only the
# browser side needs). Starlette always lists these in Access-Control-Allow-Headers.
SAFELISTED_REQUEST_HEADER_NAMES = ("Accept", "Accept-Language", "Content-Language", "Content-Type")

# Fetch: "forbidden response-header name" - never readable by a page, so never exposable.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})


def is_token(value: str) -> bool:
    return TOKEN_RE.fullmatch(value) is not None


def normalize_method(method: str) -> str:
    """Fetch: normalize a method - only the six well-known names change case."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_request_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in FORBIDDEN_REQUEST_HEADERS or lowered.startswith(FORBIDDEN_REQUEST_HEADER_PREFIXES)
