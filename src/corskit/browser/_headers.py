"""Header lists and the parsing of the Access-Control-* response headers.

A header list is a ``list[tuple[str, str]]`` in wire order; names compare case-insensitively and
repeated headers are combined with ", " when read (Fetch: "get" a header / "combine").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .._fetch import HTTP_TAB_OR_SPACE, is_token
from ._profiles import Profile

__all__ = ["HeaderList", "ParseFailure", "extract_header_list_values", "get_header", "parse_max_age"]

HeaderList = list[tuple[str, str]]


class ParseFailure:
    """Marker for "failure" as the Fetch standard's parsing algorithms return it."""

    _instance: ParseFailure | None = None

    def __new__(cls) -> ParseFailure:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "FAILURE"


FAILURE = ParseFailure()


def get_header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """Fetch: "get" ``name``: the values of every header so named, joined with ", ", or None if absent."""
    name = name.lower()
    values = [value for key, value in headers if key.lower() == name]
    return ", ".join(values) if values else None


def extract_header_list_values(headers: Iterable[tuple[str, str]], name: str) -> list[str] | ParseFailure | None:
    """Fetch: "extracting header list values" for a ``#token`` header (ACAM, ACAH, ACEH).

    None when the header is absent; FAILURE when an element is not a token. Empty elements are skipped,
    as RFC 9110's list syntax allows and as Chromium does (``x-a,,x-b`` and ``x-a,`` parse; ``x-a x-b``,
    ``x-a;`` and ``"x-a"`` do not -- checked against Chromium in tests/browser).
    """
    combined = get_header(headers, name)
    if combined is None:
        return None
    values: list[str] = []
    for part in combined.split(","):
        item = part.strip(HTTP_TAB_OR_SPACE)
        if not item:
            continue
        if not is_token(item):
            return FAILURE
        values.append(item)
    return values


_DELTA_SECONDS = re.compile(r"[0-9]+")
_SIGNED_INTEGER = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1


def parse_max_age(value: str | None, profile: Profile) -> int:
    """Seconds a preflight result may be cached (Fetch: CORS-preflight fetch, the max-age steps).

    Fetch: "If max-age is failure or null, then set max-age to 5", then the user agent's cap applies.
    Chromium (ParseAccessControlMaxAge) reads a signed 64-bit integer: a negative value means 0 (do not
    cache) where the standard would fall back to the default of 5 seconds.
    """
    if value is None:
        return profile.default_max_age
    if profile.negative_max_age_disables_cache:
        if _SIGNED_INTEGER.fullmatch(value) is None:
            return profile.default_max_age
        number = int(value)
        if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
            return profile.default_max_age
        if number < 0:
            return 0
        return min(number, profile.max_age_cap)
    if _DELTA_SECONDS.fullmatch(value) is None:
        return profile.default_max_age
    return min(int(value), profile.max_age_cap)
