"""corskit: CORS for ASGI apps, safe by default.

``from corskit import CORSMiddleware`` replaces ``from fastapi.middleware.cors import CORSMiddleware``.
"""

from ._compile import compile_policy
from ._dynamic import in_thread
from ._errors import CORSConfigError, Problem
from ._explain import Check, Explanation
from ._find import find_middleware
from ._hot import speedups_in_use
from ._middleware import CORSMiddleware
from ._options import Options
from ._policy import Policy

__all__ = [
    "CORSConfigError",
    "CORSMiddleware",
    "Check",
    "Explanation",
    "Options",
    "Policy",
    "Problem",
    "compile_policy",
    "find_middleware",
    "in_thread",
    "speedups_in_use",
]
__version__ = "0.1.0"
