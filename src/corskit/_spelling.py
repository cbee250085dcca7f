"""Configured values written differently from what browsers send, and what they most likely meant.

A browser's ``Origin`` is ``scheme://host[:port]``: lower case, no path (not even ``/``), no query,
fragment or user info, and no default port (HTML: "ASCII serialization of an origin"). An entry like
``https://App.Example.com:443/`` breaks four of those rules at once; reporting them one per restart is
what this module avoids: :func:`respelled_origin` gives every deviation with the finished value.
"""

from __future__ import annotations

from ._errors import Problem
from ._fetch import DEFAULT_PORTS
from ._origins import parse_origin


def _reason(code: str, scheme: str) -> str:
    if code == "origin-default-port":
        return f"browsers omit the default port {DEFAULT_PORTS[scheme]} for {scheme}, so this never matches."
    return _REASONS[code]


_REASONS = {
    "origin-has-fragment": "an origin has no fragment; browsers send only scheme://host[:port].",
    "origin-has-query": "an origin has no query; browsers send only scheme://host[:port].",
    "origin-has-path": "an origin has no path; browsers send only scheme://host[:port].",
    "origin-trailing-slash": "browsers send the origin without a trailing slash.",
    "origin-has-userinfo": "an origin never contains user:password@.",
    "origin-uppercase": "browsers send scheme and host in lower case, so this never matches.",
}


def respelled_origin(entry: str) -> tuple[str, list[str]] | None:
    """The origin ``entry`` most likely means, and the codes of every way it differs from it.

    None when ``entry`` is already an origin, or when it is wrong in some way a respelling cannot fix
    (no scheme, a bad host, a bad port): those keep their own single problem.
    """
    scheme, sep, rest = entry.partition("://")
    if not sep or not scheme or not rest:
        return None
    codes: list[str] = []
    for char, code in (("#", "origin-has-fragment"), ("?", "origin-has-query")):
        if char in rest:
            codes.append(code)
            rest = rest.split(char, 1)[0]
    authority, slash, path = rest.partition("/")
    if slash:
        codes.append("origin-trailing-slash" if path.strip("/") == "" else "origin-has-path")
    if "@" in authority:
        codes.append("origin-has-userinfo")
        authority = authority.rsplit("@", 1)[1]
    host, colon, port_text = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
    if not colon:
        host, port_text = authority, ""
    if scheme != scheme.lower() or host != host.lower():
        codes.append("origin-uppercase")
    scheme, host = scheme.lower(), host.lower()
    port = int(port_text) if port_text.isdigit() else None
    if port is not None and DEFAULT_PORTS.get(scheme) == port and port_text == str(port):
        codes.append("origin-default-port")
        colon, port_text = "", ""
    fixed = f"{scheme}://{host}{colon}{port_text}"
    if not codes or isinstance(parse_origin(fixed), Problem):
        return None
    return fixed, codes


def origin_spelling_problems(entry: str, parameter: str = "allow_origins") -> list[Problem]:
    """One problem per deviation of ``entry``, each ending with the fully corrected origin; [] if none apply."""
    respelled = respelled_origin(entry)
    if respelled is None:
        return []
    fixed, codes = respelled
    scheme = fixed.partition("://")[0]
    return [Problem(code, parameter, f"{entry!r}: {_reason(code, scheme)} Use {fixed!r}.") for code in codes]


def likely_list(parameter: str, items: list[str]) -> list[str]:
    """The list a plain string's comma-separated ``items`` most likely meant: origins respelled."""
    if parameter != "allow_origins":
        return items
    meant = []
    for item in items:
        respelled = respelled_origin(item)
        meant.append(item if respelled is None else respelled[0])
    return meant
