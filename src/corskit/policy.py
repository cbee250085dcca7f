"""The compiled, immutable CORS policy that the middleware consults on every request.

Built once by :func:`corskit.config.compile_policy`; every response header value is already bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from .dynamic import DynamicOrigins
from .limits import MAX_REQUEST_HEADERS_LENGTH
from .origins import OriginPatterns, split_serialized_origin

Header = tuple[bytes, bytes]

ACAO = b"access-control-allow-origin"
ACAC = b"access-control-allow-credentials"
ACAM = b"access-control-allow-methods"
ACAH = b"access-control-allow-headers"
ACEH = b"access-control-expose-headers"
ACMA = b"access-control-max-age"
ACAPN = b"access-control-allow-private-network"
VARY = b"vary"

# Starlette 1.10 sends this Vary on every preflight answer; a cache must key preflights on all of it.
PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)


# Access-Control-Request-Headers as browsers send it: a comma-separated list of header names.
# Checked before mirroring it back, so only tokens are ever reflected. Unambiguous, hence linear.
_HEADER_LIST_RE = re.compile(rb"[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*[ \t]*")


# Decisions of patterns and regex are remembered for this many recent origins: a busy origin then costs
# a dict lookup, and a flood of new origins only churns a bounded cache.
MATCH_CACHE_SIZE = 4096


def origin_matcher(patterns: OriginPatterns | None, regex: re.Pattern[str] | None) -> Callable[[bytes], bool] | None:
    """A cached predicate for the origins that patterns or the regex allow, or None if there are neither."""
    if patterns is None and regex is None:
        return None

    def matches(raw: bytes) -> bool:
        origin = raw.decode("latin-1")
        # Patterns and regexes only ever see what a browser could send: this keeps "null", CR/LF,
        # spaces and oversized junk away from a user's regex, and from being reflected.
        parts = split_serialized_origin(origin)
        if parts is None:
            return False
        if patterns is not None and patterns.matches(*parts):
            return True
        return regex is not None and regex.fullmatch(origin) is not None

    return functools.lru_cache(maxsize=MATCH_CACHE_SIZE)(matches)


@functools.lru_cache(maxsize=256)
def _is_header_list(value: bytes) -> bool:
    """Whether ``value`` is a well-formed list of header names.

    Cached because browsers repeat the same few lists and the regex costs more than all the rest of
    a preflight check. At most 256 values of at most MAX_REQUEST_HEADERS_LENGTH bytes: 2 MiB at worst.
    """
    return _HEADER_LIST_RE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Policy:
    allow_all_origins: bool
    exact_origins: frozenset[str]
    # The same, as the bytes a request carries: the common case needs no decoding.
    exact_origin_bytes: frozenset[bytes]
    patterns: OriginPatterns | None
    origin_regex: re.Pattern[str] | None
    allow_credentials: bool
    allow_methods: tuple[str, ...]
    method_set: frozenset[str]
    method_bytes: frozenset[bytes]
    allow_all_headers: bool
    # Lower-cased names accepted in Access-Control-Request-Headers (safelisted ones included).
    allowed_header_names: frozenset[str]
    allow_private_network: bool
    expose_headers: tuple[str, ...]
    max_age: int
    # Sent with the reflected (or "*") Access-Control-Allow-Origin on an allowed actual response.
    simple_headers: tuple[Header, ...]
    # Names the middleware sets on an allowed actual response, replacing the app's own.
    simple_header_names: frozenset[bytes]
    # Sent on a preflight answer to an allowed origin, after Access-Control-Allow-Origin.
    preflight_headers: tuple[Header, ...]
    # allow_origin_func, asked (through its cache) about well-formed origins the rules above refuse.
    dynamic: DynamicOrigins | None = None
    # Patterns and regex, behind a bounded cache of recent decisions (None when there are neither).
    match_origin: Callable[[bytes], bool] | None = None

    def allows_origin_bytes(self, origin: bytes) -> bool:
        """:meth:`origin_allowed` for a raw Origin header value."""
        if self.allow_all_origins or origin in self.exact_origin_bytes:
            return True
        return self.match_origin is not None and self.match_origin(origin)

    def origin_allowed(self, origin: str) -> bool:
        if self.allow_all_origins or origin in self.exact_origins:
            return True
        # Browsers serialize origins in ASCII; anything else is refused before any pattern sees it.
        if self.match_origin is None or not origin.isascii():
            return False
        return self.match_origin(origin.encode("ascii"))

    def request_headers_allowed(self, requested: bytes) -> bool:
        """Whether every name in an Access-Control-Request-Headers value is allowed."""
        if len(requested) > MAX_REQUEST_HEADERS_LENGTH or not _is_header_list(requested):
            return False
        if self.allow_all_headers:
            return True
        allowed = self.allowed_header_names
        return all(item.strip().lower().decode("latin-1") in allowed for item in requested.split(b","))
