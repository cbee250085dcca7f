"""Explanations: why the middleware allows or refuses a request, in sentences a user can act on.

The middleware uses these to log refusals (at DEBUG, on the ``corskit`` logger); users call
``CORSMiddleware.explain()`` to ask about a request without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .fetch import is_token, normalize_method
from .limits import MAX_REQUEST_HEADERS_LENGTH
from .origins import same_origin_as_host, split_serialized_origin
from .policy import Policy
from .sanitize import sanitize

if TYPE_CHECKING:
    from .middleware import CORSMiddleware

Kind = Literal["not-cors", "simple", "preflight", "websocket"]


@dataclass(frozen=True)
class Check:
    """One failed check: a stable ``code`` and a ``message`` that says what to change."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class Explanation:
    """What the middleware does with one request.

    ``kind``: ``not-cors`` (no Origin, or CORS is off for the path), ``simple`` (an actual request with
    an Origin), ``preflight`` or ``websocket``. ``allowed`` is False when any check failed; ``failures``
    lists them. ``path_prefix`` names the ``path_policies`` entry used, if any; ``cors_enabled`` is
    False where that entry is None.
    """

    kind: Kind
    allowed: bool
    failures: tuple[Check, ...] = field(default=())
    path_prefix: str | None = None
    cors_enabled: bool = True

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        lines = [f"{self.kind} request: {verdict}"]
        lines.extend(f"  - {failure}" for failure in self.failures)
        return "\n".join(lines)


def _listing(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def origin_failure(policy: Policy, origin: str, duplicated: bool = False) -> Check:
    """Why ``origin`` is not allowed by ``policy`` (assumes it was refused)."""
    shown = sanitize(origin)
    if duplicated:
        return Check(
            "origin-duplicated",
            "the request carries more than one Origin header; browsers send exactly one, so corskit treats "
            "it as forged and allows no origin. Look for a proxy that adds an Origin header.",
        )
    parts = split_serialized_origin(origin)
    if parts is None:
        hint = (
            "opaque origins ('null': sandboxed iframes, file: pages, some redirects) can be forged by any "
            "website, so only allow_origins=['*'] (without credentials) covers them"
            if origin == "null"
            else "it is not a well-formed scheme://host[:port] origin, so no list, pattern, regex or function "
            "is consulted"
        )
        return Check("origin-not-allowed", f"origin {shown} is not allowed: {hint}.")
    message = f"origin {shown} is not allowed: add it to allow_origins"
    scheme, host, port = parts
    other_scheme = {"http": "https", "https": "http"}.get(scheme)
    if other_scheme is not None:
        twin = f"{other_scheme}://{host}" + (f":{port}" if port is not None else "")
        if twin in policy.exact_origins:
            message += f" (only {twin!r} is listed: the scheme differs)"
    for listed in policy.exact_origins:
        if listed.startswith(f"{scheme}://{host}:") or (port is not None and listed == f"{scheme}://{host}"):
            message += f" (only {listed!r} is listed: the port differs; 'scheme://host:*' allows any port)"
            break
    if policy.dynamic is not None:
        message += ", or make allow_origin_func return True for it"
    return Check("origin-not-allowed", message + ".")


def method_failure(policy: Policy, method: str | None) -> Check:
    if not method:  # absent, or present but empty: either way there is no method to check
        return Check("method-missing", "the preflight's Access-Control-Request-Method header is missing or empty.")
    return Check(
        "method-not-allowed",
        f"method {sanitize(method)} is not in allow_methods {_listing(policy.allow_methods)}: add it, or use ['*']"
        + (
            " (methods are case-sensitive: browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST, PUT)."
            if method.upper() in policy.allow_methods and method != method.upper()
            else "."
        ),
    )


def headers_failure(policy: Policy, requested: str) -> Check:
    if len(requested) > MAX_REQUEST_HEADERS_LENGTH:
        return Check(
            "headers-too-long",
            f"Access-Control-Request-Headers is {len(requested)} bytes, over corskit's limit of "
            f"{MAX_REQUEST_HEADERS_LENGTH}; no browser sends that many header names.",
        )
    names = [item.strip().lower() for item in requested.split(",")]
    if not all(names) or any(not is_token(n) for n in names):
        return Check(
            "headers-malformed",
            f"Access-Control-Request-Headers {sanitize(requested)} is not a comma-separated list of header names.",
        )
    missing = [n for n in names if n not in policy.allowed_header_names]
    configured = sorted(policy.allowed_header_names)
    return Check(
        "headers-not-allowed",
        f"request header(s) {_listing(missing)} not in allow_headers {_listing(configured)}: add them, or use ['*'].",
    )


def private_network_failure() -> Check:
    return Check(
        "private-network-not-allowed",
        "the preflight asks for private network access (Access-Control-Request-Private-Network) and "
        "allow_private_network is False: set it to True if public websites may call this server on a "
        "private network.",
    )


def websocket_failure(origin: str, host: str | None) -> Check:
    return Check(
        "websocket-origin-refused",
        f"WebSocket handshake from origin {sanitize(origin)} refused: it is not allowed by the policy and not "
        f"same-origin with Host {sanitize(host or '')}. Add it to allow_origins, or pass "
        "check_websocket_origin=False to accept handshakes from every website. If it is your own site behind "
        "a reverse proxy, the proxy may have rewritten Host (nginx sends the upstream's address unless told "
        "`proxy_set_header Host $host;`): forward the browser's Host, or add the site's public origin to "
        "allow_origins.",
    )


def preflight_failures(
    policy: Policy,
    origin: str,
    duplicated: bool,
    origin_ok: bool,
    method: str | None,
    requested: str | None,
    private_network: bool,
) -> list[Check]:
    """Every failed check of a preflight, in the order of Starlette's 400 body."""
    failures: list[Check] = []
    if not origin_ok:
        failures.append(origin_failure(policy, origin, duplicated))
    if method not in policy.method_set:
        failures.append(method_failure(policy, method))
    if requested is not None and not policy.request_headers_allowed(requested.encode("latin-1", "replace")):
        failures.append(headers_failure(policy, requested))
    if private_network and not policy.allow_private_network:
        failures.append(private_network_failure())
    return failures


@dataclass(frozen=True)
class Request:
    """The parts of a request that CORS looks at, as :meth:`CORSMiddleware.explain` was given them."""

    kind: Kind
    policy: Policy | None
    path_prefix: str | None
    origin: str | None
    duplicated: bool
    method: str | None
    requested_headers: str | None
    private_network: bool
    host: str | None
    check_websocket_origin: bool

    @classmethod
    def parse(
        cls,
        method: str,
        path: str,
        headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]],
        middleware: CORSMiddleware,
    ) -> Request:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        found: dict[str, list[str]] = {}
        for name, value in pairs:
            key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            found.setdefault(key, []).append(text)

        def first(name: str) -> str | None:
            values = found.get(name)
            return values[0] if values else None

        prefix: str | None = None
        policy: Policy | None = middleware.policy
        if middleware.path_policies is not None:
            prefix, policy = middleware.path_policies.lookup(path, middleware.policy)
        origins = found.get("origin", [])
        upgrade = (first("upgrade") or "").strip().lower()
        if upgrade == "websocket":
            kind: Kind = "websocket"
        elif not origins or policy is None:
            kind = "not-cors"
        elif normalize_method(method) == "OPTIONS" and "access-control-request-method" in found:
            kind = "preflight"
        else:
            kind = "simple"
        return cls(
            kind=kind,
            policy=policy,
            path_prefix=prefix,
            origin=origins[0] if origins else None,
            duplicated=len(origins) > 1,
            method=first("access-control-request-method"),
            requested_headers=first("access-control-request-headers"),
            private_network="access-control-request-private-network" in found,
            host=first("host"),
            check_websocket_origin=middleware.check_websocket_origin,
        )

    def decide(self, origin_allowed: bool) -> Explanation:
        """The explanation, given whether the request's origin is allowed by the applicable policy."""
        policy, origin = self.policy, self.origin
        # Several Origin headers count, as in the middleware, as one origin nobody listed: only
        # allow_origins=['*'] covers it (answered with '*', so nothing is reflected).
        allowed_origin = (policy is not None and policy.allow_all_origins) if self.duplicated else origin_allowed
        failures: list[Check] = []
        if policy is None or origin is None or self.kind == "not-cors":
            pass
        elif self.kind == "websocket":
            host = None if self.host is None else self.host.encode("latin-1", "replace")
            same_origin = not self.duplicated and same_origin_as_host(origin, host)
            if self.check_websocket_origin and not allowed_origin and not same_origin:
                failures.append(websocket_failure(origin, self.host))
        elif self.kind == "simple":
            if not allowed_origin:
                failures.append(origin_failure(policy, origin, self.duplicated))
        else:
            failures = preflight_failures(
                policy,
                origin,
                self.duplicated,
                allowed_origin,
                self.method,
                self.requested_headers,
                self.private_network,
            )
        return Explanation(self.kind, not failures, tuple(failures), self.path_prefix, policy is not None)
