"""Getting a :class:`~.wire.WireRequest` answered: by an ASGI app in-process, or over HTTP.

Real HTTP goes through httpx2 (the maintained continuation of httpx, which Starlette's TestClient also
wants), or httpx where httpx2 is not installed (Python 3.10, which httpx2 does not support). Either is
imported lazily, only by the network transports, so ``import corskit`` never needs them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ._lifespan import LifespanRunner
from ._wire import NetworkFailure, WireRequest, WireResponse

__all__ = ["AsgiTransport", "HttpxTransport", "LoopThread"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]
T = TypeVar("T")


class AsgiTransport:
    """Calls an ASGI 3 app directly, like a server would (one HTTP/1.1 request per call).

    The app's lifespan startup runs before its first request and its shutdown at :meth:`aclose`
    (see ``lifespan.py``). An exception from the app is raised to the caller, as Starlette's TestClient
    does; with ``raise_app_exceptions=False`` the client sees what uvicorn sends instead (a 500 with no
    CORS headers when nothing was sent yet), and the exception is kept in ``last_exception``.
    """

    def __init__(
        self, app: Any, *, client: tuple[str, int] = ("127.0.0.1", 50000), raise_app_exceptions: bool = True
    ) -> None:
        if not callable(app):
            raise ValueError(f"app must be an ASGI application (a callable), got {app!r}")
        self.app: ASGIApp = app
        self.client = client
        self.raise_app_exceptions = raise_app_exceptions
        self.lifespan = LifespanRunner(app)
        self.last_exception: BaseException | None = None

    async def send(self, wire: WireRequest) -> WireResponse | NetworkFailure:
        await self.lifespan.ensure_started()
        parts = urlsplit(wire.url)
        scheme = parts.scheme
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
        host_header = parts.netloc.rsplit("@", 1)[-1] if not default_port else host
        raw_path = parts.path or "/"
        from urllib.parse import unquote

        headers = [(b"host", host_header.encode("latin-1"))]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in wire.headers]
        if wire.body is not None:
            headers.append((b"content-length", str(len(wire.body)).encode()))
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": wire.method,
            "scheme": scheme,
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1", "replace"),
            "query_string": parts.query.encode("latin-1", "replace"),
            "root_path": "",
            "headers": headers,
            "client": self.client,
            "server": (host, port),
            "state": dict(self.lifespan.state),
            "extensions": {},
        }
        body = wire.body or b""
        request_sent = False
        disconnect = asyncio.Event()
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["status"] = int(message["status"])
                started["headers"] = [
                    (bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    disconnect.set()

        self.last_exception = None
        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # the app crashed: a server would answer 500 (or drop the connection)
            self.last_exception = exc
            if self.raise_app_exceptions:
                raise
            if not started:
                return WireResponse(500, (("content-type", "text/plain; charset=utf-8"),), b"Internal Server Error")
        finally:
            disconnect.set()
        if not started:
            return NetworkFailure("the ASGI app returned without sending a response (net::ERR_EMPTY_RESPONSE)")
        status = started["status"]
        return WireResponse(status, tuple(started["headers"]), b"".join(chunks))

    async def aclose(self) -> None:
        """Run the app's lifespan shutdown (if its startup ran)."""
        await self.lifespan.shutdown()


def _loopback_for(host: str) -> bool:
    # Browsers resolve "localhost" and every "*.localhost" name to the loopback address themselves
    # (RFC 6761, section 6.3), whatever the system resolver says; do the same.
    return host == "localhost" or host.endswith(".localhost")


def _import_httpx() -> Any:
    """httpx2 if installed, else httpx (they share one API)."""
    try:
        import httpx2

        return httpx2
    except ImportError:
        pass
    try:
        import httpx

        return httpx
    except ImportError:
        raise ImportError(
            "corskit.browser needs httpx2 (or httpx) to make real HTTP requests: pip install 'corskit[browser]' "
            "(or pass app= to test an ASGI app in-process)"
        ) from None


class HttpxTransport:
    """Real HTTP with httpx2's (or httpx's) transports (the ``corskit[browser]`` extra).

    The transports are used directly, not through ``httpx.Client``: a client adds its own headers and
    interprets ``Location`` itself (and chokes on one like ``data:...``), while here the Fetch algorithm
    decides everything and only the bytes travel. No cookies are kept.
    """

    def __init__(self, *, timeout: float = 10.0, verify: Any = True) -> None:
        httpx = _import_httpx()
        self._httpx = httpx
        self._timeout = timeout
        self._verify = verify
        self._sync: Any = None
        self._async: Any = None
        self._errors: tuple[type[BaseException], ...] = (
            httpx.HTTPError,
            httpx.InvalidURL,
            ValueError,
            OSError,
        )

    def _build(self, wire: WireRequest) -> Any:
        httpx = self._httpx
        url = httpx.URL(wire.url)
        # Header values are byte strings (JavaScript's ByteString): send them as latin-1 bytes.
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in wire.headers]
        timeout = self._timeout
        extensions: dict[str, Any] = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }
        if _loopback_for(url.host):
            headers.insert(0, (b"Host", url.netloc))
            if url.scheme == "https":
                extensions["sni_hostname"] = url.host
            url = url.copy_with(host="127.0.0.1")
        request = httpx.Request(wire.method, url, headers=headers, content=wire.body, extensions=extensions)
        # httpx upper-cases every method; a browser sends e.g. "patch" as written (Fetch only normalizes
        # DELETE, GET, HEAD, OPTIONS, POST and PUT), and servers may route on the exact bytes.
        request.method = wire.method
        return request

    @staticmethod
    def _headers(response: Any) -> tuple[tuple[str, str], ...]:
        return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)

    def send_sync(self, wire: WireRequest) -> WireResponse | NetworkFailure:
        if self._sync is None:
            self._sync = self._httpx.HTTPTransport(verify=self._verify)
        try:
            response = self._sync.handle_request(self._build(wire))
            try:
                body = response.read()
            finally:
                response.close()
        except self._errors as exc:
            return NetworkFailure(f"{type(exc).__name__}: {exc}")
        return WireResponse(response.status_code, self._headers(response), body)

    async def send(self, wire: WireRequest) -> WireResponse | NetworkFailure:
        if self._async is None:
            self._async = self._httpx.AsyncHTTPTransport(verify=self._verify)
        try:
            response = await self._async.handle_async_request(self._build(wire))
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except self._errors as exc:
            return NetworkFailure(f"{type(exc).__name__}: {exc}")
        return WireResponse(response.status_code, self._headers(response), body)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
            self._async = None
        self.close()


class LoopThread:
    """A private event loop in a daemon thread, so the sync Browser can call an async ASGI app from
    anywhere (including from inside someone else's running loop) and keep one loop for the app's state."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="corskit-browser-loop", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
