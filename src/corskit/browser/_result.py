"""What a simulated ``fetch()`` returns: :class:`FetchResult`, with every :class:`Exchange` on the wire."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["Exchange", "FetchResult", "ReadableHeaders"]


class ReadableHeaders(Mapping[str, str]):
    """Response headers JavaScript can read (``response.headers``): case-insensitive, repeated headers
    joined with ", ", names iterated in lower case and sorted (as ``Headers`` iterates)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._data: dict[str, str] = {}
        for name, value in (items or {}).items():
            self._data[name.lower()] = value

    def __getitem__(self, name: str) -> str:
        return self._data[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items())))

    def __repr__(self) -> str:
        return f"ReadableHeaders({dict(sorted(self._data.items()))!r})"


@dataclass(frozen=True)
class Exchange:
    """One HTTP request that went on the wire and what came back (or the network error)."""

    kind: str  #: "preflight" or "request"
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""  #: the response body
    network_error: str | None = None
    request_body: bytes | None = None

    def request_header(self, name: str) -> str | None:
        values = [v for k, v in self.request_headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def response_header(self, name: str) -> str | None:
        values = [v for k, v in self.response_headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of ``Browser.fetch()``, seen from the page's JavaScript.

    ``blocked`` -- True when ``fetch()`` would reject with a TypeError (CORS failure, network error, or an
    argument ``fetch()`` refuses); ``error`` then says why, in the console's words, and what to change.
    ``status``/``headers``/``text`` are what JavaScript can read (None/empty when blocked; status 0 and
    nothing readable for opaque responses of ``mode="no-cors"`` or ``redirect="manual"``).
    ``preflight`` -- the first CORS-preflight exchange, if one was sent. ``from_preflight_cache`` -- a
    preflight was needed but a cached result made it unnecessary. ``exchanges`` -- all requests, in order.
    """

    blocked: bool
    error: str | None = None
    status: int | None = None
    headers: ReadableHeaders = field(default_factory=ReadableHeaders)
    text: str = ""
    preflight: Exchange | None = None
    from_preflight_cache: bool = False
    exchanges: tuple[Exchange, ...] = ()
    response_type: str = "error"  #: Fetch response type: "basic", "cors", "opaque", "opaqueredirect", "error"
    url: str | None = None  #: response.url: the final URL after redirects
    redirected: bool = False

    @property
    def ok(self) -> bool:
        return not self.blocked and self.status is not None and 200 <= self.status <= 299

    def json(self) -> object:
        import json

        return json.loads(self.text)

    def __repr__(self) -> str:
        if self.blocked:
            return f"<FetchResult blocked: {self.error}>"
        return f"<FetchResult {self.status} {self.response_type} headers={dict(self.headers)!r}>"
