"""``corskit scan``'s terminal output: a progress line while probing, then the table of findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ._output import style, use_colour
from ._scan_run import Finding
from ._target import printable

_SEVERITY_STYLE = {"high": ("red", "bold"), "medium": ("red",), "low": ("yellow",), "info": ("dim",)}


class Progress:
    """``probing 12/48`` rewritten in place on stderr; only for a person at a terminal."""

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        isatty = getattr(stream, "isatty", None)
        self._stream = stream
        self._on = enabled and bool(isatty and isatty())
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if self._on:
            self._stream.write(f"\rprobing {done}/{total}")
            self._stream.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()


def report(url: str, trusted: str | None, findings: Sequence[Finding], probes: int, stream: TextIO) -> str:
    colour = use_colour(stream)
    against = f" (trusted origin {trusted})" if trusted else ""
    lines = [f"corskit scan {url}{against}: {probes} probes, {len(findings)} finding(s)", ""]
    if not findings:
        lines.append(style("No finding: no probe origin could read this URL.", "green", colour=colour))
        return "\n".join(lines) + "\n"
    rows = [("severity", "id", "origin", "readable with cookies")]
    rows += [(f.severity, f.id, f.origin, "yes" if f.credentials else "no") for f in findings]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        text = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        if number == 0:
            text = style(text, "bold", colour=colour)
        else:
            text = style(text, *_SEVERITY_STYLE[row[0]], colour=colour)
        lines.append(text)
    lines.append("")
    for finding in findings:
        lines.append(
            style(f"{finding.id} ({finding.severity})", "bold", colour=colour) + f": {printable(finding.explanation)}"
        )
        lines.append(f"  fix (corskit/FastAPI/Starlette): {printable(finding.fix['config'])}")
        lines.append(f"  fix (any server): {printable(finding.fix['header'])}")
    return "\n".join(lines) + "\n"
