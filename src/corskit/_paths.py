"""Per-path policies: the longest matching path prefix decides which CORS policy applies.

Prefixes match on segment boundaries: ``/admin`` covers ``/admin`` and ``/admin/users``, never
``/administrator``. A lookup tries the path's own prefixes (cut at each ``/``) in a dict, longest
first, so its cost depends on the path's depth, not on how many prefixes are configured; and only the
part of the path as long as the longest configured prefix is ever examined. The prefixes are validated
and their policies compiled in ``_compile.py``.

The path looked up is the one the wrapped app routes on: ``scope["path"]`` minus ``scope["root_path"]``
(:func:`route_path`), so a policy for ``/admin`` also covers ``/v1/admin`` in an app mounted at ``/v1``.
"""

from __future__ import annotations

from ._policy import Policy

_NOT_FOUND = object()


def route_path(path: str, root_path: str) -> str:
    """The path relative to the app, as Starlette's routing computes it (``get_route_path``)."""
    if not root_path or not path.startswith(root_path):
        return path
    if len(path) == len(root_path):
        return "/"  # the mount point itself: the app's own root
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path  # "/v10" under root_path "/v1" is not below it


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
