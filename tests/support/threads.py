"""Running an event loop in a thread of its own, for tests that drive ASGI apps by hand.

Playwright's sync API (the session's Chromium) may keep an event loop in the main thread once it has
started, and ``anyio.run``/``asyncio.run`` (and ``explain()`` with an async origin function) refuse to
start a second one there. Tests that run a loop therefore never do it in the test's own thread,
whatever the file order.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


def in_fresh_thread(func: Callable[..., T], *args: Any) -> T:
    """Call ``func(*args)`` in a new thread with no event loop running; return (or raise) its result."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(func(*args))
        except BaseException as exc:  # handed back to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="corskit-test-loop")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def run(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``anyio.run(func, *args)`` in a fresh thread (see :func:`in_fresh_thread`)."""
    return in_fresh_thread(anyio.run, func, *args)
