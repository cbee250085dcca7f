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

    async def __call__(
        self, scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        httpx = self._httpx
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
        target = f"{scope['scheme']}://{host}{scope['raw_path'].decode('latin-1')}"
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        url = httpx.URL(target)
        extensions: dict[str, Any] = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), self._timeout)}
        if url.host == "localhost" or url.host.endswith(".localhost"):
            # As browsers do (RFC 6761): *.localhost is the loopback address, whatever DNS says.
            if url.scheme == "https":
                extensions["sni_hostname"] = url.host
            url = url.copy_with(host="127.0.0.1")
        request = httpx.Request(scope["method"], url, headers=headers, content=body or None, extensions=extensions)
        request.method = scope["method"]  # keep the browser's exact method bytes (httpx upper-cases)
        try:
            response = await self._transport.handle_async_request(request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except (httpx.HTTPError, OSError, ValueError) as error:
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            await send(
                {
                    "type": "http.response.start",
                    "status": 502,
                    "headers": [(NETWORK_ERROR_HEADER.encode(), reason.encode("latin-1", "replace"))],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.headers.raw})
        await send({"type": "http.response.body", "body": content})
