"""The steps every request pays for: from the C extension when it was built, else their Python twins.

``CORSKIT_PURE_PYTHON`` set to a true value (1, true, yes, on; any case) forces the Python versions, for
debugging or to compare (``scripts/test`` reruns the suites with it). Any other value, ``0`` and
``false`` included, leaves the choice to what was built. :func:`speedups_in_use` says which one runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_TRUE = frozenset({"1", "true", "yes", "on"})


def pure_python_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``CORSKIT_PURE_PYTHON`` asks for the Python path (an explicit true value only)."""
    return environ.get("CORSKIT_PURE_PYTHON", "").strip().lower() in _TRUE


if pure_python_requested():
    from ._send import CORSSend, find_origin, read_headers

    SPEEDUPS = False
else:
    try:
        from ._speedups import CORSSend, find_origin, read_headers  # type: ignore[assignment]

        SPEEDUPS = True
    except ImportError:  # built without a C compiler
        from ._send import CORSSend, find_origin, read_headers

        SPEEDUPS = False


def speedups_in_use() -> bool:
    """True when corskit's C extension runs the per-request steps, False when the Python twins do."""
    return SPEEDUPS


__all__ = ["SPEEDUPS", "CORSSend", "find_origin", "pure_python_requested", "read_headers", "speedups_in_use"]
