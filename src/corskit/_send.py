"""The per-request steps that ``_speedups.c`` also implements, in Python, and the careful header merge.

``_hot.py`` picks the C versions of :func:`find_origin`, :func:`read_headers` and :class:`CORSSend` when
the extension was built and these otherwise; both behave the same (tests/middleware/test_speedups.py runs them
side by side). :func:`merge_headers` is the slow path of both: the C extension looks it up here once,
at import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable

from ._asgi import ACRH, ACRM, ACRPN, HOST, ORIGIN, VARY, VARY_ORIGIN, VARY_ORIGIN_HEADER, Header, Message, Send


def find_origin(headers: Iterable[tuple[bytes, bytes]], duplicate: bytes) -> bytes | None:
    """The Origin header's value, None without one, or ``duplicate`` when there are several."""
    origin = None
    for name, value in headers:
        if name == ORIGIN:
            origin = value if origin is None else duplicate
    return origin


def read_headers(
    headers: Iterable[tuple[bytes, bytes]], duplicate: bytes
) -> tuple[bytes | None, bytes | None, bytes | None, bool, bytes | None]:
    """(Origin, Access-Control-Request-Method, -Headers, whether -Private-Network is present, Host).

    Origin as :func:`find_origin` gives it; the first value of the method and of Host; every line of
    Access-Control-Request-Headers joined with ", ", as RFC 9110 (section 5.3) combines the lines of a
    list header (proxies may split one).
    """
    origin = method = host = None
    lines: list[bytes] = []
    private_network = False
    for name, value in headers:
        if name == ORIGIN:
            origin = value if origin is None else duplicate
        elif name == HOST:
            if host is None:
                host = value
        elif name == ACRM:
            if method is None:
                method = value
        elif name == ACRH:
            lines.append(value)
        elif name == ACRPN:
            private_network = True
    requested = None if not lines else lines[0] if len(lines) == 1 else b", ".join(lines)
    return origin, method, requested, private_network, host


def merge_vary(values: list[bytes], add: bytes) -> bytes:
    """Join the app's Vary values into one and add ``add`` unless already covered (by itself or '*')."""
    wanted = add.lower()
    for value in values:
        for item in value.split(b","):
            token = item.strip().lower()
            if token == wanted or token == b"*":
                return b", ".join(values)
    return b", ".join([*values, add])


def merge_headers(raw: list[Header], extra: tuple[Header, ...], replace: frozenset[bytes]) -> list[Header]:
    """The app's headers minus those we set (in any case), plus ours, with the app's Vary merged."""
    headers: list[Header] = []
    vary: list[bytes] = []
    for name, value in raw:
        lowered = name.lower()
        if lowered == VARY:
            vary.append(value)
        elif lowered not in replace:
            headers.append((name, value))
    headers.extend(extra)
    headers.append((VARY, merge_vary(vary, VARY_ORIGIN)) if vary else VARY_ORIGIN_HEADER)
    return headers


class CORSSend:
    """Stands in for ASGI ``send``: the response start goes out with CORS headers and ``Vary: Origin``.

    The app's headers are copied, never edited; ``extra`` is appended, then ``vary: Origin``. If the app
    set a header named in ``replace`` (which always holds ``vary``) or a name that is not lower-case (ASGI
    requires lower case), :func:`merge_headers` builds the list instead.
    """

    __slots__ = ("_extra", "_replace", "_send", "started")

    def __init__(self, send: Send, extra: tuple[Header, ...], replace: frozenset[bytes]) -> None:
        self._send = send
        self._extra = extra
        self._replace = replace
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        # Returns send's own awaitable rather than being a coroutine: no extra frame per message.
        if message["type"] == "http.response.start":
            self.started = True
            headers = list(message.get("headers", ()))
            for name, _value in headers:
                # bytes.islower() is also False for a name without letters (b"x-1" is lower, b"123" is
                # not), so such a name takes the careful path here, while the C version only looks for
                # upper-case letters. merge_headers builds the same list for it, so only the path differs
                # (tests/middleware/test_speedups.py checks both give the same headers).
                if name in self._replace or not name.islower():
                    headers = merge_headers(headers, self._extra, self._replace)
                    break
            else:
                headers.extend(self._extra)
                headers.append(VARY_ORIGIN_HEADER)
            message = dict(message)
            message["headers"] = headers
        return self._send(message)
