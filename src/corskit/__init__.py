"""corskit: CORS for ASGI apps, safe by default.

``from corskit import CORSMiddleware`` replaces ``from fastapi.middleware.cors import CORSMiddleware``.
"""

from ._find import find_middleware
from ._implementation import speedups_in_use
from .config import compile_policy
from .dynamic import in_thread
from .errors import CORSConfigError, Problem
from .explain import Check, Explanation
from .middleware import CORSMiddleware
from .policy import Policy

__all__ = [
    "CORSConfigError",
    "CORSMiddleware",
    "Check",
    "Explanation",
    "Policy",
    "Problem",
    "compile_policy",
    "find_middleware",
    "in_thread",
    "speedups_in_use",
]
__version__ = "0.1.0"
