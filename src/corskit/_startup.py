"""A refused configuration in a framework's lazily built middleware stack: make the startup fail loudly.

``app.add_middleware(CORSMiddleware, ...)`` only records the class and its arguments; Starlette and
FastAPI construct the middleware when the app is first called, which under uvicorn is the lifespan
startup. An exception raised there is taken by uvicorn's default ``--lifespan auto`` for "this app does
not speak lifespan": it logs ``Application startup complete.`` and every request then fails with a bare
500, which a browser reports as a CORS error. So when corskit refuses a configuration while a framework
builds its stack, the middleware answers the lifespan startup with ``lifespan.startup.failed`` carrying
the whole problem list: uvicorn prints it as an error and exits before serving anything.
"""

from __future__ import annotations

import sys
from types import FrameType

# The method Starlette (and FastAPI, which overrides it) calls to construct ``user_middleware``.
_STACK_BUILDER = "build_middleware_stack"


def built_by_framework(depth: int = 2) -> bool:
    """Whether the ``__init__`` that called this (``depth`` frames up) runs inside a stack build.

    Subclasses calling ``super().__init__`` add ``__init__`` frames in between; they are skipped.
    """
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None and frame.f_code.co_name == "__init__":
        frame = frame.f_back
    return frame is not None and frame.f_code.co_name == _STACK_BUILDER
