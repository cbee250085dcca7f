"""Which response headers JavaScript can read (Fetch: "CORS-exposed header-name list", filtered responses)."""

from __future__ import annotations

from collections.abc import Iterable

from ._headers import ParseFailure, extract_header_list_values
from ._result import ReadableHeaders
from ._safelist import CORS_SAFELISTED_RESPONSE_HEADER_NAMES, FORBIDDEN_RESPONSE_HEADER_NAMES

__all__ = ["readable_headers"]


def _combine(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    combined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        combined[key] = f"{combined[key]}, {value}" if key in combined else value
    return combined


def readable_headers(
    response_headers: Iterable[tuple[str, str]], response_type: str, include_credentials: bool
) -> ReadableHeaders:
    """``response.headers`` for a "basic", "cors" or opaque response."""
    headers = list(response_headers)
    combined = {k: v for k, v in _combine(headers).items() if k not in FORBIDDEN_RESPONSE_HEADER_NAMES}
    if response_type == "basic":
        # Fetch: a basic filtered response hides only the forbidden response-header names (Set-Cookie).
        return ReadableHeaders(combined)
    if response_type != "cors":
        return ReadableHeaders()
    # Fetch: main fetch, "CORS-exposed header-name list": the parsed Access-Control-Expose-Headers;
    # `*` exposes every header, but only when credentials are not included; a parse failure exposes none.
    exposed = extract_header_list_values(headers, "Access-Control-Expose-Headers")
    names: set[str] = set()
    if isinstance(exposed, ParseFailure) or exposed is None:
        names = set()
    elif not include_credentials and "*" in exposed:
        names = set(combined)
    else:
        names = {name.lower() for name in exposed}
    allowed = CORS_SAFELISTED_RESPONSE_HEADER_NAMES | names
    return ReadableHeaders({k: v for k, v in combined.items() if k in allowed})
