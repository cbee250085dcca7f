"""A fix, said twice: for corskit/FastAPI/Starlette's ``CORSMiddleware`` and as a response header rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fix:
    """One change: ``config`` for CORSMiddleware's parameters, ``header`` as the response header rule
    (the server may be anything)."""

    config: str
    header: str

    def lines(self) -> list[str]:
        return [f"corskit/FastAPI/Starlette: {self.config}", f"any server: {self.header}"]
