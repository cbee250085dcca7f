"""The CORS decision, without I/O: what a request asks, and what the answer to it is.

Nothing here knows about ASGI messages, logging or the middleware. :func:`read_request` reads the facts
CORS looks at from a method and header pairs (as ASGI gives them: lower-case names, bytes); given a
:class:`Policy` and whether the origin is allowed, :func:`decide` returns the answer: a response of
corskit's own (a preflight's) or the CORS headers to add to the app's, and the failed checks, each
with a stable code. The middleware, ``explain()``, the refusal log and the WebSocket check all decide
here; ``_explain.py`` only turns the codes into sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from ._asgi import (
    ACAH,
    ACAO,
    ACAPN,
    CONTENT_LENGTH,
    PREFLIGHT_VARY,
    TEXT_PLAIN,
    VARY,
    Header,
)
from ._fetch import DEFAULT_PORTS
from ._hot import read_headers
from ._origins import split_serialized_origin
from ._policy import Policy

Kind = Literal["not-cors", "simple", "preflight", "websocket"]

# Stands for "several Origin headers": never a valid origin, so never allowed by a list, pattern,
# regex or function, nor reflected; only allow_origins=['*'] covers it (answered with '*').
DUPLICATE_ORIGIN = b"\x00duplicate"

# A Host header's port: one to five ASCII digits ([0-9] in a str pattern is ASCII only, unlike \d).
_PORT_RE = re.compile("[0-9]{1,5}")
_PREFLIGHT_OK_TAIL = ((CONTENT_LENGTH, b"2"), TEXT_PLAIN)
_PREFLIGHT_REFUSED_HEADERS = ((VARY, PREFLIGHT_VARY),)
_new = tuple.__new__


class RequestFacts(NamedTuple):
    """What a request tells CORS, read once from its method and headers.

    ``origin`` is the Origin value, or :data:`DUPLICATE_ORIGIN` when there are several;
    ``request_headers`` joins every line of Access-Control-Request-Headers with ", " (RFC 9110, section
    5.3: proxies may split a list header); the others are the first value of their header (None when
    absent).
    """

    kind: Kind
    origin: bytes | None
    request_method: bytes | None = None
    request_headers: bytes | None = None
    private_network: bool = False
    host: bytes | None = None

    @property
    def origin_duplicated(self) -> bool:
        return self.origin is DUPLICATE_ORIGIN


class Answer(NamedTuple):
    """The decision about one request.

    ``status`` is None when the request goes on to the app (then ``headers`` are the CORS headers to
    add to its response); otherwise corskit answers with ``status``, ``headers`` and ``body`` itself.
    ``failures`` holds the stable code of each failed check, in the order of Starlette's 400 body.
    """

    status: int | None
    headers: Sequence[Header]
    body: bytes
    failures: tuple[str, ...]


PASS = Answer(None, (), b"", ())


def read_request(method: str, headers: Iterable[tuple[bytes, bytes]], websocket: bool = False) -> RequestFacts:
    """The facts of a request (``websocket`` for a handshake), in one pass over its headers."""
    origin, request_method, requested, private_network, host = read_headers(headers, DUPLICATE_ORIGIN)
    if websocket:
        kind: Kind = "websocket"
    elif origin is None:
        kind = "not-cors"
    # Fetch: a CORS-preflight request is an OPTIONS request with Access-Control-Request-Method. The
    # method is compared exactly, as servers route it: a lower-case "options" is not a preflight.
    elif method == "OPTIONS" and request_method is not None:
        kind = "preflight"
    else:
        kind = "simple"
    return _new(RequestFacts, (kind, origin, request_method, requested, private_network, host))


# What :func:`preflight` returns: status, headers, body, failed checks (a plain tuple: it is built on
# every preflight, and a NamedTuple costs as much again as the rest of the decision).
PreflightAnswer = tuple[int, list[Header], bytes, tuple[str, ...]]


def preflight(
    policy: Policy,
    origin: bytes,
    origin_ok: bool,
    method: bytes | None,
    requested: bytes | None,
    private_network: bool,
) -> PreflightAnswer:
    """The answer to a preflight: Starlette's "OK" (200) or "Disallowed CORS ..." (400), and why."""
    method_ok = method in policy.method_bytes
    headers_problem = None if requested is None else policy.request_headers_problem(requested)
    network_ok = not private_network or policy.allow_private_network

    if not origin_ok:
        headers: list[Header] = [*_PREFLIGHT_REFUSED_HEADERS]
    else:
        allow_origin = b"*" if policy.allow_all_origins and not policy.allow_credentials else origin
        headers = [(VARY, PREFLIGHT_VARY), (ACAO, allow_origin), *policy.preflight_headers]
        if requested is not None and headers_problem is None and policy.allow_all_headers:
            # Mirror the request's list: with credentials a literal '*' would not be honoured.
            headers.append((ACAH, requested))
        if private_network and network_ok:
            headers.append((ACAPN, b"true"))
        if method_ok and headers_problem is None and network_ok:
            headers.extend(_PREFLIGHT_OK_TAIL)
            return 200, headers, b"OK", ()

    failures: list[str] = []
    names: list[str] = []
    if not origin_ok:
        failures.append("origin-duplicated" if origin is DUPLICATE_ORIGIN else "origin-not-allowed")
        names.append("origin")
    if not method_ok:
        failures.append("method-not-allowed" if method else "method-missing")
        names.append("method")
    if headers_problem is not None:
        failures.append(headers_problem)
        names.append("headers")
    if not network_ok:
        failures.append("private-network-not-allowed")
        names.append("private-network")
    body = b"Disallowed CORS " + ", ".join(names).encode()
    headers.append((CONTENT_LENGTH, str(len(body)).encode()))
    headers.append(TEXT_PLAIN)
    return 400, headers, body, tuple(failures)


def actual(policy: Policy, facts: RequestFacts, origin_ok: bool) -> Answer:
    """An actual (non-preflight) request goes on to the app; an allowed origin gets the CORS headers."""
    origin = facts.origin
    assert origin is not None
    if origin_ok:
        return _new(Answer, (None, policy.actual_headers(origin), b"", ()))
    return _new(Answer, (None, (), b"", ("origin-duplicated" if origin is DUPLICATE_ORIGIN else "origin-not-allowed",)))


def same_origin_as_host(origin: bytes, host: bytes | None) -> bool:
    """Whether a WebSocket handshake's Origin names the server it was sent to (its Host header).

    The scheme is not compared: Host does not carry it, and a page on http(s)://h talks to ws(s)://h.
    """
    parts = split_serialized_origin(origin.decode("latin-1"))
    if parts is None or not host:
        return False
    scheme, origin_host, origin_port = parts
    # Host names compare ASCII case-insensitively (bytes.lower() changes A-Z only), and a port is ASCII
    # digits: str.isdigit() would also accept "²" or "٣", which int() then refuses or reads as a number.
    host_text = host.lower().decode("latin-1")
    name, port = host_text, None
    colon = host_text.rfind(":")
    if colon != -1 and host_text.find("]") < colon:  # a port follows; IPv6 colons sit inside brackets
        port_text = host_text[colon + 1 :]
        if _PORT_RE.fullmatch(port_text) is None:
            return False
        name, port = host_text[:colon], int(port_text)
    if port == DEFAULT_PORTS.get(scheme):
        port = None
    return name == origin_host and port == origin_port


def websocket(facts: RequestFacts, origin_ok: bool) -> Answer:
    """A handshake goes on to the app when its origin is allowed or is the server's own (by Host)."""
    origin = facts.origin
    if origin is None or origin_ok:
        return PASS
    if origin is not DUPLICATE_ORIGIN and same_origin_as_host(origin, facts.host):
        return PASS
    return _new(Answer, (403, (), b"", ("websocket-origin-refused",)))


def decide(policy: Policy, facts: RequestFacts, origin_ok: bool) -> Answer:
    """The answer to a request under ``policy``, given whether its origin is allowed."""
    kind = facts.kind
    if kind == "preflight":
        assert facts.origin is not None
        answer = preflight(
            policy, facts.origin, origin_ok, facts.request_method, facts.request_headers, facts.private_network
        )
        return _new(Answer, answer)
    if kind == "simple":
        return actual(policy, facts, origin_ok)
    if kind == "websocket":
        return websocket(facts, origin_ok)
    return PASS
