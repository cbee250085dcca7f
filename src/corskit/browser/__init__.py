"""``corskit.browser``: the browser's side of CORS, as a library.

A simulator of what ``fetch()`` in a page on a given origin is allowed to do and read, following the
Fetch standard (https://fetch.spec.whatwg.org/) -- CORS-safelisted methods and request headers,
CORS-preflight fetch, CORS check, CORS-preflight cache, CORS-exposed header names, redirects -- with
per-browser profiles. It judges any server: an ASGI app in-process, or anything reachable over HTTP.

    from corskit.browser import Browser

    browser = Browser(origin="https://app.example.com", app=asgi_app)
    result = browser.fetch("/items/1", method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    assert not result.blocked, result.error
"""

from __future__ import annotations

from ._browser import AsyncBrowser, Browser
from ._lifespan import LifespanFailed
from ._profiles import PROFILES, Profile
from ._result import Exchange, FetchResult, ReadableHeaders
from ._websocket import WebSocketResult

__all__ = [
    "PROFILES",
    "AsyncBrowser",
    "Browser",
    "Exchange",
    "FetchResult",
    "LifespanFailed",
    "Profile",
    "ReadableHeaders",
    "WebSocketResult",
]
