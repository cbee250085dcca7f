"""Fetch: the "CORS-preflight cache", in two models: the standard's and Chromium's.

Standard: entries per (origin, URL, credentials, method-or-header-name), each with its own expiry.
Chromium (services/network/cors/preflight_cache.cc + preflight_result.cc): one entry per (origin, URL)
holding the last successful preflight's method and header lists; an entry created by a credentialed
preflight also serves requests without credentials, but not the other way round. Verified against
Chromium 156 in tests/browser/test_browser_vs_chromium.py ("cache" cases).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._fetch import is_cors_safelisted_method
from ._profiles import Profile

__all__ = ["PreflightCache"]

Clock = Callable[[], float]


@dataclass
class _ChromiumEntry:
    credentials: bool
    methods: frozenset[str]
    header_names: frozenset[str]  # lower-cased
    expires: float


@dataclass
class _SpecEntries:
    methods: dict[str, float] = field(default_factory=dict)
    header_names: dict[str, float] = field(default_factory=dict)  # lower-cased


class PreflightCache:
    """One browser profile's CORS-preflight cache. ``clock`` returns seconds (monotonic by default)."""

    def __init__(self, profile: Profile, clock: Clock | None = None) -> None:
        self.profile = profile
        self.clock: Clock = clock or time.monotonic
        self._chromium: dict[tuple[str, str], _ChromiumEntry] = {}
        self._spec: dict[tuple[str, str, bool], _SpecEntries] = {}

    def clear(self) -> None:
        self._chromium.clear()
        self._spec.clear()

    def allows(self, origin: str, url: str, include_credentials: bool, method: str, unsafe_names: list[str]) -> bool:
        """True when a cached preflight result makes a new preflight unnecessary for this request."""
        now = self.clock()
        if self.profile.preflight_cache_model == "chromium":
            entry = self._chromium.get((origin, url))
            if entry is None or entry.expires <= now:
                return False
            if include_credentials and not entry.credentials:
                return False
            # "*" only acts as a wildcard for entries made without credentials.
            wildcard = not entry.credentials
            if not (
                is_cors_safelisted_method(method) or method in entry.methods or (wildcard and "*" in entry.methods)
            ):
                return False
            # Even where a fresh preflight lets `*` cover Authorization, Chromium's cache lookup does not:
            # after [X-A answered with `*`, then Authorization] it preflights again (case
            # "cache-header-star-auth" in tests/browser/test_browser_vs_chromium.py).
            return all(
                name in entry.header_names or (wildcard and "*" in entry.header_names and name != "authorization")
                for name in unsafe_names
            )
        entries = self._spec.get((origin, url, include_credentials))
        if entries is None:
            return False

        def fresh(table: dict[str, float], key: str) -> bool:
            return table.get(key, float("-inf")) > now

        # Fetch: "method cache entry match" (`*` only counts without credentials).
        wildcard = not include_credentials
        method_ok = (
            is_cors_safelisted_method(method)
            or fresh(entries.methods, method)
            or (wildcard and fresh(entries.methods, "*"))
        )
        if not method_ok:
            return False
        for name in unsafe_names:
            covered_by_wildcard = (
                wildcard
                and fresh(entries.header_names, "*")
                and (name != "authorization" or self.profile.wildcard_covers_authorization)
            )
            if not (fresh(entries.header_names, name) or covered_by_wildcard):
                return False
        return True

    def store(
        self,
        origin: str,
        url: str,
        include_credentials: bool,
        methods: list[str],
        header_names: list[str],
        max_age: int,
    ) -> None:
        """Record a successful preflight (Fetch: CORS-preflight fetch, "create a new cache entry")."""
        expires = self.clock() + max_age
        if self.profile.preflight_cache_model == "chromium":
            if max_age <= 0:
                self._chromium.pop((origin, url), None)
                return
            self._chromium[(origin, url)] = _ChromiumEntry(
                credentials=include_credentials,
                methods=frozenset(methods),
                header_names=frozenset(name.lower() for name in header_names),
                expires=expires,
            )
            return
        if max_age <= 0:
            return
        entries = self._spec.setdefault((origin, url, include_credentials), _SpecEntries())
        for method in methods:
            entries.methods[method] = expires
        for name in header_names:
            entries.header_names[name.lower()] = expires

    def clear_entries(self, origin: str, url: str) -> None:
        """Fetch: "clear cache entries" for (origin, URL) -- done when a preflight fails.

        Chromium drops its entry then: after [PUT ok, DELETE refused], a PUT is preflighted again
        (tests/browser/test_browser_vs_chromium.py, case "cache-method-missing").
        """
        self._chromium.pop((origin, url), None)
        for credentials in (False, True):
            self._spec.pop((origin, url, credentials), None)
