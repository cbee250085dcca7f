"""corskit: CORS for ASGI apps, safe by default.

``from corskit import CORSMiddleware`` replaces ``from fastapi.middleware.cors import CORSMiddleware``.
"""

# The names below are loaded on first use (PEP 562): every pytest run of a project with corskit installed
# imports this package for its plugin (corskit.pytest_plugin), which needs none of them. `TYPE_CHECKING`
# is spelled out rather than imported from typing, which this import would otherwise be the first to pay for.
TYPE_CHECKING = False
if TYPE_CHECKING:
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

_HOMES = {
    "CORSConfigError": "_errors",
    "CORSMiddleware": "_middleware",
    "Check": "_explain",
    "Explanation": "_explain",
    "Options": "_options",
    "Policy": "_policy",
    "Problem": "_errors",
    "compile_policy": "_compile",
    "find_middleware": "_find",
    "in_thread": "_dynamic",
    "speedups_in_use": "_hot",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'corskit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
