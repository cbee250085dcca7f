"""The browser side of CORS: Fetch's main fetch, CORS-preflight fetch, CORS check and HTTP-redirect fetch.

Written without I/O: :func:`run_fetch` is a generator that yields each :class:`~.wire.WireRequest` and
is sent back a :class:`~.wire.WireResponse` (or :class:`~.wire.NetworkFailure`); its return value is the
:class:`~.result.FetchResult`. :mod:`._browser` drives it synchronously or asynchronously.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass

from .._fetch import is_cors_safelisted_method
from ._cors_check import cors_check
from ._exposure import readable_headers
from ._fetch_metadata import ACCEPT_LANGUAGE, is_potentially_trustworthy, referrer_for, sec_fetch_site
from ._headers import HeaderList, ParseFailure, extract_header_list_values, get_header, parse_max_age
from ._origins import Origin, resolve_url, url_has_credentials, url_origin
from ._preflight_cache import PreflightCache
from ._profiles import Profile
from ._request import PreparedRequest
from ._result import Exchange, FetchResult
from ._safelist import cors_unsafe_request_header_names
from ._wire import NetworkFailure, WireRequest, WireResponse

__all__ = ["FetchContext", "run_fetch"]

FetchGenerator = Generator[WireRequest, "WireResponse | NetworkFailure", FetchResult]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Fetch: "request-body-header name": dropped when a redirect turns the request into a GET.
_REQUEST_BODY_HEADER_NAMES = frozenset({"content-encoding", "content-language", "content-location", "content-type"})
_MAX_REDIRECTS = 20


@dataclass
class FetchContext:
    """Per-browser state the algorithm needs: the page's origin, the profile, the preflight cache."""

    origin: Origin
    profile: Profile
    cache: PreflightCache
    user_agent: str


class _Blocked(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _exchange(wire: WireRequest, answer: WireResponse | NetworkFailure) -> Exchange:
    if isinstance(answer, NetworkFailure):
        return Exchange(
            wire.kind,
            wire.method,
            wire.url,
            wire.headers,
            network_error=answer.reason,
            request_body=wire.body,
        )
    return Exchange(
        kind=wire.kind,
        method=wire.method,
        url=wire.url,
        request_headers=wire.headers,
        status=answer.status,
        response_headers=answer.headers,
        body=answer.body,
        request_body=wire.body,
    )


def run_fetch(ctx: FetchContext, url: str, request: PreparedRequest) -> FetchGenerator:
    """Fetch ``url`` (already absolute) from a page of ``ctx.origin``; see the module docstring."""
    exchanges: list[Exchange] = []
    first_preflight: list[Exchange] = []
    from_cache = False
    page = ctx.origin
    include = request.credentials == "include"
    method = request.method
    headers: HeaderList = list(request.headers)
    body = request.body
    current_url = url
    tainting = "basic"
    tainted_origin = False
    redirect_count = 0
    site: str | None = None
    after_cross_origin_redirect = False

    def blocked(message: str, at_url: str) -> FetchResult:
        who = page.serialize()
        prefix = f"Access to fetch at '{at_url}' from origin '{who}' has been blocked by CORS policy: "
        if message.startswith(("Fetch API cannot", "Failed to fetch", "Redirect")):
            prefix = ""
        return FetchResult(
            blocked=True,
            error=prefix + message,
            preflight=first_preflight[0] if first_preflight else None,
            from_preflight_cache=from_cache,
            exchanges=tuple(exchanges),
        )

    while True:
        target = url_origin(current_url)
        # Fetch: main fetch, step 12: same-origin with basic tainting means no CORS at all.
        same_origin = page.same_origin(target) and tainting == "basic"
        if request.mode == "same-origin" and not same_origin:
            return blocked(
                f"Fetch API cannot load {current_url}. "
                'Request mode is "same-origin" but the URL\'s origin is '
                f"not same as the request origin {page.serialize()}.",
                current_url,
            )
        if same_origin:
            tainting = "basic"
        elif request.mode == "no-cors":
            tainting = "opaque"
        else:
            tainting = "cors"
        serialized_origin = "null" if (tainted_origin or page.opaque) else page.serialize()
        site = sec_fetch_site(page, target, site)
        added = _browser_added_headers(ctx, request, page, target, site, headers)

        if tainting == "cors":
            # Firefox preflights with the page's own origin even after a tainting redirect.
            preflight_origin = serialized_origin
            if tainted_origin and not page.opaque and ctx.profile.preflight_ignores_tainted_origin:
                preflight_origin = page.serialize()
            unsafe_names = cors_unsafe_request_header_names(headers, ctx.profile)
            # Fetch: HTTP fetch, step 4.1: a preflight is needed for a non-safelisted method or header.
            if not is_cors_safelisted_method(method) or unsafe_names:
                use_cache = request.cache not in ctx.profile.cache_modes_bypassing_preflight_cache
                if use_cache and ctx.cache.allows(preflight_origin, current_url, include, method, unsafe_names):
                    from_cache = True
                else:
                    preflight = _preflight_request(ctx, current_url, method, unsafe_names, preflight_origin, added)
                    answer = yield preflight
                    exchange = _exchange(preflight, answer)
                    exchanges.append(exchange)
                    if not first_preflight:
                        first_preflight.append(exchange)
                    try:
                        _check_preflight(
                            ctx, request, answer, method, unsafe_names, preflight_origin, current_url
                        )
                    except _Blocked as failure:
                        if ctx.profile.failed_preflight_clears_cache:
                            ctx.cache.clear_entries(preflight_origin, current_url)
                        return blocked(failure.message, current_url)

        # The actual request. Fetch: "append a request Origin header".
        wire_headers: HeaderList = [("Accept", "*/*")] if get_header(headers, "accept") is None else []
        if ctx.profile.header_values_sent_as_utf8:
            wire_headers += [(k, v.encode("utf-8").decode("latin-1")) for k, v in headers]
        else:
            wire_headers += headers
        if tainting == "cors" or method not in ("GET", "HEAD"):
            wire_headers.append(("Origin", serialized_origin))
        wire_headers.append(("User-Agent", ctx.user_agent))
        if after_cross_origin_redirect and not ctx.profile.browser_headers_after_cross_origin_redirect:
            # WebKit sends the request that follows a cross-origin redirect without Fetch Metadata and
            # without the cache mode's headers.
            added = [(k, v) for k, v in added if k.startswith(("Referer", "Accept-Language"))]
        wire_headers += added
        actual = WireRequest("request", method, current_url, tuple(wire_headers), body)
        answer = yield actual
        exchanges.append(_exchange(actual, answer))
        if isinstance(answer, NetworkFailure):
            return blocked(f"Failed to fetch ({answer.reason}).", current_url)

        # Fetch: HTTP fetch, step 4.3 (applies to redirects too): the CORS check on every response.
        if tainting == "cors":
            problem = cors_check(answer.headers, serialized_origin, include)
            if problem:
                return blocked(problem, current_url)

        location = get_header(answer.headers, "Location")
        empty_location = location == "" and answer.status in _REDIRECT_STATUSES
        if empty_location and ctx.profile.empty_location != "same-url" and request.redirect != "manual":
            # Chromium and WebKit do not take an empty Location for a redirect when following or refusing
            # redirects; WebKit fails the fetch when following. Both still report an opaque redirect in
            # "manual" mode.
            if ctx.profile.empty_location == "network-error" and request.redirect == "follow":
                return blocked(f"Failed to fetch: {current_url} redirects to an empty Location.", current_url)
            location = None
        # Fetch: a redirect status with a Location header goes through HTTP-redirect fetch.
        if answer.status in _REDIRECT_STATUSES and location is not None:
            if request.redirect == "error":
                return blocked(f'Failed to fetch: redirect mode is "error" and {current_url} redirects.', current_url)
            if request.redirect == "manual":
                opaque = _opaque(answer, "opaqueredirect", current_url, exchanges, first_preflight, from_cache)
                if empty_location and ctx.profile.empty_location_redirect_body_readable:
                    # WebKit lets the page read the body of this opaque redirect (status 0, no headers).
                    return dataclasses.replace(opaque, text=answer.body.decode("utf-8", "replace"))
                return opaque
            # Fetch: HTTP-redirect fetch.
            try:
                next_url = resolve_url(location, current_url) if location else current_url
            except ValueError:
                return blocked(f"Failed to fetch: redirect location {location!r} is not an http(s) URL.", current_url)
            redirect_count += 1
            if redirect_count > _MAX_REDIRECTS:
                return blocked("Failed to fetch: too many redirects (more than 20).", current_url)
            next_origin = url_origin(next_url)
            if url_has_credentials(next_url) and (
                tainting == "cors" or (request.mode == "cors" and not page.same_origin(next_origin))
            ):
                return blocked(
                    f"Redirect location '{next_url}' contains a username and password, "
                    "which is disallowed for "
                    "cross-origin requests.",
                    current_url,
                )
            if (answer.status in (301, 302) and method == "POST") or (
                answer.status == 303 and method not in ("GET", "HEAD")
            ):
                method = "GET"
                body = None
                headers = [(k, v) for k, v in headers if k.lower() not in _REQUEST_BODY_HEADER_NAMES]
            dropped = ctx.profile.headers_dropped_on_redirect
            headers = [(k, v) for k, v in headers if k.lower() not in dropped]
            after_cross_origin_redirect = not target.same_origin(next_origin)
            if after_cross_origin_redirect:
                # Fetch: a cross-origin redirect drops the CORS non-wildcard request-header names.
                headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
                if not page.same_origin(target):
                    tainted_origin = True
            current_url = next_url
            continue

        response_type = tainting
        if tainting == "opaque":
            return _opaque(answer, "opaque", current_url, exchanges, first_preflight, from_cache)
        return FetchResult(
            blocked=False,
            status=answer.status,
            headers=readable_headers(answer.headers, response_type, include),
            text="" if method == "HEAD" else answer.body.decode("utf-8", "replace"),
            preflight=first_preflight[0] if first_preflight else None,
            from_preflight_cache=from_cache,
            exchanges=tuple(exchanges),
            response_type=response_type,
            url=current_url,
            redirected=redirect_count > 0,
        )


def _opaque(
    answer: WireResponse,
    response_type: str,
    url: str,
    exchanges: list[Exchange],
    first_preflight: list[Exchange],
    from_cache: bool,
) -> FetchResult:
    # Fetch: opaque and opaque-redirect filtered responses: status 0, no headers, no body.
    return FetchResult(
        blocked=False,
        status=0,
        preflight=first_preflight[0] if first_preflight else None,
        from_preflight_cache=from_cache,
        exchanges=tuple(exchanges),
        response_type=response_type,
        url=None if response_type == "opaque" else url,
    )


def _allowed_list(answer: WireResponse, name: str, what: str) -> list[str] | None:
    """A preflight answer's Access-Control-Allow-Methods or -Headers; unparsable is a network error."""
    values = extract_header_list_values(answer.headers, name)
    if isinstance(values, ParseFailure):
        raise _Blocked(
            f"Cannot parse {name} response header field in preflight response. "
            f"(Got {get_header(answer.headers, name)!r}; it must be a comma-separated list of {what}.)"
        )
    return values


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    return f": {text[:80]!r}" + ("..." if len(text) > 80 else "")


# Starlette's CORSMiddleware (and corskit's, which keeps its wording) refuses a preflight with 400 and
# a body naming each failed check: "Disallowed CORS origin, method, headers".
_REFUSAL_BODY = b"Disallowed CORS "


def _middleware_refusal_fix(
    answer: WireResponse, origin: str, method: str, unsafe_names: list[str]
) -> str | None:
    """For a preflight refused by a Starlette-style CORS middleware, which parameter to change."""
    if answer.status != 400 or not answer.body.startswith(_REFUSAL_BODY):
        return None
    failed = {part.strip() for part in answer.body[len(_REFUSAL_BODY) :].decode("latin-1").split(",")}
    fixes = []
    if "origin" in failed:
        fixes.append(f"add {origin!r} to allow_origins")
    if "method" in failed:
        fixes.append(f"add {method!r} to allow_methods")
    if "headers" in failed:
        fixes.append(f"add {unsafe_names!r} to allow_headers" if unsafe_names else "check allow_headers")
    if "private-network" in failed:
        fixes.append("pass allow_private_network=True")
    if not fixes:
        return None
    return "Fix: the server's CORS middleware refused the preflight: " + "; ".join(fixes) + "."


def _browser_added_headers(
    ctx: FetchContext, request: PreparedRequest, page: Origin, target: Origin, site: str, headers: HeaderList
) -> HeaderList:
    """What Chromium adds to every request of a fetch(), preflights included (observed from Chromium 156)."""
    added: HeaderList = []
    # Fetch: HTTP-network-or-cache fetch: cache modes turn into request headers, unless the page set them.
    if request.cache in ("no-store", "reload"):
        if get_header(headers, "pragma") is None:
            added.append(("Pragma", "no-cache"))
        if get_header(headers, "cache-control") is None:
            added.append(("Cache-Control", "no-cache"))
    elif request.cache == "no-cache" and get_header(headers, "cache-control") is None:
        added.append(("Cache-Control", "max-age=0"))
    if is_potentially_trustworthy(target):
        added += [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", request.mode), ("Sec-Fetch-Dest", "empty")]
        if request.credentials == "include" and site == "cross-site" and ctx.profile.storage_access_header:
            # Storage Access headers: Chromium and Firefox say whether the cross-site request may use
            # cookies (WebKit sends nothing).
            added.append(("Sec-Fetch-Storage-Access", "none"))
    referrer = referrer_for(page, target)
    if referrer is not None:
        added.append(("Referer", referrer))
    if get_header(headers, "accept-language") is None:
        added.append(("Accept-Language", ACCEPT_LANGUAGE))
    added += ctx.profile.added_request_headers
    return added


def _preflight_request(
    ctx: FetchContext,
    url: str,
    method: str,
    unsafe_names: list[str],
    serialized_origin: str,
    added: HeaderList,
) -> WireRequest:
    # Fetch: CORS-preflight fetch, steps 1-5: OPTIONS, `Accept: */*`, Access-Control-Request-Method,
    # and Access-Control-Request-Headers as the sorted, lower-cased, comma-separated unsafe names.
    headers: HeaderList = [("Accept", "*/*"), ("Access-Control-Request-Method", method)]
    if unsafe_names:
        headers.append(("Access-Control-Request-Headers", ",".join(unsafe_names)))
    headers.append(("Origin", serialized_origin))
    headers.append(("User-Agent", ctx.user_agent))
    # The preflight carries the browser's own headers, never the request's (Accept-Language: the default).
    # A preflight never carries credentials; Chromium then sends no Sec-Fetch-Storage-Access, Firefox does.
    # WebKit leaves the cache mode's Pragma / Cache-Control off the preflight.
    left_out = {"Accept-Language"}
    if ctx.profile.storage_access_header != "all":
        left_out.add("Sec-Fetch-Storage-Access")
    if not ctx.profile.preflight_carries_cache_mode_headers:
        left_out |= {"Pragma", "Cache-Control"}
    headers += [(k, v) for k, v in added if k not in left_out]
    headers.append(("Accept-Language", ACCEPT_LANGUAGE))
    return WireRequest("preflight", "OPTIONS", url, tuple(headers), None)


def _check_preflight(
    ctx: FetchContext,
    request: PreparedRequest,
    answer: WireResponse | NetworkFailure,
    method: str,
    unsafe_names: list[str],
    serialized_origin: str,
    url: str,
) -> None:
    """Fetch: CORS-preflight fetch, steps 6-7. Raises _Blocked; on success records the cache entries."""
    not_ok = "Response to preflight request doesn't pass access control check: "
    if isinstance(answer, NetworkFailure):
        raise _Blocked(f"Failed to fetch (preflight: {answer.reason}).")
    include = request.credentials == "include"
    if answer.status in _REDIRECT_STATUSES and get_header(answer.headers, "Location") is not None:
        # Fetch: a preflight response must have an ok status; Chromium names the redirect case.
        raise _Blocked(not_ok + "Redirect is not allowed for a preflight request. Fix: answer OPTIONS directly.")
    refusal = _middleware_refusal_fix(answer, serialized_origin, method, unsafe_names)
    problem = cors_check(answer.headers, serialized_origin, include)
    if problem:
        if refusal is not None:  # the middleware's own verdict says more than "send this header"
            problem = problem.split(" Fix: ", 1)[0] + " " + refusal
        raise _Blocked(not_ok + problem)
    if not 200 <= answer.status <= 299:
        fix = refusal or (
            "Fix: answer the "
            "preflight (OPTIONS with Access-Control-Request-Method) with 200 or 204 before auth/routing."
        )
        raise _Blocked(
            not_ok + f"It does not have HTTP ok status. (It answered {answer.status}{_snippet(answer.body)}.) " + fix
        )
    # Fetch: step 7.1-7.2: parse Access-Control-Allow-Methods / -Headers; a failure is a network error.
    methods = _allowed_list(answer, "Access-Control-Allow-Methods", "method tokens")
    header_names = _allowed_list(answer, "Access-Control-Allow-Headers", "header names")
    methods = methods or []
    header_names = header_names or []
    max_age = parse_max_age(get_header(answer.headers, "Access-Control-Max-Age"), ctx.profile)
    fills_cache = request.cache not in ctx.profile.cache_modes_not_filling_preflight_cache
    if fills_cache and ctx.profile.caches_refused_preflight:
        # WebKit stores the answer before checking the request against it (case "cache-failed-then").
        ctx.cache.store(serialized_origin, url, include, methods, header_names, max_age)
    # Step 7.5: the method must be listed (case-sensitively) unless safelisted; `*` only without credentials.
    if not (is_cors_safelisted_method(method) or method in methods or (not include and "*" in methods)):
        raise _Blocked(
            f"Method {method} is not allowed by Access-Control-Allow-Methods in preflight response. "
            f"Fix: include {method} in Access-Control-Allow-Methods."
        )
    # Step 7.6-7.7: every CORS-unsafe header name must be listed (case-insensitively); `*` covers names
    # only without credentials, and (per the standard, not Chromium) never covers Authorization.
    lowered = {name.lower() for name in header_names}
    wildcard = not include and "*" in header_names
    for name in unsafe_names:
        if name in lowered:
            continue
        if wildcard and (name != "authorization" or ctx.profile.wildcard_covers_authorization):
            continue
        hint = ""
        if "*" in header_names:
            hint = (
                " (`*` does not cover it when credentials are included)"
                if include
                else " (the standard says `*` never covers Authorization)"
            )
        raise _Blocked(
            f"Request header field {name} is not allowed by Access-Control-Allow-Headers "
            "in preflight response. "
            f"Fix: include {name} in Access-Control-Allow-Headers{hint}."
        )
    # Chromium does not store preflight results of a no-store request (verified in tests/browser).
    if fills_cache and not ctx.profile.caches_refused_preflight:
        ctx.cache.store(serialized_origin, url, include, methods, header_names, max_age)
