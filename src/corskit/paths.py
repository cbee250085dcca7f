"""Per-path policies: the longest matching path prefix decides which CORS policy applies.

Prefixes match on segment boundaries: ``/admin`` covers ``/admin`` and ``/admin/users``, never
``/administrator``. A lookup tries the path's own prefixes (cut at each ``/``) in a dict, longest
first, so its cost depends on the path's depth, not on how many prefixes are configured; and only the
part of the path as long as the longest configured prefix is ever examined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Problem
from .policy import Policy

_NOT_FOUND = object()


class PathPolicies:
    __slots__ = ("_by_prefix", "_longest")

    def __init__(self, by_prefix: dict[str, Policy | None]) -> None:
        self._by_prefix = by_prefix
        self._longest = max((len(p) for p in by_prefix), default=0)

    @property
    def prefixes(self) -> list[str]:
        return sorted(self._by_prefix)

    def lookup(self, path: str, default: Policy) -> tuple[str | None, Policy | None]:
        """(matched prefix or None, the policy for ``path``; None there means CORS is off)."""
        by_prefix = self._by_prefix
        if len(path) <= self._longest:
            found = by_prefix.get(path, _NOT_FOUND)
            if found is not _NOT_FOUND:
                return path, found  # type: ignore[return-value]
        # Cut at every '/' that could end a configured prefix, longest first.
        cut = path.rfind("/", 0, self._longest + 1)
        while cut > 0:
            candidate = path[:cut]
            found = by_prefix.get(candidate, _NOT_FOUND)
            if found is not _NOT_FOUND:
                return candidate, found  # type: ignore[return-value]
            cut = path.rfind("/", 0, cut)
        if cut == 0:
            found = by_prefix.get("/", _NOT_FOUND)
            if found is not _NOT_FOUND:
                return "/", found  # type: ignore[return-value]
        return None, default


def _prefix_problem(prefix: object) -> str | None:
    if not isinstance(prefix, str):
        return f"a path prefix must be a string, got {type(prefix).__name__}."
    if not prefix.startswith("/"):
        return f"{prefix!r} must start with '/', e.g. '/{prefix}'."
    if len(prefix) > 1 and prefix.endswith("/"):
        return f"{prefix!r}: drop the trailing slash; {prefix.rstrip('/')!r} already covers everything below it."
    if any(c in prefix for c in "?#*") or "//" in prefix:
        return f"{prefix!r} must be a plain path prefix (no '?', '#', '*' or '//')."
    if not prefix.isprintable() or " " in prefix:
        return f"{prefix!r} contains spaces or control characters."
    return None


def collect_path_policies(value: Any, problems: list[Problem]) -> PathPolicies | None:
    """Validate ``path_policies``; each dict is compiled like the middleware's own keyword arguments."""
    from .config import collect_policy

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
