"""The ASGI middleware: a drop-in replacement for Starlette's (and FastAPI's) CORSMiddleware."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._asgi import ACAO, CONTENT_LENGTH, TEXT_PLAIN, VARY, ASGIApp, Receive, Scope, Send
from ._compile import bind_options, compile_options
from ._decide import DUPLICATE_ORIGIN, RequestFacts, actual, decide, preflight, read_request, websocket
from ._errors import CORSConfigError
from ._explain import Explanation, describe, explanation
from ._hot import CORSSend, find_origin, read_headers
from ._options import FIELDS, OPTION_NAMES, POSITIONAL, Options
from ._paths import PathPolicies, route_path
from ._policy import Policy
from ._startup import built_by_framework

HeadersInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]

logger = logging.getLogger("corskit")

_ONLY_VARY = frozenset({VARY})
# What a request reads, as compile_options returns it: the options, the top-level policy, the path policies.
_Compiled = tuple[Options, Policy, PathPolicies | None]
_WS_DENIED_BODY = b"Forbidden: WebSocket origin not allowed"


def _log_refusal(kind: str, policy: Policy, facts: RequestFacts, failures: tuple[str, ...], debug: bool) -> None:
    sentences = " ".join(str(check) for check in describe(policy, facts, failures))
    # In debug mode at WARNING: Python prints that much even where logging was never configured.
    logger.log(logging.WARNING if debug else logging.DEBUG, "corskit refused a %s: %s", kind, sentences)


def _as_asgi_headers(headers: HeadersInput) -> list[tuple[bytes, bytes]]:
    """Header pairs as an ASGI server passes them: lower-case names, bytes (text read as latin-1)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [
        (
            (name if isinstance(name, bytes) else name.encode("latin-1", "replace")).lower(),
            value if isinstance(value, bytes) else value.encode("latin-1", "replace"),
        )
        for name, value in pairs
    ]


def _signature() -> inspect.Signature:
    """The constructor's signature, as ``help()`` and IDEs show it: built from the options record."""
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("app", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="ASGIApp"),
    ]
    for f in FIELDS:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if f.name in POSITIONAL else inspect.Parameter.KEYWORD_ONLY
        params.append(inspect.Parameter(f.name, kind, default=f.default, annotation=f.type))
    return inspect.Signature(params, return_annotation="None")


class CORSMiddleware:
    """CORS for any ASGI 3 app, with Starlette's parameters and defaults, refusing unsafe configurations.

    The first eight parameters are Starlette's, in Starlette's order and with its defaults, and may be
    passed positionally; the rest are corskit's own (keyword-only). Every option and its default is
    listed once, in ``corskit.Options``. See the README for each, and for how corskit differs.
    """

    def __init__(self, app: ASGIApp, *args: Any, **kwargs: Any) -> None:
        try:
            compiled = compile_options(bind_options(args, kwargs))
        except CORSConfigError as error:
            if not built_by_framework():
                raise
            # Under add_middleware the exception would be mistaken for "no lifespan support" (see
            # _startup.py): become a middleware that fails the startup with the problem list instead.
            self.app: ASGIApp = app
            self.error = error
            self.__class__ = RefusedCORSMiddleware
            return
        self.app = app
        # Everything a request reads, in one tuple: reconfigure() replaces it with one assignment, so a
        # request sees either the old configuration or the new one, never a mix, and keeps the one it
        # read first until it ends.
        self._compiled: _Compiled = compiled
        # A subclass that overrides is_allowed_origin() (a Starlette idiom) is asked for every
        # decision, under every path policy; otherwise each compiled policy answers directly.
        self._custom_origin_check = type(self).is_allowed_origin is not CORSMiddleware.is_allowed_origin

    __init__.__signature__ = _signature()  # type: ignore[attr-defined]

    def reconfigure(self, **changes: Any) -> None:
        """Switch to the current options with ``changes`` applied, without a restart.

        Validated exactly as the constructor validates (``CORSConfigError`` listing every problem); only a
        valid configuration replaces the running one, in one step. Requests already in flight finish
        under the configuration they started with. Options not named keep their current values;
        ``reconfigure(allow_origins=[...])`` changes the origins alone.
        """
        current = self._compiled[0]
        given = {name: getattr(current, name) for name in OPTION_NAMES}
        given.update(changes)  # unknown names are reported by compile_options, like the constructor's
        self._compiled = compile_options(given)

    # Read-only views of the running configuration (Starlette's attribute names among them, for code
    # that inspects the middleware).
    @property
    def options(self) -> Options:
        return self._compiled[0]

    @property
    def policy(self) -> Policy:
        return self._compiled[1]

    @property
    def path_policies(self) -> PathPolicies | None:
        return self._compiled[2]

    @property
    def check_websocket_origin(self) -> bool:
        return self._compiled[0].check_websocket_origin

    @property
    def debug(self) -> bool:
        """Debug answers to refused preflights (see the README); set it to switch at run time."""
        return self._compiled[0].debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self.reconfigure(debug=value)

    @property
    def allow_origins(self) -> tuple[str, ...]:
        return tuple(self._compiled[0].allow_origins)

    @property
    def allow_methods(self) -> tuple[str, ...]:
        return self._compiled[1].allow_methods

    @property
    def allow_headers(self) -> list[str]:
        return sorted(self._compiled[1].allowed_header_names)

    @property
    def allow_all_origins(self) -> bool:
        return self._compiled[1].allow_all_origins

    @property
    def allow_all_headers(self) -> bool:
        return self._compiled[1].allow_all_headers

    @property
    def allow_credentials(self) -> bool:
        return self._compiled[1].allow_credentials

    @property
    def allow_origin_regex(self) -> re.Pattern[str] | None:
        return self._compiled[1].origin_regex

    @property
    def allow_private_network(self) -> bool:
        return self._compiled[1].allow_private_network

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
        return policy.allows_origin(origin)

    async def _origin_allowed(self, policy: Policy, origin: bytes) -> bool:
        """The origin verdict of a request: the policy's rules, then ``allow_origin_func`` (cached)."""
        if self._static_allowed(policy, origin):
            return True
        return policy.dynamic is not None and await policy.dynamic.allowed(origin.decode("latin-1"))

    def _origin_allowed_sync(self, policy: Policy, origin: bytes) -> bool:
        """:meth:`_origin_allowed` outside an event loop, through the same ``allow_origin_func`` cache."""
        if self._static_allowed(policy, origin):
            return True
        return policy.dynamic is not None and policy.dynamic.allowed_sync(origin.decode("latin-1"))

    @staticmethod
    def _policy_for(compiled: _Compiled, scope: Scope) -> Policy | None:
        _, policy, paths = compiled
        if paths is None:
            return policy
        return paths.lookup(route_path(scope["path"], scope.get("root_path", "")), policy)[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        compiled = self._compiled  # read once: the whole request runs under this configuration
        scope_type = scope["type"]
        if scope_type != "http":
            if scope_type == "websocket" and compiled[0].check_websocket_origin:
                await self._websocket(compiled, scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return

        policy: Policy | None = compiled[1] if compiled[2] is None else self._policy_for(compiled, scope)
        if policy is None:
            await self.app(scope, receive, send)  # CORS is off for this path.
            return

        # Only an OPTIONS request can be a preflight, so other methods only need Origin (found in C).
        # Browsers send one Origin; two mean a forged or broken request, answered as a CORS request
        # from an origin nobody allowed.
        request_method: bytes | None = None
        if scope["method"] != "OPTIONS":
            origin = find_origin(scope["headers"], DUPLICATE_ORIGIN)
        else:
            origin, request_method, requested, private_network, _ = read_headers(scope["headers"], DUPLICATE_ORIGIN)

        allowed = False
        extra: tuple[tuple[bytes, bytes], ...] = ()
        replace = _ONLY_VARY  # Vary: Origin on every response, as Starlette does
        if origin is not None:
            if self._custom_origin_check:
                allowed = self._static_allowed(policy, origin)
            else:
                # Policy.allows_origin, inlined (as is Policy.actual_headers below): the two method calls
                # cost 0.04 us of corskit's 1.05 us per allowed simple request in benchmarks/run.py's
                # paths table (0.167x vs 0.162x Starlette); the table test checks all paths agree.
                allowed = origin in policy.exact_origin_bytes or policy.allow_all_origins
                if not allowed and policy.match_origin is not None:
                    allowed = policy.match_origin(origin)
            dynamic = policy.dynamic
            if not allowed and dynamic is not None:
                # An always-current in-memory store (RedisOriginStore) answers the raw value at once,
                # without the text decoding and the coroutine of a user function's cached call.
                memory = dynamic.memory
                allowed = memory(origin) if memory is not None else await dynamic.allowed(origin.decode("latin-1"))

            # Fetch: a CORS-preflight request is an OPTIONS request with Access-Control-Request-Method
            # (read_request() says the same for explain()).
            if request_method is not None:
                status, headers, body, failures = preflight(
                    policy, origin, allowed, request_method, requested, private_network, compiled[0].debug
                )
                if failures and (compiled[0].debug or logger.isEnabledFor(logging.DEBUG)):
                    facts = RequestFacts("preflight", origin, request_method, requested, private_network)
                    _log_refusal("preflight", policy, facts, failures, compiled[0].debug)
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return

            if allowed:
                extra = ((ACAO, b"*" if policy.allow_all_origins else origin), *policy.simple_headers)
                replace = policy.simple_header_names
            elif compiled[0].debug or logger.isEnabledFor(logging.DEBUG):
                refused = RequestFacts("simple", origin)
                _log_refusal("request", policy, refused, actual(policy, refused, False).failures, compiled[0].debug)
        send_with_cors = CORSSend(send, extra, replace)
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
                        "headers": [TEXT_PLAIN, (CONTENT_LENGTH, b"21")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    async def _websocket(self, compiled: _Compiled, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self._policy_for(compiled, scope)
        facts = read_request("GET", scope["headers"], websocket=True)
        # Browsers always send Origin on a WebSocket handshake; without one it is not a browser, and
        # the same-origin policy has nothing to protect.
        if policy is None or facts.origin is None:
            await self.app(scope, receive, send)
            return
        answer = websocket(facts, await self._origin_allowed(policy, facts.origin))
        if answer.status is None:
            await self.app(scope, receive, send)
            return
        if compiled[0].debug or logger.isEnabledFor(logging.DEBUG):
            _log_refusal("WebSocket handshake", policy, facts, answer.failures, compiled[0].debug)
        # Cross-site WebSocket hijacking: browsers never preflight a WebSocket, so the handshake is
        # refused here, before the app can accept it with the visitor's cookies.
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": answer.status,
                    "headers": [TEXT_PLAIN, (CONTENT_LENGTH, str(len(_WS_DENIED_BODY)).encode())],
                }
            )
            await send({"type": "websocket.http.response.body", "body": _WS_DENIED_BODY})
        else:
            # A close before accept: ASGI servers answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})

    # -- explanations -------------------------------------------------------------------------------

    def _explained(
        self, method: str, path: str, headers: HeadersInput
    ) -> tuple[Policy | None, str | None, RequestFacts]:
        """The policy for ``path``, the ``path_policies`` prefix used, and the request's facts."""
        pairs = _as_asgi_headers(headers)
        upgrade = next((value for name, value in pairs if name == b"upgrade"), b"")
        facts = read_request(method, pairs, websocket=upgrade.strip().lower() == b"websocket")
        _, root, paths = self._compiled
        if paths is None:
            return root, None, facts
        prefix, policy = paths.lookup(path, root)
        return policy, prefix, facts

    def _needs_verdict(self, policy: Policy | None, facts: RequestFacts) -> bool:
        if policy is None or facts.origin is None:
            return False
        return facts.kind != "websocket" or self.check_websocket_origin

    def explain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> Explanation:
        """Say what the middleware does with a request, and why, without a server.

        ``headers`` is a mapping or a list of (name, value) pairs; an ``Upgrade: websocket`` header makes
        it a WebSocket handshake. The decision is the middleware's own, and ``allow_origin_func`` is
        asked through the same cache (which this fills). An async ``allow_origin_func`` is run to
        completion here; inside a running event loop use :meth:`aexplain`.
        """
        policy, prefix, facts = self._explained(method, path, headers)
        failures: tuple[str, ...] = ()
        if policy is not None and facts.origin is not None and self._needs_verdict(policy, facts):
            failures = decide(policy, facts, self._origin_allowed_sync(policy, facts.origin)).failures
        return self._explanation(policy, prefix, facts, failures)

    async def aexplain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> Explanation:
        """:meth:`explain` for use inside an event loop (awaits an async ``allow_origin_func``)."""
        policy, prefix, facts = self._explained(method, path, headers)
        failures: tuple[str, ...] = ()
        if policy is not None and facts.origin is not None and self._needs_verdict(policy, facts):
            failures = decide(policy, facts, await self._origin_allowed(policy, facts.origin)).failures
        return self._explanation(policy, prefix, facts, failures)

    @staticmethod
    def _explanation(
        policy: Policy | None, prefix: str | None, facts: RequestFacts, failures: tuple[str, ...]
    ) -> Explanation:
        kind = facts.kind if policy is not None or facts.kind == "websocket" else "not-cors"
        return explanation(kind, policy, facts, failures, prefix)


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

    def explain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> Explanation:
        raise CORSConfigError(self.error.problems)

    async def aexplain(self, method: str, path: str = "/", headers: HeadersInput = ()) -> Explanation:
        raise CORSConfigError(self.error.problems)

    def reconfigure(self, **changes: Any) -> None:
        # The refused configuration never ran: there is nothing to change, and the app must restart.
        raise CORSConfigError(self.error.problems)
