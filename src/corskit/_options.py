"""Every CORS option, written once: name, default (Starlette's where Starlette has the option), scope.

The middleware's constructor, the entries of ``path_policies``, the "unknown option" message and the
Starlette-compatible attributes are all derived from :class:`Options`; adding an option means adding a
field here and reading it in the compiler (``_compile.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._dynamic import OriginFunc

# Field metadata: ``per_path`` is False for the options that make sense once per app only (they cannot
# appear in a ``path_policies`` entry).
_APP_WIDE = {"per_path": False}


@dataclass(frozen=True, kw_only=True)
class Options:
    """The CORS options as given (validated and compiled by ``compile_policy``).

    The first eight are Starlette's, in Starlette's order and with its defaults, and may also be passed
    to the middleware positionally; the others are corskit's own.
    """

    allow_origins: Collection[str] = ()
    allow_methods: Collection[str] = ("GET",)
    allow_headers: Collection[str] = ()
    allow_credentials: bool = False
    allow_origin_regex: str | None = None
    allow_private_network: bool = False
    expose_headers: Collection[str] = ()
    max_age: int = 600
    allow_origin_func: OriginFunc | None = None
    origin_cache_size: int = 10_000
    origin_cache_ttl: float = 60.0
    check_websocket_origin: bool = field(default=True, metadata=_APP_WIDE)
    path_policies: Mapping[str, Mapping[str, Any] | None] | None = field(default=None, metadata=_APP_WIDE)


FIELDS = dataclasses.fields(Options)
OPTION_NAMES = tuple(f.name for f in FIELDS)
# Starlette's positional parameters, after ``app``.
POSITIONAL = OPTION_NAMES[:8]
# The options a ``path_policies`` entry may hold.
PER_PATH = tuple(f.name for f in FIELDS if f.metadata.get("per_path", True))
DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS}


def unknown_option_message(name: str, valid: tuple[str, ...]) -> str:
    """The message for an option nobody defines, with the closest valid name when one is close."""
    import difflib  # construction only

    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"not a CORS option; {hint}valid ones: {', '.join(valid)}."


def split_known(given: Mapping[str, Any], allowed: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """(the known options of ``given`` over the defaults, the unknown names in sorted order)."""
    known = {name: DEFAULTS[name] for name in allowed}
    unknown: list[str] = []
    for name, value in given.items():
        if name in known:
            known[name] = value
        else:
            unknown.append(name)
    return known, sorted(unknown)
