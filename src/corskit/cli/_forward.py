"""An ASGI app that forwards each request, byte for byte, to the real server over HTTP.

``corskit scan`` hands it to ``corskit.browser.AsyncBrowser(app=...)``: the browser decides every header
of every request and judges the answers, and this app only carries them, adding what the simulator does
not model: the visitor's cookie on credentialed requests (a browser sends its cookies with
``credentials: "include"``; some servers only reflect the origin when a ``Cookie`` is present). A
preflight never carries cookies (Fetch: CORS-preflight fetch uses credentials mode "omit").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

PROBE_COOKIE = "corskit_probe=1"
# Marks the answer this app gives when the real server could not be reached, so the scanner can tell a
# network error from a server's own 5xx.
NETWORK_ERROR_HEADER = "x-corskit-network-error"

Message = MutableMapping[str, Any]


class ForwardingApp:
    def __init__(self, *, timeout: float, cookie: str | None, verify: bool = True) -> None:
        import httpx

        self._httpx = httpx
        self._transport = httpx.AsyncHTTPTransport(verify=verify)
        self._timeout = timeout
        self._cookie = cookie

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def send(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One HTTP exchange, exactly these bytes (a Host header is added if missing). Raises
        :class:`NetworkError` when the server cannot be reached."""
        httpx = self._httpx
        target = httpx.URL(url)
        if not any(name == b"host" for name, _ in headers):
            headers = [(b"host", target.netloc), *headers]
        extensions: dict[str, Any] = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), self._timeout)}
        if target.host == "localhost" or target.host.endswith(".localhost"):
            # As browsers do (RFC 6761): *.localhost is the loopback address, whatever DNS says.
            if target.scheme == "https":
                extensions["sni_hostname"] = target.host
            target = target.copy_with(host="127.0.0.1")
        request = httpx.Request(method, target, headers=headers, content=body or None, extensions=extensions)
        request.method = method  # keep the browser's exact method bytes (httpx upper-cases)
        try:
            response = await self._transport.handle_async_request(request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except (httpx.HTTPError, OSError, ValueError) as error:
            raise NetworkError(" ".join(f"{type(error).__name__}: {error}".split())) from None
        return response.status_code, list(response.headers.raw), content

    async def __call__(
        self, scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] == "lifespan":
            # A forwarder has nothing to start or stop: say so at once, as a server's app would.
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]  # "startup" or "shutdown"
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        names = {name for name, _ in headers}
        is_preflight = scope["method"] == "OPTIONS" and b"access-control-request-method" in names
        if self._cookie and not is_preflight:
            headers.append((b"cookie", self._cookie.encode("latin-1")))
        host = next(value for name, value in headers if name == b"host").decode("latin-1")
        url = f"{scope['scheme']}://{host}{scope['raw_path'].decode('latin-1')}"
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        try:
            status, response_headers, content = await self.send(scope["method"], url, headers, body)
        except NetworkError as error:
            failure = [(NETWORK_ERROR_HEADER.encode(), str(error).encode("latin-1", "replace"))]
            await send({"type": "http.response.start", "status": 502, "headers": failure})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": content})


class NetworkError(Exception):
    """The server could not be reached (refused, unknown host, TLS, timeout); the message says how."""
