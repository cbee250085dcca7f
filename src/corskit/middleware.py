"""The ASGI middleware: a drop-in replacement for Starlette's (and FastAPI's) CORSMiddleware."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from . import explain as explaining
from ._implementation import CORSSend, find_origin  # C extension or Python twins: _implementation.py
from ._startup import built_by_framework
from .config import collect_policy
from .dynamic import OriginFunc
from .errors import CORSConfigError, Problem
from .origins import same_origin_as_host, split_serialized_origin
from .paths import PathPolicies, collect_path_policies
from .policy import ACAH, ACAO, ACAPN, PREFLIGHT_VARY, VARY, Header, Policy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
HeadersInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]

logger = logging.getLogger("corskit")

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_ORIGIN = b"origin"
_ACRM = b"access-control-request-method"
_VARY_ORIGIN = b"Origin"
_VARY_ORIGIN_HEADER = (VARY, _VARY_ORIGIN)
_ACRH = b"access-control-request-headers"
_ACRPN = b"access-control-request-private-network"
_PREFLIGHT_REQUEST_HEADERS = frozenset({_ORIGIN, _ACRM, _ACRH, _ACRPN})
_PREFLIGHT_OK_TAIL = ((b"content-length", b"2"), _TEXT_PLAIN)
_ONLY_VARY = frozenset({VARY})
# Stands for "several Origin headers": never a valid origin, so never allowed nor reflected.
_DUPLICATE_ORIGIN = b"\x00duplicate"
_WS_DENIED_BODY = b"Forbidden: WebSocket origin not allowed"


def merge_vary(values: list[bytes], add: bytes) -> bytes:
    """Join the app's Vary values into one and add ``add`` unless already covered (by itself or '*')."""
    wanted = add.lower()
    for value in values:
        for item in value.split(b","):
            token = item.strip().lower()
            if token == wanted or token == b"*":
                return b", ".join(values)
    return b", ".join([*values, add])


def _merge_headers(
    raw: list[tuple[bytes, bytes]], extra: tuple[Header, ...], replace: frozenset[bytes]
) -> list[tuple[bytes, bytes]]:
    """The app's headers minus those we set (in any case), plus ours, with the app's Vary merged."""
    headers: list[tuple[bytes, bytes]] = []
    vary: list[bytes] = []
    for name, value in raw:
        lowered = name.lower()
        if lowered == VARY:
            vary.append(value)
        elif lowered not in replace:
            headers.append((name, value))
    headers.extend(extra)
    headers.append((VARY, merge_vary(vary, _VARY_ORIGIN)) if vary else _VARY_ORIGIN_HEADER)
    return headers


def _as_header_bytes(value: str | None) -> bytes | None:
    """A header value given as text, as the bytes a server would pass (None if it can't be sent)."""
    if value is None:
        return None
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _log_refusal(kind: str, failures: list[explaining.Check]) -> None:
    logger.debug("corskit refused a %s: %s", kind, " ".join(str(f) for f in failures))


class CORSMiddleware:
    """CORS for any ASGI 3 app, with Starlette's parameters and defaults, refusing unsafe configurations.

    The first eight parameters are Starlette's, in Starlette's order and with its defaults; the rest
    are corskit's own (keyword-only). See the README for each, and for how corskit differs.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
        *,
        allow_origin_func: OriginFunc | None = None,
        origin_cache_size: int = 10_000,
        origin_cache_ttl: float = 60.0,
        check_websocket_origin: bool = True,
        path_policies: Mapping[str, Mapping[str, Any] | None] | None = None,
    ) -> None:
        # Read each collection once (a generator would be empty the second time).
        allow_origins, allow_methods, allow_headers, expose_headers = (
            tuple(value) if isinstance(value, Iterator) else value
            for value in (allow_origins, allow_methods, allow_headers, expose_headers)
        )
        problems: list[Problem] = []
        options = {
            "allow_origins": allow_origins,
            "allow_methods": allow_methods,
            "allow_headers": allow_headers,
            "allow_credentials": allow_credentials,
            "allow_origin_regex": allow_origin_regex,
            "allow_private_network": allow_private_network,
            "expose_headers": expose_headers,
            "max_age": max_age,
            "allow_origin_func": allow_origin_func,
            "origin_cache_size": origin_cache_size,
            "origin_cache_ttl": origin_cache_ttl,
        }
        policy = collect_policy(options, problems)
        paths = collect_path_policies(path_policies, problems)
        if not isinstance(check_websocket_origin, bool):
            problems.append(
                Problem(
                    "not-a-bool", "check_websocket_origin", f"expected True or False, got {check_websocket_origin!r}."
                )
            )
        if problems or policy is None:
            error = CORSConfigError(problems)
            if not built_by_framework():
                raise error
            # Under add_middleware the exception would be mistaken for "no lifespan support" (see
            # _startup.py): become a middleware that fails the startup with the problem list instead.
            self.app = app
            self.error = error
            self.__class__ = RefusedCORSMiddleware
            return

        self.app = app
        self.policy: Policy = policy
        self.path_policies: PathPolicies | None = paths
        self.check_websocket_origin = check_websocket_origin
        # Read-only views with Starlette's attribute names, for code that inspects the middleware.
        self.allow_origins = tuple(allow_origins)
        self.allow_methods = policy.allow_methods
        self.allow_headers = sorted(policy.allowed_header_names)
        self.allow_all_origins = policy.allow_all_origins
        self.allow_all_headers = policy.allow_all_headers
        self.allow_credentials = policy.allow_credentials
        self.allow_origin_regex = policy.origin_regex
        self.allow_private_network = policy.allow_private_network
        # A subclass that overrides is_allowed_origin() (a Starlette idiom) is asked for every
        # decision, under every path policy; otherwise each compiled policy answers directly.
        self._custom_origin_check = type(self).is_allowed_origin is not CORSMiddleware.is_allowed_origin

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether the top-level lists, patterns and regex allow ``origin`` (not ``allow_origin_func``)."""
        return self.policy.origin_allowed(origin)

    def _static_allowed(self, policy: Policy, origin: bytes) -> bool:
        """Whether the lists, patterns and regex (or a subclass's is_allowed_origin) allow ``origin``."""
        if self._custom_origin_check:
            text = origin.decode("latin-1")
            # A subclass may accept anything, but a value with control characters (CR/LF/NUL, or the
            # duplicate-Origin marker) must never be reflected into a response header.
            return text.isprintable() and self.is_allowed_origin(text)
        return policy.allows_origin_bytes(origin)

    async def _allowed(self, policy: Policy, origin: bytes) -> bool:
        return self._static_allowed(policy, origin) or (
            policy.dynamic is not None and await self._asked(policy, origin.decode("latin-1"))
        )

    @staticmethod
    async def _asked(policy: Policy, origin: str) -> bool:
        """What ``allow_origin_func`` says; it only hears about origins a browser could send."""
        if policy.dynamic is None or split_serialized_origin(origin) is None:
            return False
        return await policy.dynamic.allowed(origin)

    def _policy_for(self, scope: Scope) -> Policy | None:
        if self.path_policies is None:
            return self.policy
        return self.path_policies.lookup(scope["path"], self.policy)[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type != "http":
            if scope_type == "websocket" and self.check_websocket_origin:
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return

        policy = self.policy if self.path_policies is None else self._policy_for(scope)
        if policy is None:
            await self.app(scope, receive, send)  # CORS is off for this path.
            return

        # One pass over the request headers. Browsers send one Origin; two mean a forged or broken
        # request, answered as a CORS request from an origin nobody allowed.
        origin: bytes | None = None
        request_method: bytes | None = None
        if scope["method"] != "OPTIONS":
            origin = find_origin(scope["headers"], _DUPLICATE_ORIGIN)
        else:
            requested: bytes | None = None
            private_network = False
            for name, value in scope["headers"]:
                if name not in _PREFLIGHT_REQUEST_HEADERS:  # one set lookup for each uninteresting header
                    continue
                if name == b"origin":
                    origin = value if origin is None else _DUPLICATE_ORIGIN
                elif name == _ACRM:
                    if request_method is None:
                        request_method = value
                elif name == _ACRH:
                    if requested is None:
                        requested = value
                else:
                    private_network = True

        allowed = False
        extra: tuple[Header, ...] = ()
        replace = _ONLY_VARY  # Vary: Origin on every response, as Starlette does
        if origin is not None:
            if self._custom_origin_check:
                allowed = self._static_allowed(policy, origin)
            else:
                # Decided inline in the common case: every call here costs as much as the lookup.
                allowed = origin in policy.exact_origin_bytes or policy.allow_all_origins
                if not allowed and policy.match_origin is not None:
                    allowed = policy.match_origin(origin)
            if not allowed and policy.dynamic is not None:
                allowed = await self._asked(policy, origin.decode("latin-1"))

            # Fetch: a CORS-preflight request is an OPTIONS request with Access-Control-Request-Method.
            if request_method is not None:
                status, headers, body = self._preflight(
                    policy, origin, allowed, request_method, requested, private_network
                )
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return

            if allowed:
                extra = ((ACAO, b"*" if policy.allow_all_origins else origin), *policy.simple_headers)
                replace = policy.simple_header_names
            elif logger.isEnabledFor(logging.DEBUG):
                text = origin.decode("latin-1")
                _log_refusal("request", [explaining.origin_failure(policy, text, origin is _DUPLICATE_ORIGIN)])
        send_with_cors = CORSSend(send, extra, replace, _merge_headers)
        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            # Starlette/FastAPI turn an unhandled exception into a 500 *outside* this middleware, so the
            # browser would get no CORS headers and report a CORS error instead of the 500. Answer the
            # 500 here for allowed origins, then let the exception go on to be logged by the server.
            if allowed and not send_with_cors.started:
                await send_with_cors(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [_TEXT_PLAIN, (b"content-length", b"21")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    @staticmethod
    def _preflight(
        policy: Policy,
        origin: bytes,
        origin_ok: bool,
        method: bytes,
        requested: bytes | None,
        private_network: bool,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The answer to a preflight: status, headers, body (Starlette's "OK" or "Disallowed CORS ...")."""
        method_ok = method in policy.method_bytes
        headers_ok = requested is None or policy.request_headers_allowed(requested)
        network_ok = not private_network or policy.allow_private_network

        if origin_ok:
            allow_origin = b"*" if policy.allow_all_origins and not policy.allow_credentials else origin
            headers = [(VARY, PREFLIGHT_VARY), (ACAO, allow_origin), *policy.preflight_headers]
            if requested is not None and headers_ok and policy.allow_all_headers:
                # Mirror the request's list: with credentials a literal '*' would not be honoured.
                headers.append((ACAH, requested))
            if private_network and network_ok:
                headers.append((ACAPN, b"true"))
        else:
            headers = [(VARY, PREFLIGHT_VARY)]

        if origin_ok and method_ok and headers_ok and network_ok:
            headers.extend(_PREFLIGHT_OK_TAIL)
            return 200, headers, b"OK"

        checks = (
            ("origin", origin_ok),
            ("method", method_ok),
            ("headers", headers_ok),
            ("private-network", network_ok),
        )
        body = b"Disallowed CORS " + ", ".join(name for name, ok in checks if not ok).encode()
        if logger.isEnabledFor(logging.DEBUG):
            failures = explaining.preflight_failures(
                policy,
                origin.decode("latin-1"),
                origin is _DUPLICATE_ORIGIN,
                origin_ok,
                method.decode("latin-1"),
                None if requested is None else requested.decode("latin-1"),
                private_network,
            )
            _log_refusal("preflight", failures)
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append(_TEXT_PLAIN)
        return 400, headers, body

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self._policy_for(scope)
        origin: bytes | None = None
        host: bytes | None = None
        for name, value in scope["headers"]:
            if name == _ORIGIN:
                origin = value if origin is None else _DUPLICATE_ORIGIN
            elif name == b"host":
                host = value
        # Browsers always send Origin on a WebSocket handshake; without one it is not a browser, and
        # the same-origin policy has nothing to protect.
        if policy is None or origin is None:
            await self.app(scope, receive, send)
            return
        text = origin.decode("latin-1")
        if await self._allowed(policy, origin) or same_origin_as_host(text, host):
            await self.app(scope, receive, send)
            return
        if logger.isEnabledFor(logging.DEBUG):
            _log_refusal(
                "WebSocket handshake",
                [explaining.websocket_failure(text, None if host is None else host.decode("latin-1"))],
            )
        # Cross-site WebSocket hijacking: browsers never preflight a WebSocket, so the handshake is
        # refused here, before the app can accept it with the visitor's cookies.
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 403,
                    "headers": [_TEXT_PLAIN, (b"content-length", str(len(_WS_DENIED_BODY)).encode())],
                }
            )
            await send({"type": "websocket.http.response.body", "body": _WS_DENIED_BODY})
        else:
            # A close before accept: ASGI servers answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})

    # -- explanations -------------------------------------------------------------------------------

    def explain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> explaining.Explanation:
        """Say what the middleware does with a request, and why, without a server.

        ``headers`` is a mapping or a list of (name, value) pairs; an ``Upgrade: websocket`` header makes
        it a WebSocket handshake. An async ``allow_origin_func`` is run to completion here; inside a
        running event loop use :meth:`aexplain`.
        """
        request = explaining.Request.parse(method, path, headers, self)
        allowed = False
        raw = _as_header_bytes(request.origin)
        if request.policy is not None and request.origin is not None and raw is not None:
            allowed = self._static_allowed(request.policy, raw)
            dynamic = request.policy.dynamic
            if not allowed and dynamic is not None and split_serialized_origin(request.origin) is not None:
                allowed = dynamic.allowed_sync(request.origin)
        return request.decide(allowed)

    async def aexplain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> explaining.Explanation:
        """:meth:`explain` for use inside an event loop (awaits an async ``allow_origin_func``)."""
        request = explaining.Request.parse(method, path, headers, self)
        allowed = False
        raw = _as_header_bytes(request.origin)
        if request.policy is not None and raw is not None:
            allowed = await self._allowed(request.policy, raw)
        return request.decide(allowed)


class RefusedCORSMiddleware(CORSMiddleware):
    """What a framework's middleware stack holds when corskit refused the configuration given to it.

    It fails the ASGI lifespan startup with the complete problem list (servers print it and exit), and
    raises the :class:`CORSConfigError` for anything else, so that nothing is ever served without the
    CORS policy the app asked for.
    """

    error: CORSConfigError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": str(self.error)})
        raise CORSConfigError(self.error.problems)

    def explain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> explaining.Explanation:
        raise CORSConfigError(self.error.problems)

    async def aexplain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> explaining.Explanation:
        raise CORSConfigError(self.error.problems)
