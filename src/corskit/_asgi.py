"""ASGI type aliases and the header names corskit reads and writes, as the bytes ASGI carries.

ASGI servers give request header names lower-cased; responses may use any case, so corskit compares
the app's response header names lower-cased.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Header = tuple[bytes, bytes]

# Request headers.
ORIGIN = b"origin"
HOST = b"host"
ACRM = b"access-control-request-method"
ACRH = b"access-control-request-headers"
ACRPN = b"access-control-request-private-network"

# Response headers.
ACAO = b"access-control-allow-origin"
ACAC = b"access-control-allow-credentials"
ACAM = b"access-control-allow-methods"
ACAH = b"access-control-allow-headers"
ACEH = b"access-control-expose-headers"
ACMA = b"access-control-max-age"
ACAPN = b"access-control-allow-private-network"
VARY = b"vary"
CONTENT_LENGTH = b"content-length"
CONTENT_TYPE = b"content-type"

TEXT_PLAIN = (CONTENT_TYPE, b"text/plain; charset=utf-8")

# Every response corskit touches varies on Origin, as Starlette's do; the C extension takes this very
# tuple at import, so both paths send the same one.
VARY_ORIGIN = b"Origin"
VARY_ORIGIN_HEADER = (VARY, VARY_ORIGIN)

# Starlette 1.10 sends this Vary on every preflight answer; a cache must key preflights on all of it.
PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)
