"""``corskit lint APP``: check an app's CORS middleware, and the middleware around it, before it ships."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from ._errors import CLIError
from ._output import style, use_colour

DESCRIPTION = """\
Import an ASGI app as uvicorn does (APP is MODULE:ATTRIBUTE, such as main:app or main:api.app), walk its
middleware stack (FastAPI/Starlette middleware lists, mounted sub-apps, ASGI wrappers keeping the inner
app on .app) and check every CORS middleware found, Starlette's or corskit's, with corskit's validator.
Also reported: a CORS middleware added twice, middleware outside it that can answer on its own
(authentication, rate limiting, host checks, redirects), and middleware that would fail when the server
builds the stack.

Importing the app RUNS ITS CODE (module top level, the factory with --factory), and lint builds its
middleware stack as the server would: run it only on code you trust, with the settings (environment
variables) the app needs to import."""

EPILOG = """\
Exit codes: 0 no problem found, 1 problems found (one line each, then a summary), 2 the app cannot be
imported or found (one line saying why).

Middleware that can answer on its own are recognized by a list of known classes (Starlette's
TrustedHostMiddleware, HTTPSRedirectMiddleware, AuthenticationMiddleware...), then by words in their name
(auth, token, ratelimit, throttle, csrf, redirect, firewall...), then by their code (building a Response,
raising HTTPException). Correct lint with --answering / --not-answering."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check an app's CORS configuration and middleware order (imports the app: runs its code)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("app", metavar="APP", help="the app as uvicorn takes it: MODULE:ATTRIBUTE, e.g. main:app")
    parser.add_argument("--factory", action="store_true", help="APP is a function returning the app; call it")
    parser.add_argument(
        "--app-dir",
        default=".",
        metavar="DIR",
        help="look for the module in DIR, put first on sys.path as uvicorn does (default: the current directory)",
    )
    parser.add_argument("--json", action="store_true", help="print the findings as one JSON object")
    parser.add_argument(
        "--answering",
        action="append",
        default=[],
        metavar="CLASS",
        help="treat this middleware (Class or module.Class) as one that answers on its own; repeatable",
    )
    parser.add_argument(
        "--not-answering",
        action="append",
        default=[],
        metavar="CLASS",
        help="treat this middleware as one that never answers on its own; repeatable",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ._lint_load import load_app
    from ._lint_report import STACK_CODES, Where
    from ._lint_stack import Linter

    linter = Linter(args.app, answering=args.answering, not_answering=args.not_answering)
    # The app's own prints must not mix with the report (nor break --json).
    with contextlib.redirect_stdout(sys.stderr):
        loaded = load_app(args.app, factory=args.factory, app_dir=args.app_dir)
        if loaded.refused is not None:
            linter.refused(loaded.refused, Where(args.app, "", loaded.refused_at))
        else:
            try:
                linter.walk(loaded.app)
            except RecursionError:
                raise CLIError(f"{args.app}: the middleware stack is too deep to walk") from None
            except Exception as error:  # the app's own code (a property, a constructor) failed
                detail = " ".join(str(error).split())
                raise CLIError(f"walking {args.app} failed: {type(error).__name__}: {detail}") from None

    kinds = [layer.kind for layer in linter.cors]
    summary = _summary(args.app, len(linter.findings), kinds, linter.layers, loaded.refused is not None)
    starlette = {layer.where for layer in linter.cors if layer.kind == "starlette"}
    if any(f.where in starlette and f.code not in STACK_CODES for f in linter.findings):
        summary += "; corskit.CORSMiddleware (same arguments) refuses these configurations at startup"
    if args.json:
        report = {
            "app": args.app,
            "problems": [finding.as_json() for finding in linter.findings],
            "cors_middleware": [
                {"kind": layer.kind, "app": layer.where.app, "mount": layer.where.mount} for layer in linter.cors
            ],
            "middleware_checked": linter.layers,
            "summary": summary,
        }
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        colour = use_colour(sys.stdout)
        for finding in linter.findings:
            sys.stdout.write(style(finding.line(), "red", colour=colour) + "\n")
        sys.stdout.write(style(summary, "bold", colour=colour) + "\n")
    return 1 if linter.findings else 0


def _summary(app: str, problems: int, kinds: list[str | None], layers: int, refused: bool) -> str:
    if refused:
        return f"{app}: {_count(problems, 'problem')}: the app's own code refused its CORS configuration"
    if not kinds:
        found = "no CORS middleware found"
    else:
        names = {"corskit": "corskit", "starlette": "Starlette's"}
        detail = ", ".join(f"{kinds.count(k)} {name}" for k, name in names.items() if k in kinds)
        found = f"{_count(len(kinds), 'CORS middleware', 'CORS middleware')} ({detail}), {layers} middleware in all"
    verdict = _count(problems, "problem") if problems else "no problems"
    return f"{app}: {verdict}; {found}"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
