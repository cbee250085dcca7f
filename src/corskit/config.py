"""Validating a CORS configuration and compiling it into a :class:`~corskit.policy.Policy`.

Every check runs, and every problem found is reported together in one :class:`CORSConfigError`,
so a user fixes their configuration in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import fetch
from .dynamic import DynamicOrigins
from .errors import CORSConfigError, Problem
from .origins import OriginPatterns, OriginSpec, parse_origin
from .policy import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA, VARY, Header, Policy, origin_matcher
from .regex_lint import lint_origin_regex

# Starlette 1.10's expansion of allow_methods=["*"].
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")

MAX_AGE_LIMIT = 86400  # Firefox's cap; no browser keeps a preflight longer, so more is a typo.


def _as_list(name: str, value: Any, problems: list[Problem]) -> list[str]:
    """Accept any collection of strings; refuse a bare string (Starlette would substring-match it)."""
    if isinstance(value, (str, bytes)):
        problems.append(
            Problem(
                "not-a-list",
                name,
                f"got the plain string {value!r}; pass a list such as [{value!r}]. (With a string, "
                "Starlette tests membership by substring, so 'https://a.com' would allow the origin 'a.c'.)",
            )
        )
        return []
    if not isinstance(value, Iterable):
        problems.append(Problem("wrong-type", name, f"expected a list of strings, got {type(value).__name__}."))
        return []
    items = list(value)
    good: list[str] = []
    for item in items:
        if isinstance(item, str):
            good.append(item)
        else:
            problems.append(
                Problem("wrong-type", name, f"every item must be a string; got {item!r} ({type(item).__name__}).")
            )
    return good


def _check_bool(name: str, value: Any, problems: list[Problem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(Problem("not-a-bool", name, f"expected True or False, got {value!r}."))
    return False


def _origins(entries: list[str], allow_credentials: bool, problems: list[Problem]) -> tuple[bool, list[OriginSpec]]:
    allow_all = "*" in entries
    specs: list[OriginSpec] = []
    if allow_all:
        others = [e for e in entries if e != "*"]
        if others:
            problems.append(
                Problem(
                    "wildcard-mixed",
                    "allow_origins",
                    f"'*' already allows every origin, so {others!r} mean nothing next to it. Keep either "
                    "'*' alone or only the list of origins.",
                )
            )
        if allow_credentials:
            problems.append(
                Problem(
                    "wildcard-with-credentials",
                    "allow_origins",
                    "'*' with allow_credentials=True would let every website read your users' "
                    "logged-in data (browsers refuse '*' with credentials, so it would have to reflect "
                    "each origin). List the origins you trust, e.g. ['https://app.example.com'], or use a "
                    "pattern such as 'https://*.example.com'; or set allow_credentials=False.",
                )
            )
        return True, specs
    seen: set[str] = set()
    for entry in entries:
        if entry in seen:
            continue
        seen.add(entry)
        parsed = parse_origin(entry)
        if isinstance(parsed, Problem):
            problems.append(parsed)
        else:
            specs.append(parsed)
    return False, specs


def _methods(entries: list[str], problems: list[Problem]) -> tuple[str, ...]:
    methods: list[str] = []
    for entry in entries:
        if entry == "*":
            continue
        if not fetch.is_token(entry):
            problems.append(
                Problem(
                    "method-not-token",
                    "allow_methods",
                    f"{entry!r} is not a valid HTTP method name (an RFC 9110 token).",
                )
            )
            continue
        method = fetch.normalize_method(entry)
        if method.upper() in fetch.FORBIDDEN_METHODS:
            problems.append(
                Problem(
                    "method-forbidden",
                    "allow_methods",
                    f"{entry!r} is a forbidden method: browsers never let a page send it. Remove it.",
                )
            )
            continue
        if method not in methods:
            methods.append(method)
    if "*" in entries:
        # Starlette's list, plus any other method named beside '*' (Starlette would drop those).
        return ALL_METHODS + tuple(m for m in methods if m not in ALL_METHODS)
    return tuple(methods)


def _headers(entries: list[str], problems: list[Problem]) -> tuple[bool, list[str]]:
    allow_all = "*" in entries
    names: list[str] = []
    for entry in entries:
        if entry == "*":
            continue
        if not fetch.is_token(entry):
            problems.append(
                Problem(
                    "header-not-token", "allow_headers", f"{entry!r} is not a valid header name (an RFC 9110 token)."
                )
            )
        elif fetch.is_forbidden_request_header(entry):
            problems.append(
                Problem(
                    "header-forbidden",
                    "allow_headers",
                    f"{entry!r} is set by the browser itself and never appears in a "
                    "preflight, so listing it does nothing. Remove it (cookies are sent with "
                    "allow_credentials=True, not by allowing 'Cookie').",
                )
            )
        else:
            names.append(entry)
    return allow_all, names


def _expose(entries: list[str], allow_credentials: bool, problems: list[Problem]) -> list[str]:
    names: list[str] = []
    for entry in entries:
        if entry == "*":
            if allow_credentials:
                problems.append(
                    Problem(
                        "expose-wildcard-with-credentials",
                        "expose_headers",
                        "with credentials, browsers read '*' as a header literally named "
                        "'*', so nothing is exposed. List the headers to expose.",
                    )
                )
                continue
        elif not fetch.is_token(entry):
            problems.append(
                Problem(
                    "expose-not-token", "expose_headers", f"{entry!r} is not a valid header name (an RFC 9110 token)."
                )
            )
            continue
        elif entry.lower() in fetch.FORBIDDEN_RESPONSE_HEADERS:
            problems.append(
                Problem(
                    "expose-set-cookie",
                    "expose_headers",
                    f"{entry!r} can never be read by a page, whatever the server says. Remove it.",
                )
            )
            continue
        if entry not in names:
            names.append(entry)
    return names


def _max_age(value: Any, problems: list[Problem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem("max-age-type", "max_age", f"expected a whole number of seconds, got {value!r}."))
        return 0
    if not 0 <= value <= MAX_AGE_LIMIT:
        problems.append(
            Problem(
                "max-age-range",
                "max_age",
                f"{value} is outside 0..{MAX_AGE_LIMIT} seconds (browsers cap it: Chromium at "
                "7200, Firefox at 86400). Use e.g. 600.",
            )
        )
        return 0
    return value


def _regex(value: Any, problems: list[Problem]) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(
            Problem(
                "wrong-type",
                "allow_origin_regex",
                f"expected a regular expression string or None, got {type(value).__name__}.",
            )
        )
        return None
    try:
        compiled = re.compile(value)
    except re.error as exc:
        problems.append(Problem("regex-invalid", "allow_origin_regex", f"{value!r} does not compile: {exc}."))
        return None
    problems.extend(lint_origin_regex(value))
    return compiled


def _join(values: Iterable[str]) -> bytes:
    return ", ".join(values).encode("latin-1")


# Keyword arguments a per-path policy dict may hold: the middleware's own, minus the ones that
# only make sense once per app.
POLICY_PARAMETERS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "expose_headers",
    "max_age",
    "allow_origin_func",
    "origin_cache_size",
    "origin_cache_ttl",
)


def compile_policy(**options: Any) -> Policy:
    """Validate a configuration; return its compiled policy or raise CORSConfigError listing every problem.

    Takes the middleware's keyword arguments (see ``POLICY_PARAMETERS``), with the same defaults.
    """
    problems: list[Problem] = []
    policy = collect_policy(options, problems)
    if policy is None:
        raise CORSConfigError(problems)
    return policy


def _dynamic(func: Any, size: Any, ttl: Any, problems: list[Problem]) -> DynamicOrigins | None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        problems.append(
            Problem(
                "cache-size-invalid",
                "origin_cache_size",
                f"expected a whole number >= 0 (0 turns the cache off), got {size!r}.",
            )
        )
        size = 0
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 0 <= ttl < float("inf"):
        problems.append(
            Problem(
                "cache-ttl-invalid",
                "origin_cache_ttl",
                f"expected a number of seconds >= 0 (0 turns the cache off), got {ttl!r}.",
            )
        )
        ttl = 0.0
    if func is None:
        return None
    if not callable(func):
        problems.append(
            Problem(
                "origin-func-not-callable",
                "allow_origin_func",
                f"expected a function taking the origin (str) and returning True or False "
                f"(or an async one), got {type(func).__name__}.",
            )
        )
        return None
    return DynamicOrigins(func, size, float(ttl))


def collect_policy(options: dict[str, Any], problems: list[Problem], where: str = "") -> Policy | None:
    """Compile ``options`` into a Policy, appending every problem found (parameters named with ``where``)."""
    start = len(problems)
    unknown = sorted(set(options) - set(POLICY_PARAMETERS))
    for name in unknown:
        problems.append(
            Problem("unknown-option", name, f"not a CORS option; valid ones: {', '.join(POLICY_PARAMETERS)}.")
        )
    allow_origins = options.get("allow_origins", ())
    allow_methods = options.get("allow_methods", ("GET",))
    allow_headers = options.get("allow_headers", ())
    allow_credentials = options.get("allow_credentials", False)
    allow_origin_regex = options.get("allow_origin_regex")
    allow_private_network = options.get("allow_private_network", False)
    expose_headers = options.get("expose_headers", ())
    max_age = options.get("max_age", 600)
    origins_in = _as_list("allow_origins", allow_origins, problems)
    methods_in = _as_list("allow_methods", allow_methods, problems)
    headers_in = _as_list("allow_headers", allow_headers, problems)
    expose_in = _as_list("expose_headers", expose_headers, problems)
    credentials = _check_bool("allow_credentials", allow_credentials, problems)
    private_network = _check_bool("allow_private_network", allow_private_network, problems)

    allow_all_origins, specs = _origins(origins_in, credentials, problems)
    regex = _regex(allow_origin_regex, problems)
    methods = _methods(methods_in, problems)
    allow_all_headers, header_names = _headers(headers_in, problems)
    exposed = _expose(expose_in, credentials, problems)
    age = _max_age(max_age, problems)
    dynamic = _dynamic(
        options.get("allow_origin_func"),
        options.get("origin_cache_size", 10_000),
        options.get("origin_cache_ttl", 60.0),
        problems,
    )
    if len(problems) > start:
        if where:
            problems[start:] = [Problem(p.code, f"{where}.{p.parameter}", p.message) for p in problems[start:]]
        return None

    # Access-Control-Allow-Headers as Starlette spells it: the safelisted names plus the configured
    # ones, de-duplicated without regard to case, sorted.
    by_lower: dict[str, str] = {}
    for name in (*fetch.SAFELISTED_REQUEST_HEADER_NAMES, *header_names):
        by_lower.setdefault(name.lower(), name)
    listed_headers = sorted(by_lower.values())

    simple: list[Header] = []
    if credentials:
        simple.append((ACAC, b"true"))
    if exposed:
        simple.append((ACEH, _join(exposed)))

    preflight: list[Header] = [(ACAM, _join(methods)), (ACMA, str(age).encode())]
    if not allow_all_headers:
        preflight.append((ACAH, _join(listed_headers)))
    if credentials:
        preflight.append((ACAC, b"true"))

    exact = frozenset(spec.text for spec in specs if not spec.is_pattern)
    pattern_specs = [spec for spec in specs if spec.is_pattern]
    patterns = OriginPatterns(pattern_specs) if pattern_specs else None
    return Policy(
        allow_all_origins=allow_all_origins,
        exact_origins=exact,
        exact_origin_bytes=frozenset(origin.encode("latin-1") for origin in exact),
        patterns=patterns,
        origin_regex=regex,
        allow_credentials=credentials,
        allow_methods=methods,
        method_set=frozenset(methods),
        method_bytes=frozenset(method.encode("latin-1") for method in methods),
        allow_all_headers=allow_all_headers,
        allowed_header_names=frozenset(by_lower),
        allow_private_network=private_network,
        expose_headers=tuple(exposed),
        max_age=age,
        simple_headers=tuple(simple),
        simple_header_names=frozenset({ACAO, VARY, *(name for name, _ in simple)}),
        preflight_headers=tuple(preflight),
        dynamic=dynamic,
        match_origin=origin_matcher(patterns, regex),
    )
