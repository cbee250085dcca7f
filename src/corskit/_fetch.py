"""Facts from the Fetch standard (https://fetch.spec.whatwg.org/) and the URL/HTML standards it builds on.

Nothing here knows about corskit's configuration: these are the browser's rules, shared by the middleware
(validating a configuration, reading a request) and by the browser simulator (``corskit.browser``).
"""

from __future__ import annotations

import re

# RFC 9110, section 5.6.2: token = 1*tchar. The same class, as a regex fragment, for str and bytes.
TCHAR_CLASS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
TOKEN_RE = re.compile(TCHAR_CLASS + "+")

HTTP_TAB_OR_SPACE = "\t "
# Fetch: HTTP whitespace is U+000A LF, U+000D CR, or an HTTP tab or space.
HTTP_WHITESPACE = "\n\r\t "

# Fetch: "forbidden method" - a page can never send these, so allowing them is a mistake.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

# Fetch: "To normalize a method, if it is a byte-case-insensitive match for `DELETE`, `GET`, `HEAD`,
# `OPTIONS`, `POST`, or `PUT`, byte-uppercase it." Anything else (e.g. "patch") goes out as written.
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

# Fetch: the CORS-safelisted response-header names (readable without Access-Control-Expose-Headers).
SAFELISTED_RESPONSE_HEADER_NAMES = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)

# Fetch: "forbidden response-header name" - never readable by a page, so never exposable.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})

# URL standard: the special schemes' default ports, which a serialized origin omits. Fetch itself only
# fetches http(s); ws(s) matter for the Origin of a WebSocket handshake.
HTTP_DEFAULT_PORTS = {"http": 80, "https": 443}
DEFAULT_PORTS = {**HTTP_DEFAULT_PORTS, "ws": 80, "wss": 443}

# Multi-label public suffixes that people put behind a wildcard by mistake. A single-label suffix
# (``*.com``) is caught without a list; this list only covers the common hosting and country suffixes
# (the full Public Suffix List is not bundled, to keep the middleware dependency-free).
MULTI_LABEL_PUBLIC_SUFFIXES = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "com.au",
        "net.au",
        "org.au",
        "co.nz",
        "co.jp",
        "ne.jp",
        "co.kr",
        "com.br",
        "com.cn",
        "com.mx",
        "com.tr",
        "co.in",
        "co.za",
        "com.sg",
        "com.hk",
        "com.tw",
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "vercel.app",
        "netlify.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "azurewebsites.net",
        "cloudfront.net",
        "amazonaws.com",
        "onrender.com",
        "fly.dev",
        "ngrok.io",
        "ngrok-free.app",
        "glitch.me",
        "repl.co",
        "blogspot.com",
        "now.sh",
        "surge.sh",
        "trycloudflare.com",
    }
)


def is_token(value: str) -> bool:
    return TOKEN_RE.fullmatch(value) is not None


def strip_http_whitespace(value: str) -> str:
    """Fetch: "normalize" a header value (remove leading and trailing HTTP whitespace bytes)."""
    return value.strip(HTTP_WHITESPACE)


def normalize_method(method: str) -> str:
    """Fetch: normalize a method - only the six well-known names change case."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_method(method: str) -> bool:
    """Fetch: a forbidden method is a byte-case-insensitive match for CONNECT, TRACE or TRACK."""
    return method.upper() in FORBIDDEN_METHODS


def is_cors_safelisted_method(method: str) -> bool:
    """Fetch: a CORS-safelisted method is `GET`, `HEAD` or `POST` (case-sensitive, after normalization)."""
    return method in SAFELISTED_METHODS


def is_forbidden_request_header_name(name: str) -> bool:
    """Fetch: the name part of "forbidden request-header" (the method-override headers also look at values)."""
    lowered = name.lower()
    return lowered in FORBIDDEN_REQUEST_HEADERS or lowered.startswith(FORBIDDEN_REQUEST_HEADER_PREFIXES)
