"""pytest plugin (registered through the ``pytest11`` entry point): the ``cors_browser`` fixture.

Usage in a user's test suite, with nothing to copy into a conftest::

    def test_spa_can_update_items(cors_browser):
        browser = cors_browser(app, origin="https://app.example.com")
        result = browser.fetch("/items/1", method="PUT",
                               headers={"Content-Type": "application/json"}, body="{}")
        assert not result.blocked, result.error

The fixture is a factory: ``cors_browser(app=None, *, origin, profile="chromium", **options)`` returns a
:class:`corskit.browser.Browser`; with ``app`` the requests go to the ASGI app in-process, without it
they go over the network (needs httpx2 or httpx, the ``corskit[browser]`` extra). Browsers are closed at
teardown, which runs the app's lifespan shutdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from corskit.browser import Browser


@pytest.fixture
def cors_browser() -> Iterator[Callable[..., Browser]]:
    """Factory fixture: ``cors_browser(app, origin="https://app.example.com", profile="chromium")``."""
    # Imported here, not at module level: the plugin loads in every pytest run of a project that has
    # corskit installed, and must cost nothing (and need no httpx) when the fixture is not used.
    from corskit.browser import Browser

    made: list[Browser] = []

    def make(app: Any = None, *, origin: str, profile: str = "chromium", **options: Any) -> Browser:
        browser = Browser(origin=origin, app=app, profile=profile, **options)
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.close()
