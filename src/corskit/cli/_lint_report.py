"""What ``corskit lint`` reports: one finding, with where it is, in text or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# lint's own codes; every other code is one corskit's validator gives (CORSConfigError.problems).
STACK_CODES = frozenset({"answers-outside-cors", "cors-duplicate", "stack-build-failed", "starlette-origin-pattern"})


@dataclass(frozen=True)
class Where:
    """Which app (the import string), which mount inside it, which middleware."""

    app: str
    mount: str = ""
    middleware: str = ""

    def __str__(self) -> str:
        mount = self.mount if self.mount.startswith("host ") else f"mount {self.mount}"
        text = f"{self.app} {mount}" if self.mount else self.app
        return f"{text}, {self.middleware}" if self.middleware else text


@dataclass(frozen=True)
class Finding:
    """One problem. ``code`` is corskit's own problem code for configuration problems (the one
    CORSConfigError carries), or one of lint's stack codes; ``message`` ends with the fix."""

    code: str
    where: Where
    parameter: str
    message: str

    def line(self) -> str:
        parameter = f"{self.parameter}: " if self.parameter else ""
        text = f"{self.where}: [{self.code}] {parameter}{self.message}"
        return " ".join(text.split())  # one line, even for an exception's multi-line text

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "app": self.where.app,
            "mount": self.where.mount,
            "middleware": self.where.middleware,
            "parameter": self.parameter,
            "message": self.message,
        }
