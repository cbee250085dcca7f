"""The compiled, immutable CORS policy that the middleware consults on every request.

Built once by ``compile_policy`` (``_compile.py``); every response header value is already bytes. This
module holds what runs per request only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from ._asgi import ACAO, Header
from ._dynamic import DynamicOrigins
from ._fetch import TCHAR_CLASS
from ._limits import MAX_REQUEST_HEADERS_LENGTH
from ._origins import OriginPatterns

# Access-Control-Request-Headers as browsers send it: a comma-separated list of header names.
# Checked before mirroring it back, so only tokens are ever reflected. Unambiguous, hence linear.
_TCHARS = TCHAR_CLASS.encode()
_HEADER_LIST_RE = re.compile(rb"[ \t]*" + _TCHARS + rb"+(?:[ \t]*,[ \t]*" + _TCHARS + rb"+)*[ \t]*")


@functools.lru_cache(maxsize=256)
def _is_header_list(value: bytes) -> bool:
    """Whether ``value`` is a well-formed list of header names.

    Cached because browsers repeat the same few lists and the regex costs more than all the rest of
    a preflight check. At most 256 values of at most MAX_REQUEST_HEADERS_LENGTH bytes: 2 MiB at worst.
    """
    return _HEADER_LIST_RE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Policy:
    """One compiled CORS configuration (the top-level one, or a ``path_policies`` entry's).

    Immutable in its configuration, but not free of state: it holds two bounded caches that fill as
    requests come in, and both only ever remember decisions that the configuration fixes:

    - ``match_origin`` remembers the verdict of patterns and regex for the 4096 most recent origins;
    - ``dynamic`` (with ``allow_origin_func``) caches the function's answers per origin for
      ``origin_cache_ttl`` seconds, at most ``origin_cache_size`` of them; ``explain()`` reads and fills
      that same cache.

    A third, module-wide cache remembers whether the 256 most recent ``Access-Control-Request-Headers``
    values are well-formed.
    """

    allow_all_origins: bool
    exact_origins: frozenset[str]
    # The same, as the bytes a request carries: the common case needs no decoding.
    exact_origin_bytes: frozenset[bytes]
    patterns: OriginPatterns | None
    origin_regex: re.Pattern[str] | None
    allow_credentials: bool
    allow_methods: tuple[str, ...]
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

    def allows_origin(self, origin: bytes) -> bool:
        """Whether the lists, patterns and regex allow a raw Origin value (``allow_origin_func`` aside)."""
        if origin in self.exact_origin_bytes or self.allow_all_origins:
            return True
        return self.match_origin is not None and self.match_origin(origin)

    def origin_allowed(self, origin: str) -> bool:
        """:meth:`allows_origin` for an origin given as text (the public form)."""
        try:
            raw = origin.encode("latin-1")
        except UnicodeEncodeError:  # no browser sends it, and it could not be a header value
            return False
        return self.allows_origin(raw)

    def actual_headers(self, origin: bytes) -> tuple[Header, ...]:
        """The CORS headers of an allowed actual (non-preflight) response to ``origin``."""
        return ((ACAO, b"*" if self.allow_all_origins else origin), *self.simple_headers)

    def request_headers_allowed(self, requested: bytes) -> bool:
        """Whether every name in an Access-Control-Request-Headers value is allowed."""
        return self.request_headers_problem(requested) is None

    def request_headers_problem(self, requested: bytes) -> str | None:
        """The failed check's code for an Access-Control-Request-Headers value, or None when it passes."""
        if len(requested) > MAX_REQUEST_HEADERS_LENGTH:
            return "headers-too-long"
        if not _is_header_list(requested):
            return "headers-malformed"
        if self.allow_all_headers:
            return None
        allowed = self.allowed_header_names
        if all(item.strip().lower().decode("latin-1") in allowed for item in requested.split(b",")):
            return None
        return "headers-not-allowed"
