"""A real headless Chromium (the Debian package, driven by playwright) for end-to-end CORS tests.

API::

    from support.chromium import chromium_session, open_origin_page, static_page_app

    with chromium_session() as chromium:                # a ChromiumHandle (playwright runs in its own thread)
        with serve(static_page_app) as pages:           # pages for any *.localhost origin
            page = open_origin_page(chromium, pages.origin("app.localhost"))   # own browser context
            outcome = page.fetch("http://api.localhost:PORT/x", method="PUT",
                                 headers={"X-Token": "1"}, credentials="include")
            outcome.blocked, outcome.status, outcome.headers, outcome.text, outcome.error
            outcomes = page.fetch_all([(url, init), ...])         # concurrently, one page.evaluate
            groups = page.fetch_sequences([[(url, init), (None, {"sleep_ms": 6000}), (url, init)], ...])
                                                  # in order within a group; (None, ...) pauses
            page.evaluate("js expression or function", arg)   # anything else, in the page
            page.console                                   # Chromium's console messages (CORS errors)
            page.close()
        chromium.call(lambda browser: browser.version)     # raw playwright access, in its thread

With pytest, use the fixtures from ``tests/conftest.py`` instead: ``chromium`` (the session's
:class:`ChromiumHandle`) and ``page_on_origin`` (factory: ``page_on_origin("app.localhost")`` ->
:class:`OriginPage` served from ``http://app.localhost:<port of a session page server>``, closed at
teardown).

``init`` is a JavaScript ``RequestInit`` given as a dict (``method``, ``headers``, ``body``,
``credentials``, ``cache``, ``redirect``, ``mode``...). ``outcome.headers`` is what JavaScript can read:
``response.headers`` as a dict with lower-cased names (repeated headers already joined with ", ").
``blocked`` is True when ``fetch()`` rejected (a TypeError: CORS failure, network error...).

Each :class:`OriginPage` has its own browser context, hence its own CORS-preflight cache and cookies.

Why a thread: playwright's sync API keeps an event loop *running* in the thread that started it, so
``asyncio.run``/``anyio.run`` (and async pytest tests) would fail in that thread for the rest of the
session. Here playwright lives in a dedicated daemon thread and every call is handed to it, so the test
thread stays free for event loops, and pages can be used from sync and async tests alike.

The Chromium binary is ``$CORSKIT_CHROMIUM`` or ``chromium`` on PATH (``/usr/bin/chromium`` on Debian);
``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str:
    path = os.environ.get("CORSKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError(f"Chromium not found at {path!r}; install Debian's chromium (see scripts/test)")
    return path


class ChromiumHandle:
    """A headless Chromium owned by one daemon thread; :meth:`call` runs a function there."""

    def __init__(self, startup_timeout: float = 60.0, extra_args: tuple[str, ...] = ()) -> None:
        self._args = [*CHROMIUM_ARGS, *extra_args]
        self._jobs: queue.Queue[tuple[Callable[[Any], Any], Future[Any]] | None] = queue.Queue()
        self._ready: Future[str] = Future()
        self._thread = threading.Thread(target=self._serve, name="playwright-chromium", daemon=True)
        self._thread.start()
        self.version = self._ready.result(timeout=startup_timeout)

    def _serve(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_executable(), headless=True, args=self._args
                )
                self._ready.set_result(browser.version)
                try:
                    while (job := self._jobs.get()) is not None:
                        func, future = job
                        if future.set_running_or_notify_cancel():
                            try:
                                future.set_result(func(browser))
                            except BaseException as exc:  # handed back to the caller's thread
                                future.set_exception(exc)
                finally:
                    browser.close()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def call(self, func: Callable[[Any], T], timeout: float = 300.0) -> T:
        """Run ``func(playwright_browser)`` in the playwright thread and return its result (or raise)."""
        if not self._thread.is_alive():
            raise RuntimeError("the Chromium thread has stopped")
        future: Future[T] = Future()
        self._jobs.put((func, future))
        return future.result(timeout=timeout)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)


@contextmanager
def chromium_session(extra_args: tuple[str, ...] = ()) -> Iterator[ChromiumHandle]:
    """Start headless Chromium in its own thread (``extra_args`` after the usual flags); yields a handle."""
    handle = ChromiumHandle(extra_args=extra_args)
    try:
        yield handle
    finally:
        handle.close()


_BLANK_PAGE = b"<!doctype html><meta charset=utf-8><title>corskit test page</title><body></body>"


async def static_page_app(scope: Any, receive: Any, send: Any) -> None:
    """Tiny ASGI app: an empty HTML page at every path (never cached), to give a page an origin."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": _BLANK_PAGE})


@dataclass
class FetchOutcome:
    """What a page's ``fetch()`` gave: rejected (blocked) or a readable response."""

    blocked: bool
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    error: str | None = None


# Runs groups concurrently; the requests of one group one after the other (to observe the preflight cache).
FETCH_SCRIPT = """
async (groups) => {
  const one = async ([url, init]) => {
    try {
      const response = await fetch(url, init);
      const headers = {};
      response.headers.forEach((value, name) => { headers[name] = value; });
      const text = await response.text();
      return {blocked: false, status: response.status, headers, text, error: null};
    } catch (e) {
      return {blocked: true, status: null, headers: {}, text: "", error: String(e)};
    }
  };
  return await Promise.all(groups.map(async (group) => {
    const out = [];
    for (const item of group) {
      if (item[0] === null) {  // a pause: [null, {sleep_ms}]
        await new Promise((resolve) => setTimeout(resolve, item[1].sleep_ms));
        continue;
      }
      out.push(await one(item));
    }
    return out;
  }));
}
"""


class ThreadProxy:
    """Forwards attribute reads and method calls on a playwright object into the playwright thread.

    ``page.page.evaluate(...)`` and ``page.context.add_cookies(...)`` keep working from any thread.
    """

    def __init__(self, chromium: ChromiumHandle, target: Any) -> None:
        self._chromium = chromium
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = self._chromium.call(lambda _browser: getattr(self._target, name))
        if not callable(value):
            return value

        def call_in_thread(*args: Any, **kwargs: Any) -> Any:
            return self._chromium.call(lambda _browser: value(*args, **kwargs))

        return call_in_thread


class OriginPage:
    """A Chromium page whose document is at ``origin``; runs ``fetch()`` there.

    ``page.page`` / ``page.context`` give the playwright Page / BrowserContext through a
    :class:`ThreadProxy` (method calls run in the playwright thread).
    """

    def __init__(self, chromium: ChromiumHandle, origin: str) -> None:
        self.chromium = chromium
        self.origin = origin.rstrip("/")
        self.console: list[str] = []

        def open_page(browser: Any) -> tuple[Any, Any]:
            context = browser.new_context()
            page = context.new_page()
            page.on("console", lambda message: self.console.append(message.text))
            page.goto(self.origin + "/")
            return context, page

        self._context, self._page = chromium.call(open_page)
        self.page = ThreadProxy(chromium, self._page)
        self.context = ThreadProxy(chromium, self._context)

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """``page.evaluate(expression, arg)`` in the playwright thread."""
        return self.chromium.call(lambda _browser: self._page.evaluate(expression, arg))

    def fetch(self, url: str, **init: Any) -> FetchOutcome:
        return self.fetch_all([(url, init)])[0]

    def fetch_all(self, requests: list[tuple[str, dict[str, Any]]]) -> list[FetchOutcome]:
        """Run every ``fetch(url, init)`` concurrently in one evaluation; results in input order."""
        return [group[0] for group in self.fetch_sequences([[r] for r in requests])]

    def fetch_sequences(
        self, groups: list[list[tuple[str, dict[str, Any]]]] | list[list[tuple[str | None, dict[str, Any]]]]
    ) -> list[list[FetchOutcome]]:
        """Groups run concurrently; inside a group each fetch waits for the previous one.

        An item ``(None, {"sleep_ms": 6000})`` pauses the group (no outcome is returned for it).
        """
        raw = self.evaluate(FETCH_SCRIPT, [[[url, init] for url, init in g] for g in groups])
        return [[FetchOutcome(**item) for item in group] for group in raw]

    def close(self) -> None:
        self.chromium.call(lambda _browser: self._context.close())


def open_origin_page(chromium: ChromiumHandle, origin: str) -> OriginPage:
    """Open a fresh context and page showing a document of ``origin`` (served by ``static_page_app``)."""
    return OriginPage(chromium, origin)
