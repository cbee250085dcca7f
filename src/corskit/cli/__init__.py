"""The ``corskit`` command (also ``python -m corskit``).

Each subcommand is a module of this package that defines ``register(subparsers)``: it adds its parser and
sets ``run`` (a function ``argparse.Namespace -> int``) as the parser's default. Modules whose names start
with an underscore are helpers, not subcommands. Subcommand modules keep their heavy imports (httpx,
uvicorn, redis) inside ``run`` so that ``corskit --help`` stays fast and works without the ``cli`` extra.

Exit codes shared by every subcommand: 0 success, 1 the check found something (a blocked request, a
finding, a lint problem), 2 usage, network or input errors: one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ._errors import CLIError

__all__ = ["CLIError", "main"]

# The order subcommands appear in ``corskit --help``; modules not listed here come after, by name.
_ORDER = ("check", "scan", "lint", "demo", "origins")

Run = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), as for every other corskit error."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _subcommand_modules() -> list[str]:
    names = [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    known = [name for name in _ORDER if name in names]
    return known + sorted(name for name in names if name not in _ORDER)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corskit",
        description="CORS tools: check what a browser would do, scan for what another site could read, "
        "lint an app's CORS setup, run the lesson's demo, manage shared origins.",
        epilog="Exit codes: 0 success, 1 the check found a problem, 2 usage, network or input error.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"corskit {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command", parser_class=_Parser)
    for name in _subcommand_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``corskit`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Run | None = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return run(args)
    except CLIError as error:
        sys.stderr.write(f"corskit {args.command}: error: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        # `corskit ... | head`: the reader went away; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
