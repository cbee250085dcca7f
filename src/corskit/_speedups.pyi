from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Header = tuple[bytes, bytes]

def find_origin(headers: Iterable[tuple[bytes, bytes]], duplicate: bytes, /) -> bytes | None: ...

class CORSSend:
    started: bool
    def __init__(
        self,
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
        extra: tuple[Header, ...],
        replace: frozenset[bytes],
        merge: Callable[[list[Header], tuple[Header, ...], frozenset[bytes]], list[Header]],
        /,
    ) -> None: ...
    def __call__(self, message: MutableMapping[str, Any], /) -> Awaitable[None]: ...
