"""Fixtures shared by every test directory. Keep small; the harness itself lives in tests/support/."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from support.chromium import ChromiumHandle, OriginPage, chromium_session, open_origin_page, static_page_app
from support.servers import ServerHandle, serve


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def chromium() -> Iterator[ChromiumHandle]:
    """The session's headless Chromium, running in its own thread (see tests/support/chromium.py)."""
    with chromium_session() as handle:
        yield handle


@pytest.fixture(scope="session")
def page_server() -> Iterator[ServerHandle]:
    """Serves an empty page at every path, for every ``*.localhost`` host name."""
    with serve(static_page_app) as server:
        yield server


@pytest.fixture
def page_on_origin(chromium: ChromiumHandle, page_server: ServerHandle) -> Iterator[Callable[[str], OriginPage]]:
    """Factory: ``page_on_origin("app.localhost")`` -> a page at ``http://app.localhost:<port>/``."""
    pages: list[OriginPage] = []

    def open_page(host: str = "app.localhost") -> OriginPage:
        page = open_origin_page(chromium, page_server.origin(host))
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()
