"""Fixtures for the corskit.browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser.browser_rig import Rig


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    for browser in made.browsers:
        browser.close()
