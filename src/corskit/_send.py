"""The two per-request steps that ``_speedups.c`` also implements, in Python.

The middleware uses the C versions when the extension was built and these otherwise; both behave
the same (tests/test_speedups.py runs them side by side).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Header = tuple[bytes, bytes]
Merge = Callable[[list[Header], tuple[Header, ...], frozenset[bytes]], list[Header]]

VARY_ORIGIN_HEADER = (b"vary", b"Origin")


def find_origin(headers: Iterable[tuple[bytes, bytes]], duplicate: bytes) -> bytes | None:
    """The Origin header's value, None without one, or ``duplicate`` when there are several."""
    origin = None
    for name, value in headers:
        if name == b"origin":
            origin = value if origin is None else duplicate
    return origin


class CORSSend:
    """Stands in for ASGI ``send``: the response start goes out with CORS headers and ``Vary: Origin``.

    The app's headers are copied, never edited; ``extra`` is appended, then ``vary: Origin``. If the app
    set a header named in ``replace`` (which always holds ``vary``) or a name that is not lower-case (ASGI
    requires lower case), ``merge`` builds the list instead.
    """

    __slots__ = ("_extra", "_merge", "_replace", "_send", "started")

    def __init__(
        self,
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
        extra: tuple[Header, ...],
        replace: frozenset[bytes],
        merge: Merge,
    ) -> None:
        self._send = send
        self._extra = extra
        self._replace = replace
        self._merge = merge
        self.started = False

    def __call__(self, message: MutableMapping[str, Any]) -> Awaitable[None]:
        # Returns send's own awaitable rather than being a coroutine: no extra frame per message.
        if message["type"] == "http.response.start":
            self.started = True
            headers = list(message.get("headers", ()))
            for name, _value in headers:
                if name in self._replace or not name.islower():
                    headers = self._merge(headers, self._extra, self._replace)
                    break
            else:
                headers.extend(self._extra)
                headers.append(VARY_ORIGIN_HEADER)
            message = dict(message)
            message["headers"] = headers
        return self._send(message)
