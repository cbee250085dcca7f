"""Explanations: why the middleware allows or refuses a request, in sentences a user can act on.

The decision is made in ``_decide.py``; this module only turns its failed checks (stable codes) into
sentences. The middleware uses them to log refusals (at DEBUG, on the ``corskit`` logger); users call
``CORSMiddleware.explain()`` to ask about a request without a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._compile import ALL_METHODS
from ._decide import Kind, RequestFacts
from ._fetch import FORBIDDEN_METHODS, SAFELISTED_REQUEST_HEADER_NAMES, normalize_method
from ._limits import MAX_REQUEST_HEADERS_LENGTH
from ._origins import split_serialized_origin
from ._policy import Policy
from ._sanitize import sanitize

# Fetch: CORS-safelisted request-header names, always allowed (Starlette adds them to every list).
_ALWAYS_ALLOWED = frozenset(name.lower() for name in SAFELISTED_REQUEST_HEADER_NAMES)


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


def origin_failure(policy: Policy, origin: str, code: str) -> Check:
    """Why ``origin`` is not allowed by ``policy`` (assumes it was refused)."""
    shown = sanitize(origin)
    if code == "origin-duplicated":
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


def _ascii_upper(text: str) -> str:
    """Upper-case A-Z only, as HTTP does ("ß".upper() is "SS")."""
    return text.encode("latin-1", "replace").upper().decode("latin-1")


def method_failure(policy: Policy, method: str | None) -> Check:
    if not method:  # absent, or present but empty: either way there is no method to check
        return Check("method-missing", "the preflight's Access-Control-Request-Method header is missing or empty.")
    if method.upper() in FORBIDDEN_METHODS:
        # Fetch: a forbidden method makes fetch() throw, so no page ever asks a preflight for it.
        return Check(
            "method-not-allowed",
            f"method {sanitize(method)} is a forbidden method: browsers never send it, so this preflight did not "
            "come from a web page, and no configuration can allow it.",
        )
    # '*' stands for Starlette's list of methods, not for every method.
    fix = "add it, or use ['*']" if normalize_method(method) in ALL_METHODS else "add it"
    return Check(
        "method-not-allowed",
        f"method {sanitize(method)} is not in allow_methods {_listing(policy.allow_methods)}: {fix}"
        + (
            " (methods are case-sensitive: browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST, PUT)."
            if _ascii_upper(method) in policy.allow_methods and method != _ascii_upper(method)
            else "."
        ),
    )


def headers_failure(policy: Policy, requested: str, code: str) -> Check:
    if code == "headers-too-long":
        return Check(
            "headers-too-long",
            f"Access-Control-Request-Headers is {len(requested)} bytes, over corskit's limit of "
            f"{MAX_REQUEST_HEADERS_LENGTH}; no browser sends that many header names.",
        )
    names = [item.strip().lower() for item in requested.split(",")]
    if code == "headers-malformed":
        return Check(
            "headers-malformed",
            f"Access-Control-Request-Headers {sanitize(requested)} is not a comma-separated list of header names.",
        )
    missing = [n for n in names if n not in policy.allowed_header_names]
    configured = sorted(policy.allowed_header_names - _ALWAYS_ALLOWED)
    where = (
        f"not in allow_headers {_listing(configured)}"
        if configured
        else "not allowed (allow_headers is not set; only Accept, Accept-Language, Content-Language and "
        "Content-Type are always allowed)"
    )
    fix = "add them to allow_headers, or use ['*']"
    return Check("headers-not-allowed", f"request header(s) {_listing(missing)} {where}: {fix}.")


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


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("latin-1")


def describe(policy: Policy, facts: RequestFacts, failures: tuple[str, ...]) -> tuple[Check, ...]:
    """The sentence for each failed check of a request (codes from the decision, in its order)."""
    origin = _text(facts.origin)
    checks: list[Check] = []
    for code in failures:
        if code.startswith("origin-"):
            checks.append(origin_failure(policy, origin, code))
        elif code.startswith("method-"):
            checks.append(method_failure(policy, None if code == "method-missing" else _text(facts.request_method)))
        elif code.startswith("headers-"):
            checks.append(headers_failure(policy, _text(facts.request_headers), code))
        elif code == "private-network-not-allowed":
            checks.append(private_network_failure())
        else:
            checks.append(websocket_failure(origin, None if facts.host is None else _text(facts.host)))
    return tuple(checks)


def explanation(
    kind: Kind, policy: Policy | None, facts: RequestFacts, failures: tuple[str, ...], path_prefix: str | None
) -> Explanation:
    """The :class:`Explanation` of a decision (``policy`` is None where CORS is off for the path)."""
    checks = () if policy is None else describe(policy, facts, failures)
    return Explanation(kind, not checks, checks, path_prefix, policy is not None)
