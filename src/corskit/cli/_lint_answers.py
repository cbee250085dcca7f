"""Recognizing middleware that can answer a request on its own (401, 429, 400, a redirect...).

Placed outside the CORS middleware, such an answer leaves without CORS headers: the browser then reports a
CORS error instead of the 401, and a preflight it answers fails (Fetch: CORS-preflight fetch, step 7: the
response must be a CORS-check success with an ok status). Nothing can tell for sure from outside whether a
middleware ever answers, so lint decides in this order, first match wins:

1. the user's own lists (``--answering NAME``, ``--not-answering NAME``);
2. a list of known classes (Starlette's, and a few common third-party ones) saying what each answers;
3. known classes that never answer (compression, sessions, proxy headers...);
4. the name: words such as auth, token, ratelimit, throttle, csrf, firewall, redirect in the class name
   (or, for ``@app.middleware("http")`` functions, in the function's name);
5. the code: a middleware of the user's own whose methods (or dispatch function) build a ``...Response``,
   raise ``HTTPException``, or send ``http.response.start`` with a 3xx-5xx status literal.

Limits: a middleware that answers through code lint cannot see (a helper in another module, a status
computed at run time) is missed; a middleware named "AuthorLogMiddleware" is flagged. Both have the lists
in (1) as the way out.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

KNOWN: dict[str, str] = {
    "starlette.middleware.authentication.AuthenticationMiddleware": "answers 400 when authentication fails",
    "starlette.middleware.trustedhost.TrustedHostMiddleware": "answers 400 to an unlisted Host header",
    "starlette.middleware.httpsredirect.HTTPSRedirectMiddleware": "redirects plain-HTTP requests (307), "
    "and a preflight must never be redirected",
    "starlette.middleware.body_limit.RequestBodyLimitMiddleware": "answers 413 to a body over its limit",
    "slowapi.middleware.SlowAPIMiddleware": "answers 429 when a rate limit is hit",
    "slowapi.middleware.SlowAPIASGIMiddleware": "answers 429 when a rate limit is hit",
    "starlette_csrf.middleware.CSRFMiddleware": "answers 403 to a request without its CSRF token",
}

NEVER: frozenset[str] = frozenset(
    {
        "starlette.middleware.gzip.GZipMiddleware",
        "starlette.middleware.sessions.SessionMiddleware",
        "starlette.middleware.errors.ServerErrorMiddleware",
        "starlette.middleware.exceptions.ExceptionMiddleware",
        "uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware",
        "fastapi.middleware.asyncexitstack.AsyncExitStackMiddleware",
    }
)

# Words in a (lower-cased, underscore-free) name, and what they suggest.
NAME_WORDS: tuple[tuple[str, str], ...] = (
    ("auth", "authentication"),
    ("login", "authentication"),
    ("token", "token checks"),
    ("jwt", "token checks"),
    ("apikey", "API-key checks"),
    ("ratelimit", "rate limiting"),
    ("throttl", "rate limiting"),
    ("limiter", "rate limiting"),
    ("csrf", "CSRF checks"),
    ("trustedhost", "host checks"),
    ("allowedhost", "host checks"),
    ("redirect", "redirects"),
    ("firewall", "request filtering"),
    ("ipfilter", "request filtering"),
    ("allowlist", "request filtering"),
    ("blocklist", "request filtering"),
    ("whitelist", "request filtering"),
    ("blacklist", "request filtering"),
    ("maintenance", "maintenance answers"),
    ("bodylimit", "size limits"),
    ("sizelimit", "size limits"),
    ("permission", "permission checks"),
)

# Modules whose middleware are judged by the lists above only (their code is not the user's).
_FRAMEWORKS = ("starlette.", "fastapi.", "corskit.", "uvicorn.")
_BASE_HTTP = "starlette.middleware.base.BaseHTTPMiddleware"


def qualified_name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"


def _matches(names: Iterable[str], target: Any) -> bool:
    full = qualified_name(target)
    short = getattr(target, "__name__", "")
    return any(name in (full, short) for name in names)


def _code_objects(function: Any) -> Iterator[types.CodeType]:
    code = getattr(inspect.unwrap(function), "__code__", None)
    stack = [code] if isinstance(code, types.CodeType) else []
    while stack:
        current = stack.pop()
        yield current
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))


def _answers_in_code(functions: Iterable[Any]) -> str | None:
    """What in the code suggests an answer of its own, or None."""
    for function in functions:
        for code in _code_objects(function):
            for name in code.co_names:
                if name.endswith("Response") or name == "HTTPException":
                    return f"its code uses {name}"
            constants = set(code.co_consts)
            if "http.response.start" in constants:
                statuses = sorted(c for c in constants if type(c) is int and 300 <= c <= 599)
                if statuses:
                    return f"its code sends http.response.start with status {statuses[0]}"
    return None


def _own_methods(cls: type) -> list[Callable[..., Any]]:
    methods: list[Callable[..., Any]] = []
    for klass in cls.__mro__:
        if klass is object or qualified_name(klass).startswith(_FRAMEWORKS):
            continue
        methods.extend(v for v in vars(klass).values() if inspect.isfunction(v))
    return methods


def _by_name(name: str) -> str | None:
    squashed = name.lower().replace("_", "")
    for word, meaning in NAME_WORDS:
        if word in squashed:
            return f"its name {name!r} suggests {meaning}"
    return None


def answers_on_its_own(
    factory: Any, kwargs: dict[str, Any], *, answering: Iterable[str] = (), not_answering: Iterable[str] = ()
) -> str | None:
    """Why the middleware built by ``factory`` (a class, usually) may answer on its own, or None."""
    if not inspect.isclass(factory):
        factory = type(factory) if not inspect.isfunction(factory) else factory
    dispatch = kwargs.get("dispatch")
    subjects = [factory] + ([dispatch] if callable(dispatch) else [])
    if any(_matches(not_answering, s) for s in subjects):
        return None
    if any(_matches(answering, s) for s in subjects):
        return "you listed it with --answering"
    full = qualified_name(factory)
    if full in KNOWN:
        return KNOWN[full]
    if full in NEVER or (full == _BASE_HTTP and dispatch is None):
        return None
    for subject in subjects:
        reason = _by_name(getattr(subject, "__name__", ""))
        if reason:
            return reason
    if callable(dispatch):
        return _answers_in_code([dispatch])
    if inspect.isclass(factory):
        return _answers_in_code(_own_methods(factory))
    return _answers_in_code([factory])
