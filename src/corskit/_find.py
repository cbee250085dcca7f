"""Finding corskit's middleware inside an app that was given it with ``add_middleware``."""

from __future__ import annotations

from ._errors import CORSConfigError
from ._middleware import CORSMiddleware, RefusedCORSMiddleware

# ASGI middleware conventionally keeps the app it wraps in ``.app``; Starlette and FastAPI keep the
# outermost layer of their stack in ``.middleware_stack`` (None until the app first runs).
_STARLETTE_CORS = ("starlette.middleware.cors", "CORSMiddleware")


def find_middleware(app: object) -> CORSMiddleware:
    """The outermost :class:`CORSMiddleware` in ``app``'s chain of ASGI layers.

    ``app`` may be the middleware itself, any ASGI middleware that keeps the app it wraps in ``.app``,
    or a Starlette/FastAPI app: if that app has not run yet, its middleware stack is built now, as its
    first request would (so call this after the last ``add_middleware``; afterwards Starlette refuses
    new middleware). Raises :class:`CORSConfigError` if corskit refused the configuration it was given,
    and :class:`LookupError` if there is no corskit middleware in the chain.
    """
    seen: set[int] = set()
    layer: object = app
    while layer is not None and id(layer) not in seen:
        seen.add(id(layer))
        if isinstance(layer, RefusedCORSMiddleware):
            raise CORSConfigError(layer.error.problems)
        if isinstance(layer, CORSMiddleware):
            return layer
        if (type(layer).__module__, type(layer).__name__) == _STARLETTE_CORS:
            raise LookupError(
                "this app uses Starlette's CORSMiddleware, not corskit's: "
                "import it with `from corskit import CORSMiddleware`"
            )
        build = getattr(layer, "build_middleware_stack", None)
        if callable(build) and hasattr(layer, "middleware_stack"):
            if layer.middleware_stack is None:
                layer.middleware_stack = build()
            layer = layer.middleware_stack
        else:
            layer = getattr(layer, "app", None)
    raise LookupError(
        f"no corskit CORSMiddleware in {type(app).__name__}'s middleware: "
        "add it with app.add_middleware(CORSMiddleware, ...)"
    )
