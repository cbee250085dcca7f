"""The playground page's server: the files in ``static/``, with the demo's addresses filled in.

The same page is served on two origins: the allowed one (``http://localhost:PAGE_PORT``, which the API
lists) and a refused one (the next port: a different port is a different origin, as the lesson says).
"""

from __future__ import annotations

import html
import json
import mimetypes
from importlib import resources
from typing import Any

from .journal import Receive, Scope, Send

STATIC_FILES = ("index.html", "demo.css", "demo.js")
MAX_REPORT = 256 * 1024
KEPT_REPORTS = 20


def _load(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


class PageServer:
    """Serves the playground: ``/`` is ``index.html`` with the API's and both pages' origins filled in."""

    def __init__(self, *, role: str, api_origin: str, allowed_page: str, refused_page: str) -> None:
        values = {
            "ROLE": role,
            "API_ORIGIN": api_origin,
            "ALLOWED_PAGE": allowed_page,
            "REFUSED_PAGE": refused_page,
        }
        page = _load("index.html").decode("utf-8")
        for name, value in values.items():
            page = page.replace("{{" + name + "}}", html.escape(value))
        self.reports: list[Any] = []
        self.files: dict[str, tuple[bytes, str]] = {"/": (page.encode("utf-8"), "text/html; charset=utf-8")}
        for name in STATIC_FILES[1:]:
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.files["/" + name] = (_load(name), f"{kind}; charset=utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/report":
            await self._report(scope, receive, send)
            return
        found = self.files.get(scope["path"])
        status, (body, kind) = (200, found) if found else (404, (b"not found\n", "text/plain; charset=utf-8"))
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", kind.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def _report(self, scope: Scope, receive: Receive, send: Send) -> None:
        """POST: a page opened with ``?run=...&report=1`` hands in what it showed. GET: the reports so far."""
        if scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if len(body) > MAX_REPORT or not message.get("more_body"):
                    break
            try:
                report = json.loads(body) if len(body) <= MAX_REPORT else None
            except ValueError:
                report = None
            if report is not None:
                self.reports = [*self.reports[-(KEPT_REPORTS - 1) :], report]
        answer = json.dumps(self.reports).encode()
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


def page_origin(host: str, port: int) -> str:
    """The origin a person types: ``localhost`` for the loopback addresses (the name the lesson uses)."""
    shown = "localhost" if host in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"
