"""The steps every request pays for: from the C extension when it was built, else their Python twins.

``CORSKIT_PURE_PYTHON=1`` forces the Python versions (``scripts/test`` reruns the suites with it).
"""

from __future__ import annotations

import os

if os.environ.get("CORSKIT_PURE_PYTHON"):
    from ._send import CORSSend, find_origin, read_headers
else:
    try:
        from ._speedups import CORSSend, find_origin, read_headers  # type: ignore[assignment]
    except ImportError:  # built without a C compiler
        from ._send import CORSSend, find_origin, read_headers

__all__ = ["CORSSend", "find_origin", "read_headers"]
