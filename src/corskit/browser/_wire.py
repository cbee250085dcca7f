"""What crosses the (real or in-process) network: one request, one response or a network error."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NetworkFailure", "WireRequest", "WireResponse"]


@dataclass(frozen=True)
class WireRequest:
    kind: str  #: "preflight" or "request"
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None


@dataclass(frozen=True)
class WireResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


@dataclass(frozen=True)
class NetworkFailure:
    """The connection failed (refused, reset, timed out...): ``fetch()`` rejects with a TypeError."""

    reason: str
