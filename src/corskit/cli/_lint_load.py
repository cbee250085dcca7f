"""Loading the app to lint the way uvicorn does: ``module:attribute``, dotted attributes, ``--factory``.

Everything that goes wrong here is the user's app, not corskit: it becomes one line (a CLIError, exit 2)
naming the cause and, for an exception raised by the app's own code, the file and line it came from.
A CORSConfigError raised while importing is not a loading failure but a finding; it is passed back.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from .. import CORSConfigError
from ._errors import CLIError


@dataclass(frozen=True)
class Loaded:
    """The app object, or the CORSConfigError its module (or factory) raised, and where it was raised."""

    app: Any
    refused: CORSConfigError | None = None
    refused_at: str = ""


def _where(error: BaseException, app_dir: str) -> str:
    """``main.py, line 7``: the innermost frame in the app's own files (else the innermost real file)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith("<")]
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_short(error.filename, app_dir)}, line {error.lineno}"
    mine = [f for f in frames if os.path.abspath(f.filename).startswith(app_dir + os.sep)]
    if not mine:  # raised by a library, or by Python itself: no line of the app's to point at
        return ""
    frame = mine[-1]
    return f"{_short(frame.filename, app_dir)}, line {frame.lineno}"


def _short(filename: str, app_dir: str) -> str:
    path = os.path.abspath(filename)
    return os.path.relpath(path, app_dir) if path.startswith(app_dir + os.sep) else path


def _describe(error: BaseException, app_dir: str) -> str:
    where = _where(error, app_dir)
    # One line, whatever the exception's text (a settings library's error often spans several).
    detail = " ".join(str(error).split())
    text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return f"{text} ({where})" if where else text


def _import_module(module_name: str, app_dir: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            raise CLIError(
                f"cannot import module {module_name!r}: there is no such module in {app_dir} or on sys.path "
                "(run from the app's directory, or pass --app-dir)"
            ) from None
        raise CLIError(f"importing module {module_name!r} failed: {_describe(error, app_dir)}") from None
    except SystemExit as error:
        raise CLIError(f"importing module {module_name!r} failed: it called sys.exit({error.code!r})") from None


def _ambient(module: Any) -> list[str]:
    """Names in ``module`` that look like ASGI apps, to suggest when the attribute is missing."""
    names = []
    for name, value in sorted(vars(module).items()):
        if name.startswith("_") or inspect.ismodule(value) or inspect.isclass(value):
            continue
        if hasattr(value, "user_middleware") or hasattr(value, "routes") or hasattr(value, "app"):
            names.append(name)
    return names


def load_app(import_string: str, *, factory: bool, app_dir: str) -> Loaded:
    """Import ``import_string`` from ``app_dir`` (put first on sys.path, as uvicorn does) and return the app."""
    module_name, _, attributes = import_string.partition(":")
    if not module_name or not attributes:
        raise CLIError(f"APP must be MODULE:ATTRIBUTE, such as main:app (got {import_string!r})")
    app_dir = os.path.abspath(app_dir)
    if not os.path.isdir(app_dir):
        raise CLIError(f"--app-dir {app_dir} is not a directory")
    sys.path.insert(0, app_dir)
    try:
        module = _import_module(module_name, app_dir)
    except CORSConfigError as error:
        return Loaded(None, error, f"importing {module_name} ({_where(error, app_dir)})")
    except CLIError:
        raise
    except Exception as error:
        raise CLIError(f"importing module {module_name!r} failed: {_describe(error, app_dir)}") from None

    app: Any = module
    for attribute in attributes.split("."):
        try:
            app = getattr(app, attribute)
        except AttributeError:
            hint = _ambient(module)
            found = f" (it has: {', '.join(hint)})" if hint else ""
            raise CLIError(f"module {module_name!r} has no attribute {attributes!r}{found}") from None

    if not factory and inspect.isfunction(app) and not inspect.iscoroutinefunction(app) and not _takes_arguments(app):
        # uvicorn calls such a function and serves what it returns (with a warning); so does lint.
        sys.stderr.write(f"corskit lint: {import_string} looks like an app factory; calling it (pass --factory)\n")
        factory = True
    if factory:
        if not callable(app):
            raise CLIError(f"--factory: {import_string} is a {type(app).__name__}, not a function to call")
        try:
            app = app()
        except CORSConfigError as error:
            return Loaded(None, error, f"calling the factory {import_string} ({_where(error, app_dir)})")
        except Exception as error:
            raise CLIError(f"the factory {import_string} raised {_describe(error, app_dir)}") from None
    if not callable(app) or (inspect.isfunction(app) and not inspect.iscoroutinefunction(app)):
        what = "a function that is not async" if callable(app) else f"a {type(app).__name__}"
        raise CLIError(
            f"{import_string} is {what}, not an ASGI app (if it builds the app, pass --factory; "
            "a factory must take no arguments)"
        )
    return Loaded(app)


def _takes_arguments(function: Any) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)
