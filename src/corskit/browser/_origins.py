"""Origins and URLs as the browser sees them (HTML standard: origin; URL standard: serialization)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .._fetch import HTTP_DEFAULT_PORTS

__all__ = ["Origin", "parse_origin", "resolve_url", "url_origin"]

_DEFAULT_PORTS = HTTP_DEFAULT_PORTS


@dataclass(frozen=True)
class Origin:
    """A tuple origin (scheme, host, port) or, when ``opaque``, an opaque origin (serialized "null")."""

    scheme: str = ""
    host: str = ""
    port: int | None = None
    opaque: bool = False

    def serialize(self) -> str:
        """HTML: "ASCII serialization of an origin" -- what goes into the Origin request header."""
        if self.opaque:
            return "null"
        default = _DEFAULT_PORTS.get(self.scheme)
        port = "" if self.port is None or self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"

    def same_origin(self, other: Origin) -> bool:
        """HTML: "same origin". Opaque origins are never same origin with a tuple origin here."""
        if self.opaque or other.opaque:
            return False
        return (self.scheme, self.host, self._port()) == (other.scheme, other.host, other._port())

    def _port(self) -> int | None:
        return self.port if self.port is not None else _DEFAULT_PORTS.get(self.scheme)


def _split_http_url(url: str, what: str) -> tuple[str, str, int | None, str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{what} {url!r} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"{what} {url!r} must be an http:// or https:// URL")
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"{what} {url!r} has no host")
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    return scheme, host, port, parts.path, parts.query


def parse_origin(value: str) -> Origin:
    """Parse the page origin given to :class:`~corskit.browser.Browser`. "null" gives an opaque origin."""
    if not isinstance(value, str):
        raise ValueError(f"origin must be a string like 'https://app.example.com', got {value!r}")
    if value == "null":
        return Origin(opaque=True)
    scheme, host, port, path, query = _split_http_url(value, "origin")
    if path not in ("", "/") or query or "@" in value:
        raise ValueError(
            f"origin {value!r} must be scheme://host[:port] only (no user, path or query), "
            f"e.g. {Origin(scheme, host, port).serialize()!r}"
        )
    return Origin(scheme, host, port)


def url_origin(url: str) -> Origin:
    scheme, host, port, _, _ = _split_http_url(url, "URL")
    return Origin(scheme, host, port)


def resolve_url(url: str, base: str) -> str:
    """Resolve ``url`` against ``base`` (a page or server URL) and drop the fragment, as fetch() does."""
    if not isinstance(url, str) or not url:
        raise ValueError(f"url must be a non-empty string, got {url!r}")
    given = urlsplit(url)
    if given.scheme and given.scheme.lower() in _DEFAULT_PORTS and not given.netloc:
        raise ValueError(f"URL {url!r} has no host")
    absolute = urljoin(base, url)
    scheme, host, port, path, query = _split_http_url(absolute, "URL")
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    parts = urlsplit(absolute)
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        netloc = f"{userinfo}@{netloc}"
    # URL standard: the path and query percent-encode sets (a space becomes %20; existing %XX stays).
    path = quote(path or "/", safe="/%!$&'()*+,;=:@-._~")
    query = quote(query, safe="/?%!$&()*+,;=:@-._~")
    return urlunsplit((scheme, netloc, path, query, ""))


def url_has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None
