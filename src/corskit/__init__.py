"""corskit: CORS for ASGI apps, safe by default.

``from corskit import CORSMiddleware`` replaces ``from fastapi.middleware.cors import CORSMiddleware``.
"""

from .config import compile_policy
from .errors import CORSConfigError, Problem
from .middleware import CORSMiddleware
from .policy import Policy

__all__ = ["CORSConfigError", "CORSMiddleware", "Policy", "Problem", "compile_policy"]
__version__ = "0.1.0"
