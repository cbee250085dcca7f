"""HTTP methods as the Fetch standard sees them (section 2.2.1, "Methods")."""

from __future__ import annotations

from .tokens import is_token

__all__ = ["is_cors_safelisted_method", "is_forbidden_method", "normalize_method", "validate_method"]

# Fetch: "To normalize a method, if it is a byte-case-insensitive match for `DELETE`, `GET`, `HEAD`,
# `OPTIONS`, `POST`, or `PUT`, byte-uppercase it." Anything else (e.g. "patch") goes out as written.
_NORMALIZED = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
_FORBIDDEN = frozenset({"CONNECT", "TRACE", "TRACK"})
_SAFELISTED = frozenset({"GET", "HEAD", "POST"})


def normalize_method(method: str) -> str:
    upper = method.upper()
    return upper if upper in _NORMALIZED else method


def is_forbidden_method(method: str) -> bool:
    """Fetch: a forbidden method is a byte-case-insensitive match for CONNECT, TRACE or TRACK."""
    return method.upper() in _FORBIDDEN


def is_cors_safelisted_method(method: str) -> bool:
    """Fetch: a CORS-safelisted method is `GET`, `HEAD` or `POST` (case-sensitive, after normalization)."""
    return method in _SAFELISTED


def validate_method(method: str) -> str | None:
    """The TypeError message ``new Request()`` would throw for this method, or None when it is usable."""
    if not is_token(method):
        return f"'{method}' is not a valid HTTP method."
    if is_forbidden_method(method):
        return f"'{method}' HTTP method is unsupported."
    return None
