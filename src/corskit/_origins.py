"""Origins: parsing configured origins and patterns, and matching a request's Origin against them.

A browser serializes an origin as ``scheme://host[:port]`` with a lower-case scheme and host and no
default port (HTML: "ASCII serialization of an origin"), or as ``null`` for opaque origins. Configured
origins are held to that same form, so that matching a request is an exact string comparison.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ._errors import Problem
from ._fetch import DEFAULT_PORTS, open_suffix_under
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
# The same with a host that ends in a dot: "https://example.com." is an origin of its own, distinct
# from "https://example.com". A second expression, tried only when the first fails, keeps the common
# case as fast as it was.
_TRAILING_DOT_ORIGIN_RE = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*)://"
    r"(?P<host>[a-z0-9\-_]+(?:\.[a-z0-9\-_]+)*\.)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)


# URL standard: the schemes whose hosts are parsed as domains or IP addresses (other schemes keep an
# opaque host, as in chrome-extension://id).
_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})
_DECIMAL = frozenset("0123456789")
_HEX = frozenset("0123456789abcdef")


def _ipv4_number(part: str) -> int | None:
    """URL standard: IPv4 number parser (``0x`` hexadecimal, leading ``0`` octal, else decimal)."""
    digits, radix = part, 10
    if part[:2] == "0x":
        digits, radix = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, radix = part[1:], 8
    if digits == "":
        return 0 if radix != 10 else None
    allowed = {10: _DECIMAL, 16: _HEX, 8: frozenset("01234567")}[radix]
    if not set(digits) <= allowed:  # int() alone would also take '_', '+' and non-ASCII digits
        return None
    return int(digits, radix)


def _ends_in_a_number(host: str) -> bool:
    """URL standard: "ends in a number checker" -- such a host is parsed as an IPv4 address."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if last != "" and set(last) <= _DECIMAL:
        return True
    return last[:2] == "0x" and set(last[2:]) <= _HEX


def _ipv4_serialization(host: str) -> str | None:
    """URL standard: IPv4 parser then serializer (``127.1`` -> ``127.0.0.1``); None when it fails."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    numbers = [_ipv4_number(part) for part in parts]
    if len(numbers) > 4 or any(number is None for number in numbers):
        return None
    values = [number for number in numbers if number is not None]
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1] + sum(value * 256 ** (3 - index) for index, value in enumerate(values[:-1]))
    return str(ipaddress.IPv4Address(address))


def _ipv6_serialization(literal: str) -> str | None:
    """URL standard: IPv6 serializer -- lower-case hex pieces without leading zeros, the first longest
    run of two or more zero pieces written '::' (an embedded IPv4 tail is written in hex too)."""
    try:
        number = int(ipaddress.IPv6Address(literal))
    except ValueError:
        return None
    pieces = [(number >> (16 * (7 - index))) & 0xFFFF for index in range(8)]
    best_start, best_length = -1, 1
    index = 0
    while index < 8:
        length = 0
        while index + length < 8 and pieces[index + length] == 0:
            length += 1
        if length > best_length:
            best_start, best_length = index, length
        index += max(length, 1)
    if best_start == -1:
        return "[" + ":".join(f"{piece:x}" for piece in pieces) + "]"
    head = ":".join(f"{piece:x}" for piece in pieces[:best_start])
    tail = ":".join(f"{piece:x}" for piece in pieces[best_start + best_length :])
    return f"[{head}::{tail}]"


def browser_host(scheme: str, host: str) -> str | None:
    """The host as a browser serializes it in an origin, or None if its URL parser rejects it.

    ``host`` is lower-case already. Domains are kept as written (a trailing dot included); IP
    addresses of special schemes are rewritten to the one form the URL standard serializes.
    """
    if host.startswith("["):
        return _ipv6_serialization(host[1:-1])
    if scheme in _SPECIAL_SCHEMES and _ends_in_a_number(host):
        return _ipv4_serialization(host)
    return host


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
    if scheme.lower() == "file":
        return _problem(
            "origin-file-url",
            entry,
            "pages opened from file:// URLs send 'Origin: null' (an opaque origin that any website can "
            "produce), never a file:// origin. Serve the page over http://localhost instead and list that.",
        )
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

    port_suffix = f":{port_text}" if has_port else ""
    lowered_host = host.lower()
    if "*" not in host and not host.startswith("["):
        labels = lowered_host.removesuffix(".").split(".")
        if not all(_check_host_label(label) for label in labels):
            return _problem("origin-malformed", entry, f"{host!r} is not a valid host name: {example}.")
    sent_host = lowered_host if "*" in host else browser_host(scheme.lower(), lowered_host)
    if sent_host is None:
        return _problem(
            "origin-malformed",
            entry,
            f"{host!r} is not a host a browser accepts (a host whose last label is a number is read as "
            f"an IPv4 address, and an IP address must be valid): {example}.",
        )
    if scheme != scheme.lower() or host != sent_host:
        sent = f"{scheme.lower()}://{sent_host}{port_suffix}"
        if sent_host == lowered_host:
            return _problem(
                "origin-uppercase",
                entry,
                f"browsers send scheme and host in lower case, so this never matches. Use {sent!r}.",
            )
        return _problem(
            "origin-not-serialized",
            entry,
            f"browsers write this IP address one way only and send {sent!r}, so this never matches. Use {sent!r}.",
        )

    any_port = False
    port: int | None = None
    if has_port:
        if port_text == "*":
            any_port = True
        elif port_text and set(port_text) <= _DECIMAL and len(port_text) <= 5 and 0 < int(port_text) <= 65535:
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
        labels = suffix.removesuffix(".").split(".")
        if not all(_check_host_label(label) for label in labels) or _ends_in_a_number(suffix):
            return _problem("pattern-malformed", entry, f"{suffix!r} is not a valid host name.")
        public = open_suffix_under(suffix)
        if public is not None:
            if public == suffix.removesuffix("."):
                covered, fix = f"covers the public suffix {public!r}", f"'{scheme}://*.yourdomain.{public}'"
            else:
                covered, fix = f"reaches down to the public suffix {public!r}", "the exact origins you serve"
            return _problem(
                "pattern-public-suffix",
                entry,
                f"'*.{suffix}' {covered}, so anyone can register a matching site such as "
                f"'{scheme}://attacker.{public}'. Name your own domain instead: {fix}.",
            )
        host_suffix = "." + suffix
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
    m = SERIALIZED_ORIGIN_RE.fullmatch(origin) or _TRAILING_DOT_ORIGIN_RE.fullmatch(origin)
    if m is None:
        return None
    scheme, host, port_text = m.group("scheme", "host", "port")
    if port_text is None:
        return scheme, host, None
    port = int(port_text)
    if port == 0 or port > 65535 or port_text != str(port) or DEFAULT_PORTS.get(scheme) == port:
        return None
    return scheme, host, port
