"""Configuration errors: every problem found at construction, reported together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration.

    ``code`` is stable (tests and tooling may depend on it); ``message`` says what is wrong and
    what to write instead; ``parameter`` names the keyword argument it is about.
    """

    code: str
    parameter: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.parameter}: {self.message}"


class CORSConfigError(ValueError):
    """Raised when a CORS configuration is unsafe or malformed; ``problems`` lists every issue."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        heading = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"corskit: the CORS configuration has {heading}:\n{lines}")

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
