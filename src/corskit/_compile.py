"""Validating a CORS configuration and compiling it into a :class:`Policy` (and the path policies).

Every check runs, and every problem found is reported together in one :class:`CORSConfigError`,
so a user fixes their configuration in one go. Everything that happens once, at construction, lives
here; ``_policy.py`` and ``_paths.py`` hold what runs per request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from . import _fetch as fetch
from ._asgi import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA, VARY, Header
from ._dynamic import DynamicOrigins
from ._errors import CORSConfigError, Problem
from ._options import OPTION_NAMES, PER_PATH, POSITIONAL, Options, split_known, unknown_option_message
from ._origins import OriginPatterns, OriginSpec, parse_origin, split_serialized_origin
from ._paths import PathPolicies
from ._policy import Policy
from ._regex_lint import lint_origin_regex
from ._spelling import likely_list, origin_spelling_problems

# Starlette 1.10's expansion of allow_methods=["*"].
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")

MAX_AGE_LIMIT = 86400  # Firefox's cap; no browser keeps a preflight longer, so more is a typo.


def _as_list(name: str, value: Any, problems: list[Problem]) -> list[str]:
    """Accept any collection of strings; refuse a bare string (Starlette would substring-match it)."""
    if isinstance(value, str):
        # The items it most likely meant are checked too, so that every problem is reported in one go.
        items = [item.strip() for item in value.split(",") if item.strip()]
        remark = (
            " (With a string, Starlette tests membership by substring, so 'https://a.com' would allow the "
            "origin 'a.c'.)"
            if name == "allow_origins"
            else ""
        )
        message = f"got the plain string {value!r}; pass a list: {likely_list(name, items)!r}.{remark}"
        problems.append(Problem("not-a-list", name, message))
        return items
    if isinstance(value, bytes):
        problems.append(Problem("not-a-list", name, f"got bytes {value!r}; pass a list of strings."))
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
            problems.extend(origin_spelling_problems(entry) or [parsed])
        else:
            specs.append(parsed)
    return False, specs


def _named_tokens(entries: list[str], code: str, parameter: str, what: str, problems: list[Problem]) -> list[str]:
    """The entries other than '*' that are RFC 9110 tokens (names of methods and headers); the rest refused."""
    tokens: list[str] = []
    for entry in entries:
        if entry == "*":
            continue
        if fetch.is_token(entry):
            tokens.append(entry)
        else:
            problems.append(Problem(code, parameter, f"{entry!r} is not a valid {what} (an RFC 9110 token)."))
    return tokens


def _methods(entries: list[str], problems: list[Problem]) -> tuple[str, ...]:
    methods: list[str] = []
    for entry in _named_tokens(entries, "method-not-token", "allow_methods", "HTTP method name", problems):
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
    names: list[str] = []
    for entry in _named_tokens(entries, "header-not-token", "allow_headers", "header name", problems):
        if fetch.is_forbidden_request_header_name(entry):
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
    return "*" in entries, names


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


# Decisions of patterns and regex are remembered for this many recent origins: a busy origin then costs
# a dict lookup, and a flood of new origins only churns a bounded cache.
MATCH_CACHE_SIZE = 4096


def origin_matcher(patterns: OriginPatterns | None, regex: re.Pattern[str] | None) -> Callable[[bytes], bool] | None:
    """A cached predicate for the origins that patterns or the regex allow, or None if there are neither."""
    if patterns is None and regex is None:
        return None

    def matches(raw: bytes) -> bool:
        origin = raw.decode("latin-1")
        # Patterns and regexes only ever see what a browser could send: this keeps "null", CR/LF,
        # spaces and oversized junk away from a user's regex, and from being reflected.
        parts = split_serialized_origin(origin)
        if parts is None:
            return False
        if patterns is not None and patterns.matches(*parts):
            return True
        return regex is not None and regex.fullmatch(origin) is not None

    return functools.lru_cache(maxsize=MATCH_CACHE_SIZE)(matches)


def compile_policy(**options: Any) -> Policy:
    """Validate a configuration; return its compiled policy or raise CORSConfigError listing every problem.

    Takes the options a ``path_policies`` entry may hold (the middleware's keyword arguments except
    ``check_websocket_origin`` and ``path_policies``), with the same defaults.
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


def collect_policy(options: Mapping[str, Any], problems: list[Problem], where: str = "") -> Policy | None:
    """Compile ``options`` into a Policy, appending every problem found (parameters named with ``where``)."""
    start = len(problems)
    options, unknown = split_known(options, PER_PATH)
    for name in unknown:
        problems.append(Problem("unknown-option", name, unknown_option_message(name, PER_PATH)))
    allow_origins = options["allow_origins"]
    allow_methods = options["allow_methods"]
    allow_headers = options["allow_headers"]
    allow_credentials = options["allow_credentials"]
    allow_origin_regex = options["allow_origin_regex"]
    allow_private_network = options["allow_private_network"]
    expose_headers = options["expose_headers"]
    max_age = options["max_age"]
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
        options["allow_origin_func"], options["origin_cache_size"], options["origin_cache_ttl"], problems
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


def _prefix_problem(prefix: object) -> str | None:
    if not isinstance(prefix, str):
        return f"a path prefix must be a string, got {type(prefix).__name__}."
    if not prefix.startswith("/"):
        return f"{prefix!r} must start with '/', e.g. '/{prefix}'."
    if len(prefix) > 1 and prefix.endswith("/"):
        return f"{prefix!r}: drop the trailing slash; {prefix.rstrip('/')!r} already covers everything below it."
    # Any other text can be an ASGI path, which servers percent-decode ('/my files' is the path of
    # '/my%20files'; '?', '#', '*', '//' and control characters can all arrive that way). Only text that
    # no UTF-8 decoding produces (a lone surrogate) can never match.
    try:
        prefix.encode("utf-8")
    except UnicodeEncodeError:
        return f"{prefix!r} holds a lone surrogate, which no request path can contain."
    return None


def collect_path_policies(value: Any, problems: list[Problem]) -> PathPolicies | None:
    """Validate ``path_policies``; each dict is compiled like the middleware's own keyword arguments."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                "path-policies-not-mapping",
                "path_policies",
                f"expected a dict such as {{'/public': {{'allow_origins': ['*']}}, '/admin': None}}, "
                f"got {type(value).__name__}.",
            )
        )
        return None
    compiled: dict[str, Policy | None] = {}
    for prefix, options in value.items():
        where = f"path_policies[{prefix!r}]"
        message = _prefix_problem(prefix)
        if message is not None:
            problems.append(Problem("path-prefix-invalid", where, message))
            continue
        if options is None:
            compiled[prefix] = None
        elif isinstance(options, Mapping):
            policy = collect_policy(dict(options), problems, where)
            if policy is not None:
                compiled[prefix] = policy
        else:
            problems.append(
                Problem(
                    "path-policy-invalid",
                    where,
                    "expected a dict of CORS options (like the middleware's keyword arguments) or None to "
                    f"turn CORS off there, got {type(options).__name__}.",
                )
            )
    return PathPolicies(compiled)


def bind_options(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The middleware's arguments after ``app`` as one dict of options (Starlette's eight may be positional)."""
    if len(args) > len(POSITIONAL):
        raise TypeError(
            f"CORSMiddleware takes at most {len(POSITIONAL)} positional options ({', '.join(POSITIONAL)}); "
            "pass the others by keyword"
        )
    given = dict(zip(POSITIONAL, args, strict=False))
    for name, value in kwargs.items():
        if name in given:
            raise TypeError(f"CORSMiddleware got multiple values for argument {name!r}")
        given[name] = value
    return given


def compile_options(given: Mapping[str, Any]) -> tuple[Options, Policy, PathPolicies | None]:
    """The middleware's options: the record, the top-level policy and the path policies; or CORSConfigError."""
    problems: list[Problem] = []
    # Read each collection once (a generator would be empty the second time).
    given = {name: tuple(value) if isinstance(value, Iterator) else value for name, value in given.items()}
    options, unknown = split_known(given, OPTION_NAMES)
    for name in unknown:
        problems.append(Problem("unknown-option", name, unknown_option_message(name, OPTION_NAMES)))
    policy = collect_policy({name: options[name] for name in PER_PATH}, problems)
    paths = collect_path_policies(options["path_policies"], problems)
    for name in ("check_websocket_origin", "debug"):
        if not isinstance(options[name], bool):
            problems.append(Problem("not-a-bool", name, f"expected True or False, got {options[name]!r}."))
    if problems or policy is None:
        raise CORSConfigError(problems)
    return Options(**options), policy, paths
