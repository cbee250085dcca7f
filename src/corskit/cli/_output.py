"""Terminal output shared by the subcommands: colour only on a terminal, never with NO_COLOR or --json."""

from __future__ import annotations

import os
from typing import TextIO

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2"}


def use_colour(stream: TextIO, *, json_output: bool = False) -> bool:
    """Colour and layout codes only for a person at a terminal (https://no-color.org/)."""
    if json_output or "NO_COLOR" in os.environ:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def style(text: str, *names: str, colour: bool) -> str:
    """``text`` wrapped in the ANSI codes for ``names`` (``"red"``, ``"bold"``...) when ``colour`` is on."""
    if not colour or not names:
        return text
    codes = ";".join(_CODES[name] for name in names)
    return f"\x1b[{codes}m{text}\x1b[0m"
