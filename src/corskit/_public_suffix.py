"""Public suffixes: the host names under which anyone can register a site.

The facts come from the Public Suffix List as bundled in the ``publicsuffixlist`` wheel (ICANN and
private sections both: ``github.io`` and ``s3.amazonaws.com`` are as open as ``co.uk``). The list is
read once, the first time a configuration or the simulator asks, and never fetched over the network;
no request ever consults it.

Two readings of the same list:

- :func:`registrable_domain` is HTML's "registrable domain", as browsers compute a *site*: a host
  whose top-level label is not on the list falls under the list's default rule ``*`` (so
  ``app.localhost`` and ``api.localhost`` are different sites, as Chromium says).
- :func:`open_suffix_under` answers the configuration question "does a wildcard under this name let
  hosts through that strangers can register?". Here the reserved names are not public: nobody can
  register ``anything.test`` or ``anything.localhost``, so ``*.test`` is a local or test setup, not a
  hole. The same function serves ``allow_origins`` patterns and the ``allow_origin_regex`` check.
"""

from __future__ import annotations

import functools

from publicsuffixlist import PSLFILE, PublicSuffixList

__all__ = [
    "RESERVED_NAMES",
    "is_reserved",
    "longer_top_level_label",
    "open_suffix_under",
    "registrable_by_anyone",
    "registrable_domain",
]

# Special-use and reserved names (RFC 2606, RFC 6761, RFC 6762 for .local, RFC 8375 for home.arpa,
# ICANN's 2024 resolution for .internal). No registry delegates names under them.
RESERVED_NAMES = frozenset({"test", "example", "invalid", "localhost", "internal", "local", "home.arpa"})
_DIGITS = frozenset("0123456789")


@functools.cache
def _list() -> PublicSuffixList:
    return PublicSuffixList()


@functools.cache
def _rules_below() -> dict[str, str]:
    """For every name with a public-suffix rule strictly below it, the plainest such suffix
    (``amazonaws.com`` -> ``s3.amazonaws.com``): a wildcard under that name reaches hosts that
    strangers register. A ``*`` rule is shown with an ``x`` label in its place."""
    below: dict[str, str] = {}
    with open(PSLFILE, encoding="utf-8") as source:
        for line in source:
            rule = line.split(" ")[0].strip().lower()
            if not rule or rule.startswith(("//", "!")):
                continue
            shown = rule.replace("*", "x")
            labels = shown.split(".")
            for index in range(1, len(labels)):
                parent = ".".join(labels[index:])
                best = below.get(parent)
                if best is None or _plainness(best) > _plainness(shown):
                    below[parent] = shown
    return below


@functools.cache
def _top_level_labels() -> tuple[str, ...]:
    """The top-level labels the list names, shortest first."""
    with open(PSLFILE, encoding="utf-8") as source:
        labels = {rule for line in source if (rule := line.split(" ")[0].strip().lower()) and rule.isalnum()}
    return tuple(sorted(labels, key=lambda label: (len(label), label)))


def longer_top_level_label(label: str) -> str | None:
    """The shortest listed top-level label that starts with ``label`` and goes on (``com`` -> ``comsec``):
    a host that may continue with letters after ``example.com`` reaches ``example.comsec``."""
    return next((top for top in _top_level_labels() if len(top) > len(label) and top.startswith(label)), None)


def _plainness(rule: str) -> tuple[int, bool, int, str]:
    """Sort key for the example shown in a message: short and plain (``s3.amazonaws.com``) first."""
    return rule.count("."), any(char.isdigit() or char == "-" for char in rule), len(rule), rule


def is_reserved(host: str) -> bool:
    """Whether ``host`` is, or lies under, a reserved name (``localhost``, ``a.test``, ``x.home.arpa``)."""
    labels = host.rstrip(".").split(".")
    return labels[-1] in RESERVED_NAMES or ".".join(labels[-2:]) in RESERVED_NAMES


def open_suffix_under(name: str) -> str | None:
    """The public suffix that a wildcard label in front of ``name`` would cover, or None.

    ``name`` itself when it is a public suffix (``co.il``, ``vercel.app``, an unlisted top-level
    label such as ``lan``); else a public suffix further down (``s3.amazonaws.com`` for
    ``amazonaws.com``); None for a registrable name and for the reserved names.
    """
    bare = name.rstrip(".").lower()
    if not bare or is_reserved(bare):
        return None
    if _list().is_public(bare):
        return bare
    return _rules_below().get(bare)


def registrable_domain(host: str) -> str | None:
    """HTML: "registrable domain" of a domain host, or None when it has none (``localhost``, a
    public suffix). A trailing dot is kept: ``example.com.`` is a site of its own."""
    domain = _list().privatesuffix(host)
    if domain is None:
        return None
    return domain + "." if host.endswith(".") else domain


@functools.cache
def _listed_only() -> PublicSuffixList:
    return PublicSuffixList(accept_unknown=False)


def registrable_by_anyone(host: str) -> str | None:
    """The registrable domain of ``host`` when a stranger could register it, else None.

    That is a domain under a suffix the list names (``evilexample.com``, ``evil.github.io``), not
    under a reserved name, and not an IP address. A host under a top-level label the list does not
    know (``examplexcom``, ``a.corp``) has nothing anyone can register today.
    """
    bare = host.rstrip(".")
    if not bare or bare.startswith("[") or is_reserved(bare) or set(bare.rsplit(".", 1)[-1]) <= _DIGITS:
        return None
    return _listed_only().privatesuffix(bare)
