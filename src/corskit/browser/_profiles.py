"""Browser profiles: the places where browser engines differ from each other or from the Fetch standard.

Every rule an engine profile switches on is observed in that engine: ``chromium`` in Chromium 156
(tests/browser/test_browser_vs_chromium.py), ``firefox`` in Firefox ESR 153 and ``webkit`` in WebKitGTK
2.50 (tests/browser/test_browser_vs_engines.py). WebKitGTK shares WebCore's CORS code and preflight cache
with Safari, but it is not Safari. ``standard`` follows the Fetch standard alone.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """What one browser engine does where the Fetch standard leaves room, or where the engine deviates."""

    name: str
    #: Fetch: CORS-preflight fetch, step "max-age": the user agent may cap Access-Control-Max-Age.
    #: (The caps come from each engine's source; no test waits long enough to observe them.)
    max_age_cap: int
    #: The engine and version the profile was checked against ("" for the standard).
    checked_on: str = ""
    #: Fetch: CORS-preflight fetch: when Access-Control-Max-Age is absent or fails to parse, use 5 s.
    default_max_age: int = 5
    #: How an Access-Control-Max-Age value is read:
    #: "delta-seconds" -- the standard: ASCII digits, anything else is a failure (-> the default);
    #: "signed" -- Chromium and WebKit: an optionally signed integer ("+10" is 10 s), a negative one means
    #: 0 (not cached), anything else falls back to the default;
    #: "digits-or-zero" -- Firefox: ASCII digits, and any other value means 0 (not cached).
    max_age_syntax: str = "delta-seconds"
    #: Fetch: `Authorization` is a "CORS non-wildcard request-header name", so `*` in
    #: Access-Control-Allow-Headers does not cover it. Chromium, Firefox (its preference
    #: network.cors_preflight.authorization_covered_by_wildcard, on by default) and WebKit let a fresh
    #: preflight's `*` cover it anyway.
    wildcard_covers_authorization: bool = False
    #: The same for a `*` held in the preflight cache: Chromium's cache lookup does not let it cover
    #: Authorization, WebKit's does.
    cached_wildcard_covers_authorization: bool = False
    #: Whether a `*` kept in the preflight cache acts as a wildcard. Firefox stores `*` as a literal
    #: method / header name, so a cached `*` answer covers nothing and the next request is preflighted.
    cached_wildcards: bool = True
    #: Methods a cached entry need not list: the CORS-safelisted methods in the standard; Firefox's
    #: cache lookup exempts GET and POST only, so a preflighted HEAD is preflighted again.
    methods_exempt_from_cache_match: frozenset[str] = frozenset({"GET", "HEAD", "POST"})
    #: WebKit sends header values the page set as UTF-8 (`é` goes out as the bytes C3 A9); Chromium and
    #: Firefox send each code point up to U+00FF as one byte.
    header_values_sent_as_utf8: bool = False
    #: Chromium also safelists a few Client Hints request headers (DPR, Width, RTT, ECT, Save-Data...).
    client_hints_safelisted: bool = False
    #: "spec": one cache entry per (origin, URL, credentials, method or header name), as in the standard.
    #: "per-url": one entry per (origin, URL) holding the whole last successful preflight; an entry made
    #: by a credentialed preflight also serves uncredentialed requests (Chromium's
    #: PreflightResult::EnsureAllowedRequest; WebKit's CrossOriginPreflightResultCache does the same).
    preflight_cache_model: str = "spec"
    #: A preflight that fails drops the URL's cache entries (Chromium, Firefox); WebKit keeps them.
    failed_preflight_clears_cache: bool = True
    #: WebKit caches a preflight's answer before it checks the method and headers against it, so a
    #: preflight refused for its method or headers still becomes the URL's entry.
    caches_refused_preflight: bool = False
    #: Request cache modes for which the preflight cache is not consulted (Chromium: no-store, reload and
    #: no-cache; Firefox: no-store and reload; the standard does not tie the two caches together).
    cache_modes_bypassing_preflight_cache: frozenset[str] = frozenset()
    #: Request cache modes whose preflight result is not stored (Chromium: no-store).
    cache_modes_not_filling_preflight_cache: frozenset[str] = frozenset()
    #: Request headers the engine removes when it follows any redirect. Chromium strips the Client Hints
    #: a page set itself (DPR, Width, RTT...; not Save-Data) -- observed with Chromium 156 on 302 and 307.
    headers_dropped_on_redirect: frozenset[str] = frozenset()
    #: A 3xx with an empty Location: "same-url" -- the standard parses "" against the response URL, i.e.
    #: redirects to the same URL (Firefox does, until the redirect limit); "not-a-redirect" -- Chromium
    #: hands the 3xx to the page as is (net's IsRedirect needs a value); "network-error" -- WebKit
    #: fails the fetch. (In "error" mode both hand the 3xx over; in "manual" mode all engines report an
    #: opaque redirect.)
    empty_location: str = "same-url"
    #: ...and WebKit's opaque redirect then still carries the response body.
    empty_location_redirect_body_readable: bool = False
    #: WebKit compares the `bytes=` unit of a Range request header case-insensitively (`BYTES=0-1` needs
    #: no preflight); the standard wants the lower-case bytes.
    range_unit_case_insensitive: bool = False
    #: Firefox counts every non-ASCII byte of an Accept or Content-Type value as a CORS-unsafe
    #: request-header byte (the standard lists only some ASCII bytes).
    non_ascii_is_unsafe_header_byte: bool = False
    #: The request cache mode's Pragma / Cache-Control headers also go on the preflight (Chromium,
    #: Firefox); WebKit sends them on the actual request only.
    preflight_carries_cache_mode_headers: bool = True
    #: Which requests carry `Sec-Fetch-Storage-Access` (credentialed cross-site fetches): "request" --
    #: Chromium, the actual request only; "all" -- Firefox, the preflight too; "" -- never (WebKit).
    storage_access_header: str = "request"
    #: WebKit sends the request that follows a cross-origin redirect without the headers it adds itself
    #: (Fetch Metadata Sec-Fetch-*, the cache mode's Pragma / Cache-Control).
    browser_headers_after_cross_origin_redirect: bool = True
    #: Firefox sends a preflight made after a tainting (cross-origin) redirect with the page's own origin,
    #: and checks its answer against it, where the standard (and the actual request) uses "null".
    preflight_ignores_tainted_origin: bool = False
    #: Headers the engine adds to every request and preflight of a fetch() (Firefox: its scheduling hint
    #: `Priority: u=4`).
    added_request_headers: tuple[tuple[str, str], ...] = ()
    #: The engine silently drops a page-set User-Agent request header (Chromium).
    drops_user_agent_header: bool = False


PROFILES: dict[str, Profile] = {
    "chromium": Profile(
        name="chromium",
        max_age_cap=7200,
        checked_on="Chromium 156",
        max_age_syntax="signed",
        wildcard_covers_authorization=True,
        client_hints_safelisted=True,
        preflight_cache_model="per-url",
        cache_modes_bypassing_preflight_cache=frozenset({"no-store", "reload", "no-cache"}),
        cache_modes_not_filling_preflight_cache=frozenset({"no-store"}),
        headers_dropped_on_redirect=frozenset(
            {"device-memory", "dpr", "downlink", "ect", "rtt", "viewport-width", "width"}
        ),
        empty_location="not-a-redirect",
        drops_user_agent_header=True,
    ),
    "firefox": Profile(
        name="firefox",
        max_age_cap=86400,
        checked_on="Firefox ESR 153",
        max_age_syntax="digits-or-zero",
        wildcard_covers_authorization=True,
        cached_wildcards=False,
        methods_exempt_from_cache_match=frozenset({"GET", "POST"}),
        cache_modes_bypassing_preflight_cache=frozenset({"no-store", "reload"}),
        non_ascii_is_unsafe_header_byte=True,
        storage_access_header="all",
        preflight_ignores_tainted_origin=True,
        added_request_headers=(("Priority", "u=4"),),
    ),
    "webkit": Profile(
        name="webkit",
        max_age_cap=600,
        checked_on="WebKitGTK 2.50",
        max_age_syntax="signed",
        wildcard_covers_authorization=True,
        cached_wildcard_covers_authorization=True,
        preflight_cache_model="per-url",
        failed_preflight_clears_cache=False,
        caches_refused_preflight=True,
        empty_location="network-error",
        empty_location_redirect_body_readable=True,
        range_unit_case_insensitive=True,
        preflight_carries_cache_mode_headers=False,
        storage_access_header="",
        browser_headers_after_cross_origin_redirect=False,
        header_values_sent_as_utf8=True,
    ),
    "standard": Profile(name="standard", max_age_cap=86400),
}


def get_profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"unknown browser profile {profile!r}; choose one of {sorted(PROFILES)}")
    return PROFILES[profile]
