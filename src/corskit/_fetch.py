"""Facts from the Fetch standard (https://fetch.spec.whatwg.org/) and the URL/HTML standards it builds on.

Nothing here knows about corskit's configuration: these are the browser's rules, shared by the middleware
(validating a configuration, reading a request) and by the browser simulator (``corskit.browser``).
"""

from __future__ import annotations

import functools
import re

from publicsuffixlist import PSLFILE, PublicSuffixList

# RFC 9110, section 5.6.2: token = 1*tchar. The same class, as a regex fragment, for str and bytes.
TCHAR_CLASS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
TOKEN_RE = re.compile(TCHAR_CLASS + "+")

HTTP_TAB_OR_SPACE = "\t "
# Fetch: HTTP whitespace is U+000A LF, U+000D CR, or an HTTP tab or space.
HTTP_WHITESPACE = "\n\r\t "

# Fetch: "forbidden method" - a page can never send these, so allowing them is a mistake.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

# Fetch: "To normalize a method, if it is a byte-case-insensitive match for `DELETE`, `GET`, `HEAD`,
# `OPTIONS`, `POST`, or `PUT`, byte-uppercase it." Anything else (e.g. "patch") goes out as written.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

# Fetch: "CORS-safelisted method" - never needs a preflight on its own.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

# Fetch: "forbidden request-header" - set by the browser itself, never by a page, so never
# named in Access-Control-Request-Headers.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_HEADER_PREFIXES = ("proxy-", "sec-")

# Fetch: "CORS-safelisted request-header" names (their values have rules too, which only the
# browser side needs). Starlette always lists these in Access-Control-Allow-Headers.
SAFELISTED_REQUEST_HEADER_NAMES = ("Accept", "Accept-Language", "Content-Language", "Content-Type")

# Fetch: the CORS-safelisted response-header names (readable without Access-Control-Expose-Headers).
SAFELISTED_RESPONSE_HEADER_NAMES = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)

# Fetch: "forbidden response-header name" - never readable by a page, so never exposable.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})

# URL standard: the special schemes' default ports, which a serialized origin omits. Fetch itself only
# fetches http(s); ws(s) matter for the Origin of a WebSocket handshake.
HTTP_DEFAULT_PORTS = {"http": 80, "https": 443}
DEFAULT_PORTS = {**HTTP_DEFAULT_PORTS, "ws": 80, "wss": 443}

# --- Public suffixes (HTML: "registrable domain", from the Public Suffix List) ---------------------
#
# The list is the one bundled in the ``publicsuffixlist`` wheel, ICANN and private sections both
# (``github.io`` and ``s3.amazonaws.com`` are as open as ``co.uk``). It is read once, the first time a
# configuration or the simulator asks, never fetched over the network, and never consulted by a
# request. Two readings of it:
#
# - ``registrable_domain`` is HTML's "registrable domain", as browsers compute a *site*: a host whose
#   top-level label is not on the list falls under the list's default rule ``*`` (so app.localhost and
#   api.localhost are different sites, as Chromium says).
# - ``open_suffix_under`` answers the configuration question "does a wildcard under this name let in
#   hosts that strangers can register?". There the reserved names are not public: nobody can register
#   ``anything.test`` or ``anything.localhost``, so ``*.test`` is a local or test setup, not a hole. The
#   same function serves ``allow_origins`` patterns and the ``allow_origin_regex`` check.

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


def is_token(value: str) -> bool:
    return TOKEN_RE.fullmatch(value) is not None


def strip_http_whitespace(value: str) -> str:
    """Fetch: "normalize" a header value (remove leading and trailing HTTP whitespace bytes)."""
    return value.strip(HTTP_WHITESPACE)


def normalize_method(method: str) -> str:
    """Fetch: normalize a method - only the six well-known names change case."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_method(method: str) -> bool:
    """Fetch: a forbidden method is a byte-case-insensitive match for CONNECT, TRACE or TRACK."""
    return method.upper() in FORBIDDEN_METHODS


def is_cors_safelisted_method(method: str) -> bool:
    """Fetch: a CORS-safelisted method is `GET`, `HEAD` or `POST` (case-sensitive, after normalization)."""
    return method in SAFELISTED_METHODS


def is_forbidden_request_header_name(name: str) -> bool:
    """Fetch: the name part of "forbidden request-header" (the method-override headers also look at values)."""
    lowered = name.lower()
    return lowered in FORBIDDEN_REQUEST_HEADERS or lowered.startswith(FORBIDDEN_REQUEST_HEADER_PREFIXES)
