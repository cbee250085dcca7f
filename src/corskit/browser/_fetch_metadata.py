"""Headers the browser adds by itself: Fetch Metadata (Sec-Fetch-*), Referer, Accept-Language.

They never change a CORS decision (the browser sets them, so they are not "CORS-unsafe"), but servers
look at them -- e.g. a resource isolation policy that refuses ``Sec-Fetch-Site: cross-site`` -- so the
simulator sends them the way Chromium does (observed from Chromium 156 in tests/browser).
"""

from __future__ import annotations

import ipaddress

from .._fetch import MULTI_LABEL_PUBLIC_SUFFIXES as _MULTI_LABEL_SUFFIXES
from ._origins import Origin

__all__ = ["ACCEPT_LANGUAGE", "is_potentially_trustworthy", "referrer_for", "sec_fetch_site", "site_of"]

ACCEPT_LANGUAGE = "en-US,en;q=0.9"

# Multi-label public suffixes come from the Fetch facts (the same list the configuration checks use);
# "localhost" is a suffix of its own, so app.localhost and api.localhost are different sites (Chromium
# sends Sec-Fetch-Site: cross-site between them). Without the full Public Suffix List, other hosts are
# grouped by their last two labels.


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def site_of(origin: Origin) -> tuple[str, str]:
    """HTML "site" (scheme and registrable domain), approximated without the Public Suffix List."""
    host = origin.host
    if _is_ip(host) or "." not in host:
        return origin.scheme, host
    labels = host.split(".")
    if labels[-1] == "localhost":
        return origin.scheme, ".".join(labels[-2:])
    suffix_len = 2 if ".".join(labels[-2:]) in _MULTI_LABEL_SUFFIXES else 1
    return origin.scheme, ".".join(labels[-(suffix_len + 1) :])


def is_potentially_trustworthy(origin: Origin) -> bool:
    """Secure Contexts: https, and the loopback host names / addresses."""
    if origin.scheme == "https":
        return True
    host = origin.host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if _is_ip(host):
        return ipaddress.ip_address(host).is_loopback
    return False


def sec_fetch_site(page: Origin, target: Origin, previous: str | None) -> str:
    """Fetch Metadata: the relation between the page and every URL so far ("cross-site" is sticky)."""
    if page.opaque:
        relation = "cross-site"
    elif page.same_origin(target):
        relation = "same-origin"
    elif site_of(page) == site_of(target):
        relation = "same-site"
    else:
        relation = "cross-site"
    order = ["same-origin", "same-site", "cross-site"]
    if previous is not None and order.index(previous) > order.index(relation):
        return previous
    return relation


def referrer_for(page: Origin, target: Origin) -> str | None:
    """Referer under the default policy strict-origin-when-cross-origin, for a page at ``origin/``."""
    if page.opaque:
        return None
    if page.scheme == "https" and target.scheme == "http":
        return None  # no referrer on a downgrade
    return page.serialize() + "/"
