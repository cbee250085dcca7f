"""The public simulators: :class:`Browser` (sync) and :class:`AsyncBrowser` (async)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._algorithm import FetchContext, FetchGenerator, run_fetch
from ._origins import Origin, parse_origin, resolve_url
from ._preflight_cache import PreflightCache
from ._profiles import Profile, get_profile
from ._request import HeadersArg, RequestRefused, prepare_request
from ._result import FetchResult
from ._transport import AsgiTransport, HttpxTransport, LoopThread
from ._websocket import WebSocketResult, handshake_request, open_asgi, open_network, websocket_url
from ._wire import NetworkFailure, WireRequest, WireResponse

__all__ = ["AsyncBrowser", "Browser"]

DEFAULT_APP_BASE_URL = "http://testserver"


class _BaseBrowser:
    def __init__(
        self,
        origin: str,
        app: Any = None,
        *,
        profile: str | Profile = "chromium",
        base_url: str | None = None,
        clock: Callable[[], float] | None = None,
        timeout: float = 10.0,
        verify: Any = True,
        raise_app_exceptions: bool = True,
    ) -> None:
        self.origin: Origin = parse_origin(origin)
        self.profile: Profile = get_profile(profile)
        self.app = app
        self.preflight_cache: PreflightCache = PreflightCache(self.profile, clock)
        # With an app, bare paths go to the app's server; without one, they resolve against the page.
        if base_url is None:
            base_url = DEFAULT_APP_BASE_URL if app is not None else self.origin.serialize()
        if self.origin.opaque and app is None and base_url == "null":
            raise ValueError("with origin='null' and no app, pass base_url= to resolve relative URLs")
        self.base_url: str = resolve_url(base_url, DEFAULT_APP_BASE_URL) if base_url != "null" else DEFAULT_APP_BASE_URL
        self._timeout = timeout
        self._verify = verify
        self._asgi = AsgiTransport(app, raise_app_exceptions=raise_app_exceptions) if app is not None else None
        self._http: HttpxTransport | None = None if app is not None else HttpxTransport(timeout=timeout, verify=verify)
        self._context = FetchContext(
            origin=self.origin,
            profile=self.profile,
            cache=self.preflight_cache,
            user_agent=f"Mozilla/5.0 (compatible; corskit.browser; {self.profile.name} profile)",
        )

    def _start(self, url: str, init: dict[str, Any]) -> FetchGenerator | FetchResult:
        """The algorithm's generator, or an immediate blocked result when fetch() would throw.

        ``init`` holds fetch()'s keyword arguments (``prepare_request`` checks them).
        """
        absolute = resolve_url(url, self.base_url)
        try:
            prepared = prepare_request(profile=self.profile, **init)
        except RequestRefused as refused:
            return FetchResult(blocked=True, error=f"TypeError: {refused}")
        return run_fetch(self._context, absolute, prepared)

    def _websocket(self, url: str) -> Any:
        """The handshake coroutine for ``new WebSocket(url)`` in the page."""
        target = websocket_url(resolve_url(url, self.base_url) if "://" not in url else url)
        origin = "null" if self.origin.opaque else self.origin.serialize()
        headers = handshake_request(origin, self._context.user_agent)
        if self.app is not None:
            return open_asgi(self.app, target, headers)
        return open_network(target, headers, timeout=self._timeout, verify=self._verify)

    def __repr__(self) -> str:
        where = "in-process app" if self.app is not None else "network"
        origin = self.origin.serialize()
        return f"<{type(self).__name__} origin={origin!r} profile={self.profile.name!r} {where}>"


class Browser(_BaseBrowser):
    """A browser tab on ``origin`` that runs ``fetch()`` and applies CORS exactly as the profile's engine.

    ``Browser(origin="https://app.example.com")`` talks HTTP to real servers (needs httpx2 or httpx);
    ``Browser(origin=..., app=asgi_app)`` calls the ASGI app in-process (a bare path like ``"/items"``
    goes to ``http://testserver/items``; absolute URLs of any host also go to the app).
    ``profile`` is "chromium" (default), "firefox", "webkit" or "standard". The preflight cache lives as long as the
    Browser; ``clock`` (seconds) lets tests move time forward.
    """

    def __init__(self, origin: str, app: Any = None, **options: Any) -> None:
        super().__init__(origin, app, **options)
        self._loop = LoopThread()

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: HeadersArg = None,
        body: str | bytes | None = None,
        json: Any = None,
        credentials: str = "same-origin",
        mode: str = "cors",
        redirect: str = "follow",
        cache: str = "default",
    ) -> FetchResult:
        """Do what ``fetch(url, {method, headers, body, credentials, mode, redirect, cache})`` does."""
        started = self._start(
            url,
            dict(
                method=method,
                headers=headers,
                body=body,
                json=json,
                credentials=credentials,
                mode=mode,
                redirect=redirect,
                cache=cache,
            ),
        )
        if isinstance(started, FetchResult):
            return started
        try:
            wire = next(started)
            while True:
                wire = started.send(self._send(wire))
        except StopIteration as done:
            result: FetchResult = done.value
            return result

    def websocket(self, url: str) -> WebSocketResult:
        """Do what ``new WebSocket(url)`` does up to the open (or error) event: the opening handshake.

        No CORS applies: the handshake carries the page's ``Origin`` and the server decides. Relative URLs
        resolve like fetch()'s; http(s) URLs become ws(s). A bad URL raises ``ValueError`` (the constructor's
        SyntaxError).
        """
        result: WebSocketResult = self._loop.run(self._websocket(url))
        return result

    def _send(self, wire: WireRequest) -> WireResponse | NetworkFailure:
        if self._asgi is not None:
            return self._loop.run(self._asgi.send(wire))
        assert self._http is not None
        return self._http.send_sync(wire)

    def close(self) -> None:
        """Run the app's lifespan shutdown (if its startup ran), then free the loop and connections."""
        try:
            if self._asgi is not None and self._asgi.lifespan.running:
                self._loop.run(self._asgi.aclose())
        finally:
            self._loop.close()
            if self._http is not None:
                self._http.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncBrowser(_BaseBrowser):
    """:class:`Browser` for async code: same constructor, ``await browser.fetch(...)``."""

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: HeadersArg = None,
        body: str | bytes | None = None,
        json: Any = None,
        credentials: str = "same-origin",
        mode: str = "cors",
        redirect: str = "follow",
        cache: str = "default",
    ) -> FetchResult:
        started = self._start(
            url,
            dict(
                method=method,
                headers=headers,
                body=body,
                json=json,
                credentials=credentials,
                mode=mode,
                redirect=redirect,
                cache=cache,
            ),
        )
        if isinstance(started, FetchResult):
            return started
        try:
            wire = next(started)
            while True:
                wire = started.send(await self._send(wire))
        except StopIteration as done:
            result: FetchResult = done.value
            return result

    async def websocket(self, url: str) -> WebSocketResult:
        """:meth:`Browser.websocket`, awaited."""
        result: WebSocketResult = await self._websocket(url)
        return result

    async def _send(self, wire: WireRequest) -> WireResponse | NetworkFailure:
        if self._asgi is not None:
            return await self._asgi.send(wire)
        assert self._http is not None
        return await self._http.send(wire)

    async def aclose(self) -> None:
        if self._asgi is not None:
            await self._asgi.aclose()
        if self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncBrowser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
