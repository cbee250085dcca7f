"""Slow, obviously-correct reference implementations the middleware is checked against.

Written from the specifications (HTML's serialization of an origin, RFC 9110 tokens, the rules in the
README), character by character, sharing no code with corskit.
"""

from __future__ import annotations

import re
from typing import Any

# Documented caps (docs/security.md): origins longer than this are never matched by a pattern, a regex
# or allow_origin_func; Access-Control-Request-Headers longer than this is refused unread.
ORIGIN_CAP = 300
REQUEST_HEADERS_CAP = 8192

LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
TOKEN_CHARS = set("!#$%&'*+-.^_`|~" + LOWER + LOWER.upper() + DIGITS)
DEFAULT_PORT = {"http": 80, "https": 443, "ws": 80, "wss": 443}
SAFELISTED = {"accept", "accept-language", "content-language", "content-type"}
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"]


def parse_serialized(origin: str) -> tuple[str, str, int | None] | None:
    """scheme://host[:port] exactly as a browser serializes a tuple origin, or None."""
    if "://" not in origin:
        return None
    index = origin.index("://")
    scheme, rest = origin[:index], origin[index + 3 :]
    if not scheme or scheme[0] not in LOWER:
        return None
    for char in scheme:
        if char not in LOWER + DIGITS + "+-.":
            return None
    if rest.startswith("["):
        if "]" not in rest:
            return None
        close = rest.index("]")
        host, after = rest[: close + 1], rest[close + 1 :]
        inner = host[1:-1]
        if inner == "":
            return None
        for char in inner:
            if char not in "0123456789abcdef:.":
                return None
    else:
        if ":" in rest:
            colon = rest.index(":")
            host, after = rest[:colon], rest[colon:]
        else:
            host, after = rest, ""
        labels = host.removesuffix(".").split(".")  # "example.com." is an origin of its own
        for label in labels:
            if label == "":
                return None
            for char in label:
                if char not in LOWER + DIGITS + "-_":
                    return None
    if after == "":
        return scheme, host, None
    if after[0] != ":":
        return None
    digits = after[1:]
    if not 1 <= len(digits) <= 5:
        return None
    for char in digits:
        if char not in DIGITS:
            return None
    if digits[0] == "0":
        return None  # leading zeros, or port 0
    port = int(digits)
    if port > 65535 or DEFAULT_PORT.get(scheme) == port:
        return None
    return scheme, host, port


def _pattern_allows(pattern: str, scheme: str, host: str, port: int | None) -> bool:
    p_scheme, _, p_rest = pattern.partition("://")
    if p_scheme != scheme:
        return False
    if p_rest.startswith("["):
        close = p_rest.index("]")
        p_host, p_port = p_rest[: close + 1], p_rest[close + 2 :]
    else:
        p_host, _, p_port = p_rest.partition(":")
    if p_port == "*":
        port_ok = True
    elif p_port == "":
        port_ok = port is None
    else:
        port_ok = port == int(p_port)
    if not port_ok:
        return False
    if p_host.startswith("*."):
        suffix = p_host[1:]  # ".example.com"
        return len(host) > len(suffix) and host.endswith(suffix) and not host.startswith(".")
    return p_host == host


def origin_allowed(config: dict[str, Any], origin: bytes) -> bool:
    """Whether ``config`` lets ``origin`` (the raw header bytes) read responses."""
    entries = list(config.get("allow_origins", ()))
    if "*" in entries:
        return True
    text = origin.decode("latin-1")
    for entry in entries:
        if "*" not in entry and entry == text:
            return True
    if len(text) > ORIGIN_CAP:
        return False
    parts = parse_serialized(text)
    if parts is None:
        return False
    for entry in entries:
        if "*" in entry and _pattern_allows(entry, *parts):
            return True
    regex = config.get("allow_origin_regex")
    if regex is not None and re.fullmatch(regex, text):
        return True
    func = config.get("allow_origin_func")
    return func is not None and func(text) is True


def header_names(requested: bytes) -> list[str] | None:
    """The names in an Access-Control-Request-Headers value, or None when it is not a list of tokens."""
    if len(requested) > REQUEST_HEADERS_CAP:
        return None
    names = []
    for item in requested.split(b","):
        name = item.strip(b" \t").decode("latin-1")
        if name == "" or any(char not in TOKEN_CHARS for char in name):
            return None
        names.append(name)
    return names


def headers_allowed(config: dict[str, Any], requested: bytes) -> bool:
    names = header_names(requested)
    if names is None:
        return False
    configured = list(config.get("allow_headers", ()))
    if "*" in configured:
        return True
    allowed = SAFELISTED | {name.lower() for name in configured}
    return all(name.lower() in allowed for name in names)


def methods(config: dict[str, Any]) -> list[str]:
    configured = list(config.get("allow_methods", ("GET",)))
    if "*" in configured:
        return ALL_METHODS
    normalized = []
    for method in configured:
        upper = method.upper()
        normalized.append(upper if upper in {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} else method)
    return normalized


def websocket_same_origin(origin: bytes, host: bytes | None) -> bool:
    """A handshake's Origin names the Host it was sent to (scheme ignored: http(s) pages talk to ws(s))."""
    if host is None:
        return False
    parts = parse_serialized(origin.decode("latin-1"))
    if parts is None:
        return False
    scheme, o_host, o_port = parts
    host_text = host.decode("latin-1").lower()
    name, port = host_text, None
    if ":" in host_text and host_text.rindex(":") > host_text.find("]"):
        colon = host_text.rindex(":")
        digits = host_text[colon + 1 :]
        if not 1 <= len(digits) <= 5 or any(char not in DIGITS for char in digits):
            return False
        name, port = host_text[:colon], int(digits)
        if port == DEFAULT_PORT.get(scheme):
            port = None
    return (name, port) == (o_host, o_port)
