"""Walking an app's middleware stack, checking each CORS middleware found and what runs outside it.

The stack is walked as a request goes through it, outermost first: a Starlette (or FastAPI) app's
middleware list (``user_middleware``, where ``add_middleware`` puts the last one added first), then its
router, whose ``Mount`` and ``Host`` routes lead to sub-apps; an ASGI object that keeps the app it wraps
on ``.app`` (or a similar attribute) is one more layer around that app. Every CORS middleware, Starlette's
or corskit's, is judged by corskit's own validator (constructing ``corskit.CORSMiddleware`` with the same
arguments), so the codes are the ones ``CORSConfigError`` carries.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import CORSConfigError, CORSMiddleware
from ._lint_answers import answers_on_its_own, qualified_name
from ._lint_report import Finding, Where

# Attributes where ASGI wrappers keep the app they wrap.
INNER_ATTRIBUTES = ("app", "application", "asgi_app", "wrapped_app", "_app", "__wrapped__")

_STARLETTE_CORS = "starlette.middleware.cors.CORSMiddleware"
_MOUNT = "starlette.routing.Mount"
_HOST = "starlette.routing.Host"

# What Starlette's middleware does today with a configuration corskit refuses, when it is worse than
# corskit's message says.
STARLETTE_NOTES = {
    ("wildcard-with-credentials", "allow_origins"): "Starlette's middleware accepts it and answers every origin "
    "by echoing it back with Access-Control-Allow-Credentials: true.",
    ("not-a-list", "allow_origins"): "Starlette's middleware also allows every origin when the string holds a '*'.",
    ("not-a-list", "allow_methods"): "Starlette's middleware sends the string split into letters "
    "(Access-Control-Allow-Methods: G, E, T).",
    ("not-a-list", "allow_headers"): "Starlette's middleware splits the string into single letters, so no "
    "header you meant is allowed.",
    ("not-a-bool", "allow_credentials"): "Starlette's middleware only asks whether it is truthy: any non-empty "
    "string, 'false' included, turns credentials on.",
    ("not-a-bool", "allow_private_network"): "Starlette's middleware only asks whether it is truthy: any "
    "non-empty string, 'false' included, turns it on.",
    ("unknown-option", ""): "Starlette's middleware fails on it with a TypeError when the stack is built.",
    ("not-a-list", "expose_headers"): "Starlette's middleware sends the string split into letters "
    "(Access-Control-Expose-Headers: X, -, ...), which exposes nothing.",
}


# Deeper than this, the "inner app" attributes are not a real stack (a proxy object inventing attributes).
MAX_DEPTH = 200


async def _inner(scope: Any, receive: Any, send: Any) -> None:
    """The app the middleware are built around when lint builds them one by one."""


def _is(obj: Any, name: str) -> bool:
    cls = obj if inspect.isclass(obj) else type(obj)
    return any(qualified_name(klass) == name for klass in getattr(cls, "__mro__", ()))


def cors_kind(factory: Any) -> str | None:
    """``"corskit"`` or ``"starlette"`` for a CORS middleware class (or instance), else None."""
    cls = factory if inspect.isclass(factory) else type(factory)
    if issubclass(cls, CORSMiddleware):
        return "corskit"
    return "starlette" if _is(cls, _STARLETTE_CORS) else None


@dataclass
class Layer:
    """One middleware on the way in: an entry of an app's middleware list, or a wrapper object."""

    factory: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    where: Where
    instance: Any = None
    kind: str | None = None
    flagged: bool = False

    @property
    def in_list(self) -> bool:
        return self.instance is None

    @property
    def name(self) -> str:
        return str(getattr(self.factory, "__name__", type(self.factory).__name__))

    @property
    def added_by(self) -> str:
        """The call that put this entry in its app's middleware list."""
        dispatch = self.kwargs.get("dispatch")
        if callable(dispatch) and _is(self.factory, "starlette.middleware.base.BaseHTTPMiddleware"):
            return f'the @app.middleware("http") function {getattr(dispatch, "__name__", "")}'
        return f"app.add_middleware({self.name}, ...)"


def _label(factory: Any, kwargs: dict[str, Any], kind: str | None, *, wrapper: bool = False) -> str:
    """How the report names a middleware; "wrapper" for an object wrapping the app rather than a list entry."""
    also = ", wrapper" if wrapper else ""
    name = getattr(factory, "__name__", type(factory).__name__)
    if kind is not None:
        owner = "Starlette's" if kind == "starlette" else "corskit"
        if name == "CORSMiddleware":
            return f"CORSMiddleware ({owner}{also})"
        return f"{name} ({owner} CORSMiddleware{also})"
    if wrapper:
        return f"{name} (wrapper)"
    dispatch = kwargs.get("dispatch")
    if callable(dispatch):
        return f"{name}({getattr(dispatch, '__name__', 'dispatch')})"
    return str(name)


def _starlette_options(middleware: Any) -> dict[str, Any]:
    """The arguments a built Starlette CORSMiddleware was given, as far as its attributes tell."""
    regex = getattr(middleware, "allow_origin_regex", None)
    exposed = getattr(middleware, "simple_headers", {}).get("Access-Control-Expose-Headers", "")
    max_age_text = str(getattr(middleware, "preflight_headers", {}).get("Access-Control-Max-Age", "600"))
    try:
        max_age: Any = int(max_age_text)
    except ValueError:
        max_age = max_age_text
    return {
        "allow_origins": getattr(middleware, "allow_origins", ()),
        "allow_methods": getattr(middleware, "allow_methods", ("GET",)),
        "allow_headers": ["*"] if getattr(middleware, "allow_all_headers", False) else middleware.allow_headers,
        "allow_credentials": getattr(middleware, "allow_credentials", False),
        "allow_origin_regex": getattr(regex, "pattern", regex),
        "allow_private_network": getattr(middleware, "allow_private_network", False),
        "expose_headers": [h.strip() for h in exposed.split(",") if h.strip()],
        "max_age": max_age,
    }


def _attribute(obj: Any, name: str) -> Any:
    """``getattr`` that survives properties raising (the app's code, not lint's)."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _starlette_patterns(options: dict[str, Any]) -> list[str]:
    """Entries of allow_origins that corskit reads as patterns and Starlette compares literally."""
    origins = options.get("allow_origins", ())
    if isinstance(origins, (str, bytes)) or not isinstance(origins, (list, tuple, set, frozenset)):
        return []
    return [o for o in origins if isinstance(o, str) and "*" in o and o != "*"]


def _order_fix(outside: Layer, cors: Layer) -> str:
    if outside.in_list and cors.in_list and outside.where.mount == cors.where.mount:
        return (
            f"put the CORS middleware outside it: call app.add_middleware(CORSMiddleware, ...) after "
            f"{outside.added_by} (the last one added runs first), or list "
            f"Middleware(CORSMiddleware, ...) before Middleware({outside.name}, ...) in middleware=[...]."
        )
    if not outside.in_list:
        return f"wrap the CORS middleware around it: CORSMiddleware({outside.name}(...), ...)."
    app = Where(outside.where.app, outside.where.mount)
    return (
        f"add the CORS middleware to {app} after {outside.name} (corskit's path_policies can keep per-path "
        f"settings), or move {outside.name} "
        "into the sub-app, inside its CORS middleware."
    )


@dataclass
class Linter:
    """Walks one app; ``findings`` collects every problem, ``cors`` every CORS middleware found."""

    root: str
    answering: Iterable[str] = ()
    not_answering: Iterable[str] = ()
    findings: list[Finding] = field(default_factory=list)
    cors: list[Layer] = field(default_factory=list)
    layers: int = 0
    _active: set[int] = field(default_factory=set)

    def refused(self, error: CORSConfigError, where: Where, note: str = "") -> None:
        for problem in error.problems:
            self.findings.append(Finding(problem.code, where, problem.parameter, problem.message + note))

    def walk(self, obj: Any, mount: str = "", outer: tuple[Layer, ...] = ()) -> None:
        if id(obj) in self._active or len(self._active) > MAX_DEPTH:  # an app mounted inside itself
            return
        self._active.add(id(obj))
        try:
            self._walk(obj, mount, outer)
        finally:
            self._active.discard(id(obj))

    def _walk(self, obj: Any, mount: str, outer: tuple[Layer, ...]) -> None:
        entries = _attribute(obj, "user_middleware")
        if isinstance(entries, list) and _attribute(obj, "router") is not None:
            layers = self._list_layers(entries, Where(self.root, mount))
            for layer in layers:
                self._add(layer, outer)
                outer = (*outer, layer)
            self._build(obj, layers, Where(self.root, mount))
            self.walk(obj.router, mount, outer)
            return
        routes = _attribute(obj, "routes")
        if isinstance(routes, list):
            for route in routes:
                if _is(route, _MOUNT):
                    self.walk(route.app, (mount.rstrip("/") + route.path) or "/", outer)
                elif _is(route, _HOST):
                    self.walk(route.app, f"{mount} host {route.host}".strip(), outer)
            return
        inner = next(
            (
                value
                for value in (_attribute(obj, name) for name in INNER_ATTRIBUTES)
                if callable(value) and value is not obj
            ),
            None,
        )
        if inner is None or inspect.isfunction(obj) or inspect.ismethod(obj):
            return  # an endpoint, or a wrapper lint cannot see into
        kind = cors_kind(obj)
        label = _label(type(obj), {}, kind, wrapper=True)
        layer = Layer(type(obj), (), {}, Where(self.root, mount, label), obj, kind)
        self._add(layer, outer)
        self.walk(inner, mount, (*outer, layer))

    def _list_layers(self, entries: list[Any], where: Where) -> list[Layer]:
        layers = []
        for entry in entries:
            factory, args, kwargs = entry  # Starlette's Middleware unpacks as (cls, args, kwargs)
            kind = cors_kind(factory) if inspect.isclass(factory) else None
            layers.append(Layer(factory, tuple(args), dict(kwargs), where, kind=kind))
        labels = [_label(layer.factory, layer.kwargs, layer.kind) for layer in layers]
        for number, (layer, label) in enumerate(zip(layers, labels, strict=True), start=1):
            if labels.count(label) > 1:
                label = f"{label} #{number}"
            layer.where = Where(where.app, where.mount, label)
        return layers

    def _add(self, layer: Layer, outer: tuple[Layer, ...]) -> None:
        self.layers += 1
        if layer.kind is None:
            return
        self.cors.append(layer)
        self._check_config(layer)
        # Only what runs outside every CORS middleware answers without CORS headers.
        # (checked once, for the outermost CORS middleware on the way in).
        outermost = all(other.kind is None for other in outer)
        for other in outer:
            if other.kind is not None:
                self.findings.append(
                    Finding(
                        "cors-duplicate",
                        layer.where,
                        "",
                        f"a second CORS middleware on the same requests (the first, outside it: {other.where}): "
                        "the outer one answers every preflight, so this one's settings never apply to them, and "
                        "both rewrite the other responses. Keep one (the outer); for different settings under a "
                        "path, use corskit's path_policies.",
                    )
                )
            elif outermost:
                reason = answers_on_its_own(
                    other.factory if other.in_list else other.instance,
                    other.kwargs,
                    answering=self.answering,
                    not_answering=self.not_answering,
                )
                if reason:
                    self.findings.append(
                        Finding(
                            "answers-outside-cors",
                            other.where,
                            "",
                            f"runs outside {layer.where} and can answer on its own ({reason}): such answers "
                            "carry no CORS headers, so the page sees a CORS error instead of the real status, "
                            f"and a preflight it answers fails. Fix: {_order_fix(other, layer)}",
                        )
                    )

    def _check_config(self, layer: Layer) -> None:
        if layer.kind == "corskit":
            if layer.in_list:  # built only when the server starts: build it now
                try:
                    layer.factory(_inner, *layer.args, **layer.kwargs)
                except CORSConfigError as error:
                    layer.flagged = True
                    self.refused(
                        error,
                        layer.where,
                        " (Refused when the stack is built: the app imports fine, then fails at startup.)",
                    )
                except Exception:
                    pass  # a TypeError and the like: reported by the stack build
            return
        options = self._starlette_arguments(layer)
        if options is None:
            return  # arguments Starlette's middleware rejects: reported by the stack build
        try:
            CORSMiddleware(_inner, **options)
        except CORSConfigError as error:
            layer.flagged = True
            for problem in error.problems:
                note = STARLETTE_NOTES.get((problem.code, problem.parameter), STARLETTE_NOTES.get((problem.code, "")))
                message = problem.message + (f" {note}" if note else "")
                self.findings.append(Finding(problem.code, layer.where, problem.parameter, message))
        except Exception:
            return
        for pattern in _starlette_patterns(options):
            layer.flagged = True
            self.findings.append(
                Finding(
                    "starlette-origin-pattern",
                    layer.where,
                    "allow_origins",
                    f"{pattern!r} is an origin pattern only corskit understands: Starlette's middleware "
                    "compares origins literally, so it never matches. Switch to corskit.CORSMiddleware (same "
                    "arguments), or express it with allow_origin_regex.",
                )
            )

    @staticmethod
    def _starlette_arguments(layer: Layer) -> dict[str, Any] | None:
        """A Starlette CORS middleware's arguments by name (read back from the built middleware when a
        subclass takes arguments of its own), or None when it cannot even be built."""
        if not layer.in_list:
            return _starlette_options(layer.instance)
        base = next(k for k in layer.factory.__mro__ if qualified_name(k) == _STARLETTE_CORS)
        # Starlette's own parameters after ``app``, in order (corskit's first ones are the same).
        parameters = list(inspect.signature(base.__init__).parameters)[2:]
        if layer.factory.__init__ is base.__init__ and len(layer.args) <= len(parameters):
            named = dict(zip(parameters, layer.args, strict=False))
            if not set(named) & set(layer.kwargs):
                return {**named, **layer.kwargs}
        try:
            return _starlette_options(layer.factory(_inner, *layer.args, **layer.kwargs))
        except Exception:
            return None

    def _build(self, app: Any, layers: list[Layer], where: Where) -> None:
        """Build the stack as the server would on its first event, and report what fails."""
        build = getattr(app, "build_middleware_stack", None)
        if not callable(build):
            return
        try:
            build()
        except Exception as error:
            culprit = next((layer for layer in layers if _fails(layer)), None)
            if culprit is not None and culprit.flagged:
                return  # its configuration problems are reported already
            self.findings.append(
                Finding(
                    "stack-build-failed",
                    culprit.where if culprit else where,
                    "",
                    f"building the middleware stack raises {type(error).__name__}: {error}. The app imports "
                    "fine, then the server fails at startup (Starlette builds the stack on the first event). "
                    "Fix this middleware's arguments.",
                )
            )


def _fails(layer: Layer) -> bool:
    try:
        layer.factory(_inner, *layer.args, **layer.kwargs)
    except Exception:
        return True
    return False
