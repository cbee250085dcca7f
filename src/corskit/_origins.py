"""Origins: parsing configured origins and patterns, and matching a request's Origin against them.

A browser serializes an origin as ``scheme://host[:port]`` with a lower-case scheme and host and no
default port (HTML: "ASCII serialization of an origin"), or as ``null`` for opaque origins. Configured
origins are held to that same form, so that matching a request is an exact string comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import Problem
from ._fetch import DEFAULT_PORTS, MULTI_LABEL_PUBLIC_SUFFIXES
from ._limits import MAX_ORIGIN_LENGTH

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# Host labels as browsers accept them (underscores included: "my_app.example.com" is a real origin).
_LABEL_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?")
_IPV6_RE = re.compile(r"\[[0-9A-Fa-f:.]+\]")

# A serialized tuple origin as browsers send it. Each part is unambiguous (labels are separated by
# dots that labels cannot contain), so matching is linear with no backtracking blow-up.
SERIALIZED_ORIGIN_RE = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*)://"
    r"(?P<host>[a-z0-9\-_]+(?:\.[a-z0-9\-_]+)*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?"
)


@dataclass(frozen=True)
class OriginSpec:
    """A configured entry of ``allow_origins``: an exact origin or a pattern.

    ``host_suffix`` is set for ``scheme://*.suffix`` (stored with its leading dot); ``any_port`` for
    ``scheme://host:*``. Both may be set at once.
    """

    text: str
    scheme: str
    host: str
    port: int | None
    host_suffix: str | None = None
    any_port: bool = False

    @property
    def is_pattern(self) -> bool:
        return self.host_suffix is not None or self.any_port


def _problem(code: str, entry: str, message: str) -> Problem:
    return Problem(code, "allow_origins", f"{entry!r}: {message}")


def _check_host_label(label: str) -> bool:
    return _LABEL_RE.fullmatch(label) is not None


def parse_origin(entry: str) -> OriginSpec | Problem:
    """Parse one configured origin or pattern, or say precisely what is wrong with it."""
    if entry == "null":
        return _problem(
            "origin-null",
            entry,
            "the 'null' origin is sent by sandboxed iframes, data: URLs and local files, and any "
            "website can produce it, so allowing it allows everyone. Remove it; serve the page from a "
            "real origin and list that instead.",
        )
    example = "expected scheme://host[:port], e.g. 'https://app.example.com' or 'http://localhost:8080'"
    scheme, sep, rest = entry.partition("://")
    if not sep or not scheme or not rest:
        return _problem("origin-malformed", entry, f"not an origin: {example}.")
    if _SCHEME_RE.fullmatch(scheme) is None:
        return _problem("origin-malformed", entry, f"{scheme!r} is not a URL scheme: {example}.")
    if not rest.isascii():
        return _problem(
            "origin-malformed",
            entry,
            "non-ASCII host: browsers send internationalized hosts in punycode "
            "(e.g. 'https://xn--bcher-kva.example'), so write it that way.",
        )
    for char, code, what in (
        ("#", "origin-has-fragment", "fragment"),
        ("?", "origin-has-query", "query"),
    ):
        if char in rest:
            clean = entry.split(char, 1)[0].rstrip("/")
            return _problem(
                code, entry, f"an origin has no {what}; browsers send only scheme://host[:port]. Use {clean!r}."
            )
    authority, slash, path = rest.partition("/")
    if slash:
        if path == "":
            return _problem(
                "origin-trailing-slash",
                entry,
                f"browsers send the origin without a trailing slash. Use {entry[:-1]!r}.",
            )
        return _problem(
            "origin-has-path",
            entry,
            f"an origin has no path; browsers send only scheme://host[:port]. Use {scheme + '://' + authority!r}.",
        )
    if "@" in authority:
        clean = f"{scheme}://{authority.rsplit('@', 1)[1]}"
        return _problem("origin-has-userinfo", entry, f"an origin never contains user:password@; use {clean!r}.")
    if authority.startswith("["):
        end = authority.find("]")
        host, port_text = (authority, "") if end == -1 else (authority[: end + 1], authority[end + 1 :])
        if port_text and not port_text.startswith(":"):
            return _problem("origin-malformed", entry, f"unexpected text after the IPv6 address: {example}.")
        port_text = port_text[1:]
        has_port = bool(authority[end + 1 :]) if end != -1 else False
        if _IPV6_RE.fullmatch(host) is None:
            return _problem("origin-malformed", entry, f"malformed IPv6 address: {example}.")
    else:
        host, colon, port_text = authority.partition(":")
        has_port = bool(colon)
    if has_port and port_text == "":
        return _problem("origin-malformed", entry, f"empty port: {example}.")

    problems_upper = scheme != scheme.lower() or host != host.lower()
    if problems_upper:
        lowered = f"{scheme.lower()}://{host.lower()}" + (f":{port_text}" if has_port else "")
        return _problem(
            "origin-uppercase",
            entry,
            f"browsers send scheme and host in lower case, so this never matches. Use {lowered!r}.",
        )

    any_port = False
    port: int | None = None
    if has_port:
        if port_text == "*":
            any_port = True
        elif port_text.isdigit() and len(port_text) <= 5 and 0 < int(port_text) <= 65535:
            port = int(port_text)
            if DEFAULT_PORTS.get(scheme) == port:
                return _problem(
                    "origin-default-port",
                    entry,
                    f"browsers omit the default port {port} for {scheme}, so this never matches. "
                    f"Use {scheme + '://' + host!r}.",
                )
            if port_text != str(port):
                return _problem("origin-malformed", entry, f"port with leading zeros: use ':{port}'.")
        else:
            return _problem(
                "origin-malformed", entry, f"port {port_text!r} is not a number from 1 to 65535 (or '*' for any port)."
            )

    host_suffix: str | None = None
    if host.startswith("["):
        pass
    elif "*" in host:
        if host == "*":
            return _problem(
                "pattern-too-broad",
                entry,
                "a wildcard for the whole host matches every website. Use '*' alone without "
                "credentials if you really mean any origin, or a pattern such as "
                f"'{scheme}://*.example.com'.",
            )
        if not host.startswith("*.") or "*" in host[2:]:
            return _problem(
                "pattern-malformed",
                entry,
                "'*' may only stand for whole leading labels ('https://*.example.com') or for "
                "the port ('http://localhost:*').",
            )
        suffix = host[2:]
        labels = suffix.split(".")
        if not all(_check_host_label(label) for label in labels):
            return _problem("pattern-malformed", entry, f"{suffix!r} is not a valid host name.")
        if (len(labels) == 1 and suffix != "localhost") or suffix in MULTI_LABEL_PUBLIC_SUFFIXES:
            return _problem(
                "pattern-public-suffix",
                entry,
                f"'*.{suffix}' covers a whole public suffix, so anyone can register a matching "
                f"site. Name your own domain: '{scheme}://*.yourdomain.{suffix}'.",
            )
        host_suffix = "." + suffix
    else:
        labels = host.split(".")
        if not all(_check_host_label(label) for label in labels):
            return _problem("origin-malformed", entry, f"{host!r} is not a valid host name: {example}.")
    return OriginSpec(entry, scheme, host, port, host_suffix, any_port)


ANY_PORT = -1


class OriginPatterns:
    """Matches request origins against wildcard patterns in time independent of their number.

    Subdomain patterns are indexed by (scheme, port, host suffix): an origin is checked by looking up
    each of its host's proper suffixes, so the cost grows with the number of dots in the host, not with
    the number of patterns. Any-port patterns are a set of ``scheme://host`` strings.
    """

    __slots__ = ("_any_port_hosts", "_suffixes")

    def __init__(self, specs: list[OriginSpec]) -> None:
        # (scheme, port) -> {".suffix", ...}; port is None for "no port" and ANY_PORT for ":*".
        self._suffixes: dict[tuple[str, int | None], set[str]] = {}
        self._any_port_hosts: set[str] = set()
        for spec in specs:
            if spec.host_suffix is not None:
                key = (spec.scheme, ANY_PORT if spec.any_port else spec.port)
                self._suffixes.setdefault(key, set()).add(spec.host_suffix)
            elif spec.any_port:
                self._any_port_hosts.add(f"{spec.scheme}://{spec.host}")

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self._any_port_hosts and f"{scheme}://{host}" in self._any_port_hosts:
            return True
        if not self._suffixes or host.startswith("["):
            return False
        for key in ((scheme, port), (scheme, ANY_PORT)):
            suffixes = self._suffixes.get(key)
            if suffixes is None:
                continue
            # A pattern needs at least one label before its suffix, hence the search from index 1.
            dot = host.find(".", 1)
            while dot != -1:
                if host[dot:] in suffixes:
                    return True
                dot = host.find(".", dot + 1)
        return False


def split_serialized_origin(origin: str) -> tuple[str, str, int | None] | None:
    """Split an Origin header value into (scheme, host, port), or None if no browser would send it.

    The port comes back as None when it is absent or is the scheme's default.
    """
    if len(origin) > MAX_ORIGIN_LENGTH:
        return None
    m = SERIALIZED_ORIGIN_RE.fullmatch(origin)
    if m is None:
        return None
    scheme, host, port_text = m.group("scheme", "host", "port")
    if port_text is None:
        return scheme, host, None
    port = int(port_text)
    if port == 0 or port > 65535 or port_text != str(port) or DEFAULT_PORTS.get(scheme) == port:
        return None
    return scheme, host, port
