"""A real headless Chromium (the Debian package, driven by playwright) for end-to-end CORS tests.

API::

    from support.chromium import chromium_session, open_origin_page, PageServer

    with chromium_session() as browser:                 # playwright Browser (sync API)
        with serve(static_page_app) as pages:           # pages for any *.localhost origin
            page = open_origin_page(browser, pages.origin("app.localhost"))   # own browser context
            outcome = page.fetch("http://api.localhost:PORT/x", method="PUT",
                                 headers={"X-Token": "1"}, credentials="include")
            outcome.blocked, outcome.status, outcome.headers, outcome.text, outcome.error
            outcomes = page.fetch_all([(url, init), ...])         # concurrently, one page.evaluate
            groups = page.fetch_sequences([[(url, init), (None, {"sleep_ms": 6000}), (url, init)], ...])
                                                  # in order within a group; (None, ...) pauses
            page.console                                   # Chromium's console messages (CORS errors)
            page.close()

With pytest, use the fixtures from ``tests/conftest.py`` instead: ``chromium`` (session-scoped playwright
Browser) and ``page_on_origin`` (factory: ``page_on_origin("app.localhost")`` -> :class:`OriginPage`
served from ``http://app.localhost:<port of a session page server>``, closed at teardown).

``init`` is a JavaScript ``RequestInit`` given as a dict (``method``, ``headers``, ``body``,
``credentials``, ``cache``, ``redirect``, ``mode``...). ``outcome.headers`` is what JavaScript can read:
``response.headers`` as a dict with lower-cased names (repeated headers already joined with ", ").
``blocked`` is True when ``fetch()`` rejected (a TypeError: CORS failure, network error...).

Each :class:`OriginPage` has its own browser context, hence its own CORS-preflight cache and cookies.
Only sync tests can use it (playwright's sync API refuses to run inside a running asyncio loop).
The Chromium binary is ``$CORSKIT_CHROMIUM`` or ``chromium`` on PATH (``/usr/bin/chromium`` on Debian);
``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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


@contextmanager
def chromium_session() -> Iterator[Any]:
    """Start playwright and launch headless Chromium; yields a playwright ``Browser``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


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
_FETCH_SCRIPT = """
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


class OriginPage:
    """A Chromium page whose document is at ``origin``; runs ``fetch()`` there."""

    def __init__(self, context: Any, page: Any, origin: str) -> None:
        self.context = context
        self.page = page
        self.origin = origin
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(message.text))

    def fetch(self, url: str, **init: Any) -> FetchOutcome:
        return self.fetch_all([(url, init)])[0]

    def fetch_all(self, requests: list[tuple[str, dict[str, Any]]]) -> list[FetchOutcome]:
        """Run every ``fetch(url, init)`` concurrently in one evaluation; results in input order."""
        return [group[0] for group in self.fetch_sequences([[r] for r in requests])]

    def fetch_sequences(
        self, groups: list[list[tuple[str | None, dict[str, Any]]]]
    ) -> list[list[FetchOutcome]]:
        """Groups run concurrently; inside a group each fetch waits for the previous one.

        An item ``(None, {"sleep_ms": 6000})`` pauses the group (no outcome is returned for it).
        """
        raw = self.page.evaluate(_FETCH_SCRIPT, [[[url, init] for url, init in g] for g in groups])
        return [[FetchOutcome(**item) for item in group] for group in raw]

    def close(self) -> None:
        self.context.close()


def open_origin_page(browser: Any, origin: str) -> OriginPage:
    """Open a fresh context and page showing a document of ``origin`` (served by ``static_page_app``)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(origin.rstrip("/") + "/")
    return OriginPage(context, page, origin.rstrip("/"))
