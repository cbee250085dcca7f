"""What each ``corskit scan`` finding means, how severe it is, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

from ._fix import Fix

SEVERITIES = ("info", "low", "medium", "high")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Kind:
    """A finding id: its severity with and without credentials, what it means, and the fix."""

    with_credentials: str
    without_credentials: str
    explanation: str
    fix: Fix

    def severity(self, credentials: bool) -> str:
        return self.with_credentials if credentials else self.without_credentials


_LIST_ORIGINS = "list the exact origins that need access in allow_origins"

KINDS: dict[str, Kind] = {
    "reflects-any-origin": Kind(
        "high",
        "low",
        "an arbitrary attacker origin ({origin}) is allowed: the server echoes any Origin",
        Fix(
            f"{_LIST_ORIGINS} (Starlette turns allow_origins=['*'] with allow_credentials=True into echoing "
            "every Origin)",
            "Access-Control-Allow-Origin may only echo origins from a fixed list",
        ),
    ),
    "null-origin": Kind(
        "high",
        "low",
        "Origin: null is allowed; sandboxed iframes, data: and file: pages send it, so any site can",
        Fix(
            "remove 'null' from allow_origins and make allow_origin_regex or the origin check refuse it",
            "Access-Control-Allow-Origin must never be null",
        ),
    ),
    "suffix-match": Kind(
        "high",
        "low",
        "{origin} is allowed: a domain anyone can register, which merely ends with {domain}",
        Fix(
            "anchor allow_origin_regex at a dot (r'https://([a-z0-9-]+\\.)*{domain_re}') or " + _LIST_ORIGINS,
            "Access-Control-Allow-Origin must not allow hosts that only end with {domain}",
        ),
    ),
    "prefix-match": Kind(
        "high",
        "low",
        "{origin} is allowed: the trusted host followed by an attacker's domain",
        Fix(
            "end allow_origin_regex at the host (no trailing .* or unanchored search) or " + _LIST_ORIGINS,
            "Access-Control-Allow-Origin must compare the whole host, not its beginning",
        ),
    ),
    "unescaped-dot": Kind(
        "high",
        "low",
        "{origin} is allowed: a dot of the trusted host matched another character (an unescaped '.' in a "
        "regex), and that host can be registered",
        Fix(
            "escape the dots in allow_origin_regex (r'https://{host_re}') or " + _LIST_ORIGINS,
            "Access-Control-Allow-Origin must compare host names literally",
        ),
    ),
    "insecure-origin": Kind(
        "medium",
        "low",
        "{origin} (plain http) is allowed: anyone on the visitor's network can inject script into an http "
        "page and read the https API through it",
        Fix(
            "remove the http:// origin from allow_origins (keep the https:// one)",
            "Access-Control-Allow-Origin must not allow http:// origins for an https:// site",
        ),
    ),
    "any-subdomain": Kind(
        "low",
        "low",
        "any subdomain ({origin}) is allowed: one XSS or subdomain takeover anywhere under {domain} reads the API",
        Fix(
            "list the subdomains that need access instead of a pattern or regex covering every subdomain",
            "Access-Control-Allow-Origin should allow named hosts, not every subdomain",
        ),
    ),
    "third-party-origin": Kind(
        "high",
        "low",
        "{origin} is allowed: a shared hosting domain where anyone can get a site",
        Fix(
            "do not allow whole hosting domains (github.io, herokuapp.com, vercel.app...); " + _LIST_ORIGINS,
            "Access-Control-Allow-Origin must not allow subdomains of shared hosting",
        ),
    ),
    "missing-vary": Kind(
        "medium",
        "medium",
        "the server echoes {origin} in Access-Control-Allow-Origin without Vary: Origin, so a shared cache "
        "may serve one origin's answer to another (cache poisoning, or a cached refusal for the real site)",
        Fix(
            "let the CORS middleware add the headers (corskit and Starlette send Vary: Origin); do not set "
            "Access-Control-Allow-Origin by hand",
            "Vary must include Origin when Access-Control-Allow-Origin depends on the request's Origin",
        ),
    ),
    "wildcard-origin": Kind(
        "info",
        "info",
        "Access-Control-Allow-Origin: * lets any site read the response without cookies (fine for public "
        "data; browsers never allow * with credentials)",
        Fix(
            "keep allow_origins=['*'] only for public data; otherwise " + _LIST_ORIGINS,
            "Access-Control-Allow-Origin: * only on responses that hold nothing private",
        ),
    ),
}

# A server that echoes any origin also allows every look-alike: report the cause once.
IMPLIED_BY_ANY_ORIGIN = frozenset(
    {"suffix-match", "prefix-match", "unescaped-dot", "insecure-origin", "any-subdomain", "third-party-origin"}
)
