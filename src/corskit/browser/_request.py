"""Turning ``fetch(url, init)`` arguments into a request, the way ``new Request()`` does.

Argument errors JavaScript would get as a synchronous TypeError are reported as :class:`RequestRefused`
(the simulator turns them into a blocked result); misuse of the Python API raises ValueError.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._fetch import is_cors_safelisted_method, is_forbidden_method, is_token, normalize_method, strip_http_whitespace
from ._headers import HeaderList
from ._profiles import Profile
from ._safelist import is_cors_safelisted_request_header, is_forbidden_request_header

__all__ = [
    "CACHE_MODES",
    "CREDENTIALS_MODES",
    "REDIRECT_MODES",
    "REQUEST_MODES",
    "PreparedRequest",
    "RequestRefused",
]

CREDENTIALS_MODES = ("omit", "same-origin", "include")
REQUEST_MODES = ("cors", "no-cors", "same-origin")
REDIRECT_MODES = ("follow", "error", "manual")
CACHE_MODES = ("default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached")
_NO_CORS_SAFELISTED_NAMES = frozenset({"accept", "accept-language", "content-language", "content-type"})

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None


class RequestRefused(Exception):
    """``fetch()`` would throw a TypeError before sending anything."""


@dataclass
class PreparedRequest:
    method: str
    headers: HeaderList  # author headers after the Headers object's rules, in insertion order
    body: bytes | None
    credentials: str
    mode: str
    redirect: str
    cache: str


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)


def _header_items(headers: HeadersArg) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        items = list(headers.items())
    elif isinstance(headers, (str, bytes)):
        raise ValueError("headers must be a mapping or a list of (name, value) pairs, not a string")
    else:
        items = []
        for item in headers:
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise ValueError(f"headers must be (name, value) pairs; got {item!r}")
            items.append((item[0], item[1]))
    for name, value in items:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"header names and values must be strings; got {name!r}: {value!r}")
    return items


def prepare_request(
    *,
    method: str,
    headers: HeadersArg,
    body: str | bytes | None,
    json: Any,
    credentials: str,
    mode: str,
    redirect: str,
    cache: str,
    profile: Profile,
) -> PreparedRequest:
    if not isinstance(method, str):
        raise ValueError(f"method must be a string, got {method!r}")
    credentials = _check_choice("credentials", credentials, CREDENTIALS_MODES)
    mode = _check_choice("mode", mode, REQUEST_MODES)
    redirect = _check_choice("redirect", redirect, REDIRECT_MODES)
    cache = _check_choice("cache", cache, CACHE_MODES)
    items = _header_items(headers)
    if json is not None:
        if body is not None:
            raise ValueError("pass either body= or json=, not both")
        body = jsonlib.dumps(json)
        if not any(name.lower() == "content-type" for name, _ in items):
            items.append(("Content-Type", "application/json"))
    if body is not None and not isinstance(body, (str, bytes)):
        raise ValueError(f"body must be str or bytes (use json= for objects); got {type(body).__name__}")

    # Fetch: new Request(), "init["method"]": must be a method token and not forbidden, then normalized.
    if not is_token(method):
        raise RequestRefused(f"Failed to execute 'fetch' on 'Window': '{method}' is not a valid HTTP method.")
    if is_forbidden_method(method):
        raise RequestRefused(f"Failed to execute 'fetch' on 'Window': '{method}' HTTP method is unsupported.")
    method = normalize_method(method)
    if mode == "no-cors" and not is_cors_safelisted_method(method):
        raise RequestRefused(f"Failed to execute 'fetch' on 'Window': '{method}' is unsupported in no-cors mode.")
    if cache == "only-if-cached" and mode != "same-origin":
        raise RequestRefused(
            "Failed to execute 'fetch' on 'Window': 'only-if-cached' can be set only with 'same-origin' mode"
        )
    if body is not None and method in ("GET", "HEAD"):
        raise RequestRefused("Failed to execute 'fetch' on 'Window': Request with GET/HEAD method cannot have body.")

    # Fetch: Headers "append": validate, normalize the value, drop forbidden names silently,
    # and combine repeated names into one header ("a, b").
    combined: dict[str, tuple[str, str]] = {}
    for name, raw_value in items:
        value = strip_http_whitespace(raw_value)
        if not is_token(name):
            raise RequestRefused(f"Failed to execute 'fetch' on 'Window': Invalid name: {name!r}")
        if any(c in value for c in "\x00\r\n") or any(ord(c) > 0xFF for c in value):
            raise RequestRefused(f"Failed to execute 'fetch' on 'Window': Invalid value for header {name!r}")
        if is_forbidden_request_header(name, value, profile):
            continue
        key = name.lower()
        if mode == "no-cors" and not (
            key in _NO_CORS_SAFELISTED_NAMES and is_cors_safelisted_request_header(key, value, profile)
        ):
            # Fetch: a "request-no-cors" Headers object ignores anything not no-CORS-safelisted.
            continue
        if key in combined:
            first_name, previous = combined[key]
            combined[key] = (first_name, f"{previous}, {value}")
        else:
            combined[key] = (name, value)
    header_list: HeaderList = list(combined.values())

    data: bytes | None
    if isinstance(body, str):
        data = body.encode("utf-8")
        # Fetch: "extract a body" from a string gives the type `text/plain;charset=UTF-8`.
        if "content-type" not in combined:
            header_list.append(("Content-Type", "text/plain;charset=UTF-8"))
    else:
        data = body
    return PreparedRequest(method, header_list, data, credentials, mode, redirect, cache)
