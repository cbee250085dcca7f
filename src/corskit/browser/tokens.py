"""Tiny lexical helpers from RFC 9110 and the Fetch standard (HTTP tab or space, tokens)."""

from __future__ import annotations

__all__ = ["HTTP_TAB_OR_SPACE", "HTTP_WHITESPACE", "is_token", "strip_http_whitespace"]

# RFC 9110, section 5.6.2: token = 1*tchar.
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
HTTP_TAB_OR_SPACE = "\t "
#: Fetch: HTTP whitespace is U+000A LF, U+000D CR, or an HTTP tab or space.
HTTP_WHITESPACE = "\n\r\t "


def is_token(value: str) -> bool:
    return bool(value) and all(c in _TCHAR for c in value)


def strip_http_whitespace(value: str) -> str:
    """Fetch: "normalize" a header value (remove leading and trailing HTTP whitespace bytes)."""
    return value.strip(HTTP_WHITESPACE)
