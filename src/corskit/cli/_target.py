"""What ``check`` and ``scan`` share about their targets: validating URL and origin arguments, and turning
a failed connection into the one-line error the command exits 2 with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from ._errors import CLIError

_ORIGIN_EXAMPLE = "an origin such as https://app.example.com"


def target_url(value: str) -> str:
    """The URL argument, or a CLIError saying what is wrong with it."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise CLIError(f"bad URL {value!r}: {error}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise CLIError(f"bad URL {value!r}: it must start with http:// or https://")
    if not parts.hostname:
        raise CLIError(f"bad URL {value!r}: it has no host")
    if port == 0:
        raise CLIError(f"bad URL {value!r}: port 0")
    return value


def page_origin(value: str, option: str = "--origin") -> str:
    """The page origin argument as the browser serializes it (``null`` allowed), or a CLIError."""
    if value == "null":
        return value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise CLIError(f"{option} must be {_ORIGIN_EXAMPLE}, got {value!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise CLIError(f"{option} must be {_ORIGIN_EXAMPLE}, got {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise CLIError(f"{option} must be scheme://host[:port] only (no path, query or user), got {value!r}")
    default = {"http": 80, "https": 443}[scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def origin_of(url: str) -> str:
    """The origin of an http(s) URL, serialized."""
    parts = urlsplit(url)
    return page_origin(f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}", "URL")


_REFUSED = re.compile(r"refused|errno 111", re.IGNORECASE)
_NAME = re.compile(r"name or service not known|nodename nor servname|getaddrinfo|name resolution", re.IGNORECASE)
_TLS = re.compile(r"ssl|certificate|tls", re.IGNORECASE)
_TIMEOUT = re.compile(r"timeout|timed out", re.IGNORECASE)


def network_error(url: str, reason: str, timeout: float) -> CLIError:
    """One line for a connection that failed: what it was, in words, then the transport's own text."""
    where = urlsplit(url).netloc
    if _TLS.search(reason):
        what = "TLS error"
    elif _TIMEOUT.search(reason):
        what = f"no answer within {timeout:g} s (--timeout)"
    elif _REFUSED.search(reason):
        what = "connection refused"
    elif "all connection attempts failed" in reason.lower():
        # httpx's async transport tries every address and reports only this.
        what = "connection failed (refused or unreachable)"
    elif _NAME.search(reason):
        what = "unknown host"
    else:
        what = "network error"
    detail = " ".join(reason.split())
    return CLIError(f"cannot reach {where}: {what} ({detail})")


def header_pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    """``-H 'Name: value'`` arguments as pairs, or a CLIError naming the bad one."""
    pairs = []
    for raw in values:
        name, colon, value = raw.partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise CLIError(f"-H must look like 'Name: value', got {raw!r}")
        pairs.append((name, value.strip()))
    return pairs


def printable(text: str) -> str:
    """``text`` safe for a terminal: a server's header bytes may hold C1 controls (0x9b starts an escape
    sequence on some terminals), shown escaped instead."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in text)
