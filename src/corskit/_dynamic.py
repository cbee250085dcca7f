"""Dynamic origins: ``allow_origin_func``, a user function asked about origins the lists don't allow.

Multi-tenant apps keep their customers' origins in a database. The function may be sync or async;
its answers are cached per origin for ``ttl`` seconds in a bounded LRU, so a busy origin costs one
call per TTL. A function that raises or answers something other than a bool refuses the origin, and
the failure is logged once per origin per TTL: the request itself never fails because of it.
"""

from __future__ import annotations

import functools
import logging
import time
import types
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._origins import split_serialized_origin
from ._sanitize import sanitize

if TYPE_CHECKING:
    import asyncio

# asyncio is imported where it is used, not here (and inspect not at all): ``import corskit`` (and so the
# pytest plugin, which loads in every test run of a project that has corskit installed) must not pay for
# asyncio, ssl and concurrent.futures.

logger = logging.getLogger("corskit")

OriginFunc = Callable[[str], bool | Awaitable[bool]]
T = TypeVar("T")


def in_thread(func: Callable[[str], bool]) -> Callable[[str], Awaitable[bool]]:
    """Wrap a blocking origin check (a database query, an HTTP call) to run in a worker thread.

    ``allow_origin_func=in_thread(lookup_tenant_origin)`` keeps the event loop free while it runs.
    """

    @functools.wraps(func)
    async def run(origin: str) -> bool:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, func, origin)

    return run


class DynamicOrigins:
    """Asks ``func`` whether an origin is allowed, with a per-origin TTL cache of bounded size."""

    __slots__ = ("_cache", "_clock", "_func", "_logged", "_pending", "size", "ttl")

    def __init__(self, func: OriginFunc, size: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._func = func
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, bool]] = OrderedDict()
        # Origins whose failure was logged, and until when: keeps a failing function from flooding
        # the log even when the answer cache is off.
        self._logged: OrderedDict[str, float] = OrderedDict()
        # Calls in flight, per origin: concurrent requests from an origin not cached yet share one call.
        self._pending: dict[str, asyncio.Task[bool]] = {}

    @property
    def caching(self) -> bool:
        return self.size > 0 and self.ttl > 0

    def cached(self, origin: str) -> bool | None:
        """The cached answer for ``origin``, or None when it must be asked."""
        entry = self._cache.get(origin)
        if entry is None:
            return None
        expires, answer = entry
        if expires <= self._clock():
            del self._cache[origin]
            return None
        self._cache.move_to_end(origin)
        return answer

    async def allowed(self, origin: str) -> bool:
        """What the function says about ``origin``; it only hears about origins a browser could send."""
        if split_serialized_origin(origin) is None:
            return False
        if not self.caching:
            return await self._ask(origin)
        answer = self.cached(origin)
        if answer is not None:
            return answer
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on asyncio (trio): calls in flight are not shared
            return self._store(origin, await self._ask(origin))
        # A burst of requests from a new origin must cost one call (one database query), not one each.
        # The call runs in its own task, shielded, so a waiter that is cancelled does not cancel it.
        task = self._pending.get(origin)
        if task is None or task.get_loop() is not loop:
            task = loop.create_task(self._ask_and_store(origin))
            self._pending[origin] = task
            task.add_done_callback(functools.partial(self._forget, origin))
        return await asyncio.shield(task)

    async def _ask_and_store(self, origin: str) -> bool:
        return self._store(origin, await self._ask(origin))

    def _forget(self, origin: str, task: asyncio.Task[bool]) -> None:
        if self._pending.get(origin) is task:
            del self._pending[origin]

    def _store(self, origin: str, answer: bool) -> bool:
        self._cache[origin] = (self._clock() + self.ttl, answer)
        self._cache.move_to_end(origin)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return answer

    def allowed_sync(self, origin: str) -> bool:
        """:meth:`allowed` for explanations outside a server, through the same cache (which it fills).

        An async function is run to completion; inside a running event loop that is impossible, and
        :class:`AsyncInRunningLoop` says to use ``aexplain()``.
        """
        if split_serialized_origin(origin) is None:
            return False
        if not self.caching:
            return self._ask_sync(origin)
        answer = self.cached(origin)
        if answer is not None:
            return answer
        return self._store(origin, self._ask_sync(origin))

    def _ask_sync(self, origin: str) -> bool:
        try:
            result: Any = self._func(origin)
            if isinstance(result, Awaitable):
                result = _run_awaitable(result)
        except AsyncInRunningLoop:
            raise  # the caller's mistake, not the function's: don't refuse the origin and blame it
        except Exception as exc:
            self._report(origin, f"raised {type(exc).__name__}: {exc}", exc)
            return False
        return self._check_result(origin, result)

    async def _ask(self, origin: str) -> bool:
        try:
            result: Any = self._func(origin)
            if isinstance(result, Awaitable):
                result = await result
        except Exception as exc:
            self._report(origin, f"raised {type(exc).__name__}: {exc}", exc)
            return False
        return self._check_result(origin, result)

    def _check_result(self, origin: str, result: Any) -> bool:
        if isinstance(result, bool):
            return result
        self._report(origin, f"returned {type(result).__name__} {result!r:.80}, not True or False", None)
        return False

    def _report(self, origin: str, what: str, exc: BaseException | None) -> None:
        now = self._clock()
        until = self._logged.get(origin)
        if until is not None and until > now:
            return
        self._logged[origin] = now + max(self.ttl, 1.0)
        self._logged.move_to_end(origin)
        while len(self._logged) > max(self.size, 1000):
            self._logged.popitem(last=False)
        logger.error(
            "corskit: allow_origin_func %s for origin %s; the origin is refused. Fix the function so it "
            "returns True or False (logged once per origin per %.0f s).",
            what,
            sanitize(origin),
            max(self.ttl, 1.0),
            exc_info=exc,
        )


class AsyncInRunningLoop(RuntimeError):
    """explain() was called inside an event loop with an async allow_origin_func: use aexplain()."""


def _run_awaitable(awaitable: Awaitable[T]) -> T:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:

        async def wrap() -> T:
            return await awaitable

        return asyncio.run(wrap())
    if isinstance(awaitable, types.CoroutineType):
        awaitable.close()  # never awaited on purpose: no "coroutine was never awaited" warning
    raise AsyncInRunningLoop(
        "allow_origin_func is async and an event loop is running: use 'await middleware.aexplain(...)'"
    )
