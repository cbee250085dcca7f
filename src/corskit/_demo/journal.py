"""What the demo API received and answered, with corskit's reasons: for the page, and for the terminal.

:class:`Journal` wraps the whole API (outside corskit), so it sees each request as the browser sent it
and each answer as it left, preflights included -- which the page's JavaScript can never read itself.
Requests the page tags with ``?demo=ID`` are kept (the last few hundred) for ``/explain/log?id=ID``.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO
from urllib.parse import parse_qs

from corskit import CORSMiddleware, Explanation

from ..cli._output import style

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KEPT_IDS = 500
# The page's own bookkeeping: not printed, so the terminal shows the requests a person sent.
QUIET_PATHS = ("/explain/log",)


def printable(text: str, limit: int = 120) -> str:
    """A request value fit for one terminal line: control characters escaped (no forged lines, no colours)."""
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def explanation_json(result: Explanation) -> dict[str, Any]:
    return {
        "kind": result.kind,
        "allowed": result.allowed,
        "failures": [{"code": f.code, "message": f.message} for f in result.failures],
        "path_prefix": result.path_prefix,
    }


def _decode(pairs: list[tuple[bytes, bytes]] | list[list[bytes]]) -> list[list[str]]:
    return [[bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1")] for name, value in pairs]


def _header(headers: list[list[str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


class Journal:
    """ASGI wrapper: records each request and answer, explains it with ``explainer``, prints one line."""

    def __init__(self, out: TextIO | None = None, colour: bool = False) -> None:
        self.out = out if out is not None else sys.stdout
        self.colour = colour
        self.app: ASGIApp | None = None
        self.explainer: CORSMiddleware | None = None
        self._lock = threading.Lock()
        self._records: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def wrap(self, app: ASGIApp, explainer: CORSMiddleware) -> Journal:
        self.app, self.explainer = app, explainer
        return self

    def records(self, demo_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._records.get(demo_id, []))

    def _keep(self, demo_id: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._records.setdefault(demo_id, []).append(record)
            self._records.move_to_end(demo_id)
            while len(self._records) > KEPT_IDS:
                self._records.popitem(last=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None and self.explainer is not None
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_headers = _decode(scope["headers"])
        method = scope.get("method", "GET")
        path = scope["path"]
        explanation = await self.explainer.aexplain(method, path, [(k, v) for k, v in request_headers])
        record: dict[str, Any] = {
            "method": method if scope["type"] == "http" else "WEBSOCKET",
            "path": path,
            "origin": _header(request_headers, "origin"),
            "request_headers": request_headers,
            "status": None,
            "response_headers": [],
            "error": None,
            **explanation_json(explanation),
        }

        async def recording_send(message: Message) -> None:
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                record["status"] = message["status"]
                record["response_headers"] = _decode(list(message.get("headers", [])))
            elif kind == "websocket.accept":
                record["status"] = 101
                record["response_headers"] = _decode(list(message.get("headers", [])))
            elif kind == "websocket.close" and record["status"] is None:
                record["status"] = 403  # a close before accept: the server refuses the handshake with 403
            await send(message)

        demo_id = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("demo", [""])[0]
        if demo_id:
            # Kept now and filled in as the answer goes out: an open WebSocket is visible while it lasts.
            self._keep(demo_id, record)
        try:
            await self.app(scope, receive, recording_send)
        except Exception as exc:
            # corskit answered the 500 (or the framework did) and re-raised so that servers log it; the
            # demo logs it as one line instead of a traceback.
            record["error"] = f"{type(exc).__name__}: {exc}"
            if record["status"] is None:
                raise
        finally:
            if path not in QUIET_PATHS:
                self._print(record)

    def _print(self, record: dict[str, Any]) -> None:
        """One line: method, path, origin, decision, reason."""
        kind, allowed = record["kind"], record["allowed"]
        if kind == "not-cors":
            decision, colour = "no CORS (no Origin header)", "dim"
        elif allowed:
            decision, colour = f"{kind}: allowed", "green"
        else:
            decision, colour = f"{kind}: REFUSED", "red"
        if record["failures"]:
            reason = record["failures"][0]["message"]
        elif kind == "not-cors":
            reason = "same-origin or non-browser request: corskit adds nothing"
        elif record.get("path_prefix"):
            reason = f"{record['path_prefix']} allows every origin ('*', no credentials)"
        else:
            reason = "origin is in allow_origins"
        status = record["status"] if record["status"] is not None else "-"
        line = (
            f"{printable(record['method']):<9} {printable(record['path']):<14} {status!s:>3}  "
            f"origin={printable(record['origin'] or '-')}  "
            f"{style(decision, colour, colour=self.colour)}  {reason}"
        )
        if record["error"]:
            line += f"  [endpoint raised {record['error']}]"
        self.out.write(line + "\n")
        self.out.flush()
