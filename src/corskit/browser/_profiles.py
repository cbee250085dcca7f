"""Browser profiles: the few places where browsers differ from each other or from the Fetch standard."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """What one browser engine does where the Fetch standard leaves room, or where the engine deviates."""

    name: str
    #: Fetch: CORS-preflight fetch, step "max-age": the user agent may cap Access-Control-Max-Age.
    max_age_cap: int
    #: Fetch: CORS-preflight fetch: when Access-Control-Max-Age is absent or fails to parse, use 5 s.
    default_max_age: int = 5
    #: A negative Access-Control-Max-Age means "do not cache" (Chromium: ParseAccessControlMaxAge clamps
    #: negative values to 0) instead of a parse failure that falls back to the default (the standard).
    negative_max_age_disables_cache: bool = False
    #: Fetch: CORS-preflight fetch: `Authorization` is a "CORS non-wildcard request-header name", so `*` in
    #: Access-Control-Allow-Headers does not cover it. Chromium 156 still lets `*` cover it (verified in
    #: tests/browser/test_browser_vs_chromium.py: a preflight answered with `*` lets Authorization through).
    wildcard_covers_authorization: bool = False
    #: Chromium also safelists a few Client Hints request headers (DPR, Width, RTT, ECT, Save-Data...).
    client_hints_safelisted: bool = False
    #: "spec": one cache entry per (origin, URL, credentials, method or header name), as in the standard.
    #: "chromium": one entry per (origin, URL) holding the whole last successful preflight; an entry made
    #: by a credentialed preflight also serves uncredentialed requests
    #: (Chromium's PreflightResult::EnsureAllowedRequest).
    preflight_cache_model: str = "spec"
    #: Request cache modes for which the preflight cache is not consulted (Chromium: no-store, reload and
    #: no-cache bypass it; the standard does not tie the two caches together).
    cache_modes_bypassing_preflight_cache: frozenset[str] = frozenset()
    #: Request headers the engine removes when it follows any redirect. Chromium strips the Client Hints
    #: a page set itself (DPR, Width, RTT...; not Save-Data) -- observed with Chromium 156 on 302 and 307.
    headers_dropped_on_redirect: frozenset[str] = frozenset()
    #: A 3xx with an empty Location is handed to the page as is (Chromium: net's IsRedirect needs a
    #: value); the standard parses "" against the response URL, i.e. redirects to the same URL.
    empty_location_is_not_a_redirect: bool = False


PROFILES: dict[str, Profile] = {
    "chromium": Profile(
        name="chromium",
        max_age_cap=7200,
        negative_max_age_disables_cache=True,
        wildcard_covers_authorization=True,
        client_hints_safelisted=True,
        preflight_cache_model="chromium",
        cache_modes_bypassing_preflight_cache=frozenset({"no-store", "reload", "no-cache"}),
        headers_dropped_on_redirect=frozenset(
            {"device-memory", "dpr", "downlink", "ect", "rtt", "viewport-width", "width"}
        ),
        empty_location_is_not_a_redirect=True,
    ),
    "firefox": Profile(name="firefox", max_age_cap=86400),
    "webkit": Profile(name="webkit", max_age_cap=600),
}


def get_profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"unknown browser profile {profile!r}; choose one of {sorted(PROFILES)}")
    return PROFILES[profile]
