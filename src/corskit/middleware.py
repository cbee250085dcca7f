"""The ASGI middleware: a drop-in replacement for Starlette's (and FastAPI's) CORSMiddleware."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Iterable, MutableMapping
from typing import Any

from .config import compile_policy
from .policy import ACAH, ACAO, ACAPN, PREFLIGHT_VARY, VARY, Header, Policy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# How much of Access-Control-Request-Headers is examined. A browser lists each non-safelisted header
# name of one request once; 8 KiB is far beyond any real request, and longer values are refused
# without being read, so junk costs nothing.
MAX_REQUEST_HEADERS_LENGTH = 8192

# Access-Control-Request-Headers as browsers send it: a comma-separated list of header names.
# Checked before mirroring it back, so only tokens are ever reflected.
_HEADER_LIST_RE = re.compile(rb"[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*[ \t]*")

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_ORIGIN = b"origin"
_VARY_ORIGIN = b"Origin"


def merge_vary(values: list[bytes], add: bytes) -> bytes:
    """Join the app's Vary values into one and add ``add`` unless already covered (by itself or '*')."""
    wanted = add.lower()
    for value in values:
        for item in value.split(b","):
            token = item.strip().lower()
            if token == wanted or token == b"*":
                return b", ".join(values)
    return b", ".join([*values, add])


def with_cors_headers(
    raw: Iterable[tuple[bytes, bytes]], extra: tuple[Header, ...], replace: frozenset[bytes]
) -> list[tuple[bytes, bytes]]:
    """A new header list: the app's headers minus those we set, plus ours, with Vary merged."""
    headers: list[tuple[bytes, bytes]] = []
    vary: list[bytes] = []
    for name, value in raw:
        lowered = name.lower()
        if lowered == VARY:
            vary.append(value)
        elif lowered not in replace:
            headers.append((name, value))
    headers.extend(extra)
    headers.append((VARY, merge_vary(vary, _VARY_ORIGIN) if vary else _VARY_ORIGIN))
    return headers


class CORSMiddleware:
    """CORS for any ASGI 3 app, with Starlette's parameters and defaults, refusing unsafe configurations.

    See the README for the parameters and for how corskit differs from Starlette.
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
    ) -> None:
        self.app = app
        self.policy: Policy = compile_policy(
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            allow_credentials=allow_credentials,
            allow_origin_regex=allow_origin_regex,
            allow_private_network=allow_private_network,
            expose_headers=expose_headers,
            max_age=max_age,
        )
        policy = self.policy
        # Read-only views with Starlette's attribute names, for code that inspects the middleware.
        self.allow_origins = tuple(allow_origins)
        self.allow_methods = policy.allow_methods
        self.allow_headers = sorted(policy.allowed_header_names)
        self.allow_all_origins = policy.allow_all_origins
        self.allow_all_headers = policy.allow_all_headers
        self.allow_credentials = policy.allow_credentials
        self.allow_origin_regex = policy.origin_regex
        self.allow_private_network = policy.allow_private_network
        # A subclass that overrides is_allowed_origin() (a Starlette idiom) is called for every
        # decision; otherwise the compiled policy answers directly.
        self._origin_allowed: Callable[[str], bool] = (
            self.is_allowed_origin
            if type(self).is_allowed_origin is not CORSMiddleware.is_allowed_origin
            else policy.origin_allowed
        )

    def is_allowed_origin(self, origin: str) -> bool:
        return self.policy.origin_allowed(origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == _ORIGIN:
                # Browsers send one Origin. Two mean a forged or broken request: answer it as a CORS
                # request from an origin nobody allowed.
                origin = value if origin is None else b""

        if origin is not None and scope["method"] == "OPTIONS":
            # Fetch: a CORS-preflight request is an OPTIONS carrying Access-Control-Request-Method.
            for name, _value in scope["headers"]:
                if name == b"access-control-request-method":
                    await self._preflight(scope, origin, send)
                    return

        policy = self.policy
        extra: tuple[Header, ...] = ()
        replace = _ONLY_VARY
        if origin is not None and self._origin_allowed(origin.decode("latin-1")):
            extra = ((ACAO, b"*" if policy.allow_all_origins else origin), *policy.simple_headers)
            replace = policy.simple_header_names
        started = False

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = with_cors_headers(message.get("headers", ()), extra, replace)
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            # Starlette/FastAPI turn an unhandled exception into a 500 *outside* this middleware, so the
            # browser would see no CORS headers and report a CORS error instead of the 500. Answer the
            # 500 here for allowed origins, then let the exception go on to be logged by the server.
            if not started and extra:
                await send_with_cors(
                    {"type": "http.response.start", "status": 500, "headers": [_TEXT_PLAIN, (b"content-length", b"21")]}
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    async def _preflight(self, scope: Scope, origin: bytes, send: Send) -> None:
        policy = self.policy
        method: bytes | None = None
        requested: bytes | None = None
        private_network = False
        for name, value in scope["headers"]:
            if name == b"access-control-request-method":
                method = value
            elif name == b"access-control-request-headers":
                requested = value
            elif name == b"access-control-request-private-network":
                private_network = True

        failures: list[str] = []
        headers: list[tuple[bytes, bytes]] = [(VARY, PREFLIGHT_VARY)]
        if self._origin_allowed(origin.decode("latin-1")):
            allow_origin = b"*" if policy.allow_all_origins and not policy.allow_credentials else origin
            headers.append((ACAO, allow_origin))
            headers.extend(policy.preflight_headers)
            origin_ok = True
        else:
            failures.append("origin")
            origin_ok = False

        if method is None or method.decode("latin-1") not in policy.method_set:
            failures.append("method")

        if requested is not None:
            if not self._headers_allowed(requested):
                failures.append("headers")
            elif policy.allow_all_headers and origin_ok:
                # Mirror the request's list: with credentials a literal '*' would not be honoured.
                headers.append((ACAH, requested))

        if private_network:
            if policy.allow_private_network:
                if origin_ok:
                    headers.append((ACAPN, b"true"))
            else:
                failures.append("private-network")

        body = b"Disallowed CORS " + ", ".join(failures).encode() if failures else b"OK"
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append(_TEXT_PLAIN)
        await send({"type": "http.response.start", "status": 400 if failures else 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _headers_allowed(self, requested: bytes) -> bool:
        if len(requested) > MAX_REQUEST_HEADERS_LENGTH or _HEADER_LIST_RE.fullmatch(requested) is None:
            return False
        if self.policy.allow_all_headers:
            return True
        allowed = self.policy.allowed_header_names
        return all(item.strip().lower().decode("latin-1") in allowed for item in requested.split(b","))


_ONLY_VARY = frozenset({VARY})
