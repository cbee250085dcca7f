"""The Origin values ``corskit scan`` tries: an attacker's, ``null``, and look-alikes of the trusted
origin built from its registrable domain (the Public Suffix List decides what one can register)."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# An attacker's registrable domain. Letters only, like the probe label: an origin check written as
# `[a-z]+\.example\.com` must still see the probe as the subdomain it is.
ATTACKER_DOMAIN = "corskitattacker.net"
# Shared hosting: anyone who signs up gets a subdomain (each is a public suffix).
THIRD_PARTY_SUFFIXES = ("github.io", "herokuapp.com", "vercel.app")
_PROBE_LABEL = "attacker"
_MAX_DOT_PROBES = 4


@dataclass(frozen=True)
class ProbeOrigin:
    """``origin`` is sent as the page's origin; ``finding`` is the id reported if it can read the URL
    (None for the trusted origin itself, probed only to see how the server answers an allowed origin)."""

    origin: str
    finding: str | None


def registrable_domain(host: str) -> str | None:
    """The part of ``host`` one can register (``app.example.co.uk`` -> ``example.co.uk``), from the
    Public Suffix List bundled with ``publicsuffixlist`` (no network); None for IP addresses and for
    hosts that are themselves public suffixes (``localhost``, ``github.io``)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return None
    found = _suffix_list().privatesuffix(host)
    return str(found) if found else None


@functools.lru_cache(maxsize=1)
def _suffix_list() -> Any:
    from publicsuffixlist import PublicSuffixList

    # accept_unknown=False: a host under no listed suffix (``examplexcom``) has no registrable domain.
    return PublicSuffixList(accept_unknown=False)


def craft(base_origin: str, *, trusted_given: bool) -> list[ProbeOrigin]:
    """Probe origins for a site whose legitimate origin is ``base_origin`` (scheme://host[:port])."""
    parts = urlsplit(base_origin)
    scheme, host = parts.scheme, parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    probes = [ProbeOrigin(f"https://{ATTACKER_DOMAIN}", "reflects-any-origin"), ProbeOrigin("null", "null-origin")]
    if trusted_given:
        probes.append(ProbeOrigin(base_origin, None))
    domain = registrable_domain(host)
    if domain is not None:
        probes.append(ProbeOrigin(f"{scheme}://evil{domain}{port}", "suffix-match"))
        probes.append(ProbeOrigin(f"{scheme}://{_PROBE_LABEL}.{domain}{port}", "any-subdomain"))
        if host != domain:
            probes.append(ProbeOrigin(f"{scheme}://{_PROBE_LABEL}.{host}{port}", "any-subdomain"))
    if ":" in host:  # an IPv6 address: no host name to extend or alter
        if scheme == "https":
            probes.append(ProbeOrigin(f"http://[{host}]{port}", "insecure-origin"))
        return _unique(probes)
    probes.append(ProbeOrigin(f"{scheme}://{host}.{ATTACKER_DOMAIN}{port}", "prefix-match"))
    # A regex with the host's dots unescaped also matches a letter there. Only the replacements an
    # attacker can register count: not those under the trusted domain itself, nor under no public suffix.
    lookalikes = [f"{host[:i]}x{host[i + 1 :]}" for i, char in enumerate(host) if char == "."]
    if domain is not None:
        lookalikes = [h for h in lookalikes if registrable_domain(h) not in (None, domain)]
    for lookalike in lookalikes[-_MAX_DOT_PROBES:]:
        probes.append(ProbeOrigin(f"{scheme}://{lookalike}{port}", "unescaped-dot"))
    if scheme == "https":
        probes.append(ProbeOrigin(f"http://{host}{port}", "insecure-origin"))
    for suffix in THIRD_PARTY_SUFFIXES:
        probes.append(ProbeOrigin(f"https://{_PROBE_LABEL}.{suffix}", "third-party-origin"))
    return _unique(probes)


def _unique(probes: list[ProbeOrigin]) -> list[ProbeOrigin]:
    unique: dict[str, ProbeOrigin] = {}
    for probe in probes:
        unique.setdefault(probe.origin, probe)
    return list(unique.values())
