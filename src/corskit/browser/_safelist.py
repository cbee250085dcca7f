"""Which request headers need a preflight, which are forbidden, which response headers JavaScript reads.

Fetch standard, section 2.2.2 ("Headers"): CORS-safelisted request-header, CORS-unsafe request-header
names, forbidden request-header, CORS-safelisted response-header name, forbidden response-header name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .._fetch import (
    FORBIDDEN_RESPONSE_HEADERS,
    HTTP_TAB_OR_SPACE,
    SAFELISTED_RESPONSE_HEADER_NAMES,
    is_forbidden_method,
    is_forbidden_request_header_name,
    is_token,
)
from ._profiles import Profile

__all__ = [
    "CORS_SAFELISTED_RESPONSE_HEADER_NAMES",
    "FORBIDDEN_RESPONSE_HEADER_NAMES",
    "cors_unsafe_request_header_names",
    "is_cors_safelisted_request_header",
    "is_forbidden_request_header",
]

# Fetch: "A CORS-unsafe request-header byte is a byte byte for which one of the following is true:
# byte is less than 0x20 and is not 0x09 HT; byte is 0x22 ("), 0x28 (left parenthesis), 0x29, 0x3A (:),
# 0x3C (<), 0x3E (>), 0x3F (?), 0x40 (@), 0x5B ([), 0x5C (\), 0x5D (]), 0x7B ({), 0x7D (}), or 0x7F DEL."
_UNSAFE_BYTES = frozenset(chr(c) for c in range(0x20) if c != 0x09) | frozenset('"():<>?@[\\]{}\x7f')
# Fetch: Accept-Language / Content-Language values may only hold 0-9 A-Z a-z space * , - . ; =
_LANGUAGE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")
_SAFE_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
# Fetch: "simple range header value": `bytes=` start `-` [end], no whitespace, one range, no suffix range.
_SIMPLE_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")

# The response-header name sets, under the names this package's modules use.
CORS_SAFELISTED_RESPONSE_HEADER_NAMES = SAFELISTED_RESPONSE_HEADER_NAMES
FORBIDDEN_RESPONSE_HEADER_NAMES = FORBIDDEN_RESPONSE_HEADERS

_METHOD_OVERRIDE_NAMES = frozenset({"x-http-method", "x-http-method-override", "x-method-override"})

# Chromium safelists some Client Hints too (services/network/public/cpp/cors/cors.cc,
# IsCorsSafelistedHeader); each with its own value rule. Verified against Chromium 156 in
# tests/browser/test_browser_vs_chromium.py (e.g. `DPR: 2` needs no preflight, `DPR: .5` does).
_DOUBLE = re.compile(r"[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_ECT_VALUES = frozenset({"slow-2g", "2g", "3g", "4g"})


def _chromium_client_hint(name: str, value: str) -> bool | None:
    """True/False when ``name`` is a Client Hint Chromium safelists; None when it is not one."""
    if name in ("device-memory", "dpr", "downlink"):
        return _DOUBLE.fullmatch(value) is not None
    if name in ("width", "viewport-width", "rtt"):
        return _INTEGER.fullmatch(value) is not None
    if name == "ect":
        return value in _ECT_VALUES
    if name == "save-data":
        return value.lower() == "on"
    if name == "intervention":
        return True
    return None


def _mime_essence(value: str) -> str | None:
    """Fetch/MIME Sniffing: "parse a MIME type", reduced to its essence (type/subtype), or None on failure."""
    value = value.strip("\n\r\t ")
    slash = value.find("/")
    if slash < 0:
        return None
    kind = value[:slash]
    rest = value[slash + 1 :]
    subtype = rest.split(";", 1)[0].rstrip("\n\r\t ")
    if not is_token(kind) or not is_token(subtype):
        return None
    return f"{kind}/{subtype}".lower()


def is_cors_safelisted_request_header(name: str, value: str, profile: Profile) -> bool:
    """Fetch: "CORS-safelisted request-header" (name is case-insensitive, value already normalized)."""
    name = name.lower()
    # Fetch: "If value's length is greater than 128, then return false."
    if len(value.encode("latin-1", "replace")) > 128:
        return False
    if name == "accept":
        return not any(c in _UNSAFE_BYTES for c in value)
    if name in ("accept-language", "content-language"):
        return all(c in _LANGUAGE_CHARS for c in value)
    if name == "content-type":
        if any(c in _UNSAFE_BYTES for c in value):
            return False
        return _mime_essence(value) in _SAFE_CONTENT_TYPES
    if name == "range":
        match = _SIMPLE_RANGE.fullmatch(value)
        if match is None:
            return False
        end = match.group(2)
        return not end or int(match.group(1)) <= int(end)
    if profile.client_hints_safelisted:
        verdict = _chromium_client_hint(name, value)
        if verdict is not None:
            return verdict
    return False


def is_forbidden_request_header(name: str, value: str, profile: Profile) -> bool:
    """Fetch: "forbidden request-header": scripts cannot set it; ``fetch()`` silently drops it."""
    lower = name.lower()
    if is_forbidden_request_header_name(lower):
        return True
    if lower == "user-agent" and profile.name == "chromium":
        # The standard made User-Agent settable, but Chromium still drops it silently (verified in
        # tests/browser/test_browser_vs_chromium.py: no preflight, and the server sees Chromium's own UA).
        return True
    if lower in _METHOD_OVERRIDE_NAMES:
        # Fetch: forbidden when one of the comma-separated values is a forbidden method.
        return any(is_forbidden_method(part.strip(HTTP_TAB_OR_SPACE)) for part in value.split(","))
    return False


def cors_unsafe_request_header_names(headers: Iterable[tuple[str, str]], profile: Profile) -> list[str]:
    """Fetch: "CORS-unsafe request-header names": sorted, lower-cased, without duplicates.

    This is also exactly the value of Access-Control-Request-Headers (joined with ",").
    """
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    safelist_value_size = 0
    for name, value in headers:
        if is_cors_safelisted_request_header(name, value, profile):
            potentially_unsafe.add(name.lower())
            safelist_value_size += len(value)
        else:
            unsafe.add(name.lower())
    # Fetch: "If safelistValueSize is greater than 1024, then for each name of potentiallyUnsafeNames,
    # append name to unsafeNames."
    if safelist_value_size > 1024:
        unsafe |= potentially_unsafe
    return sorted(unsafe)
