"""A scriptable server that answers with any status and any (possibly broken) headers, per request.

API::

    from support.cors_server import ScriptedServer, Answer

    app = ScriptedServer()
    app.script("case1", preflight=Answer(204, [("Access-Control-Allow-Origin", "$ORIGIN")]),
               actual=Answer(200, [("Access-Control-Allow-Origin", "*"), ("X-A", "1")], body="ok"))
    with serve(app) as server:
        url = server.url("/c/case1?run=a", host="api.localhost")
        ...
    app.received("case1")            # every request that reached /c/case1 (RecordedRequest), in order
    app.preflights("case1", query="run=a")   # only OPTIONS requests carrying Access-Control-Request-Method

``preflight`` answers OPTIONS requests that carry Access-Control-Request-Method; ``actual`` answers
every other request. Header lists are sent as given: repeated names become repeated header lines,
names and values keep their case (values lose leading/trailing whitespace, as HTTP parsing would).
Values may echo the request, so one script serves any origin or port:

    $ORIGIN / $ORIGIN_UPPER     the request's Origin header (upper-cased)
    $ACRM / $ACRM_UPPER / $ACRM_LOWER   its Access-Control-Request-Method
    $ACRH / $ACRH_UPPER         its Access-Control-Request-Headers
    $PORT                       the port this server listens on
    $QUERY                      the request's query string (to carry it through redirects)

Every answer carries ``Cache-Control: no-store`` unless it sets its own, so the HTTP cache never hides
a request. An unscripted path answers 404 with no CORS headers. The same app works in-process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from support.servers import RecordedRequest


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""


_EMPTY_BODY_STATUSES = frozenset({204, 304})


class ScriptedServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, tuple[Answer, Answer]] = {}
        self._received: dict[str, list[RecordedRequest]] = {}

    def script(self, case_id: str, *, preflight: Answer | None = None, actual: Answer | None = None) -> None:
        if "/" in case_id or "?" in case_id:
            raise ValueError("case ids must not contain '/' or '?'")
        with self._lock:
            self._scripts[case_id] = (preflight or Answer(404), actual or Answer(404))

    def received(self, case_id: str, *, query: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            records = list(self._received.get(case_id, []))
        return [r for r in records if query is None or r.query == query]

    def preflights(self, case_id: str, *, query: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.received(case_id, query=query)
            if r.method == "OPTIONS" and r.header("access-control-request-method") is not None
        ]

    @staticmethod
    def _fill(value: str, record: RecordedRequest, port: int) -> str:
        origin = record.header("origin") or ""
        acrm = record.header("access-control-request-method") or ""
        acrh = record.header("access-control-request-headers") or ""
        for token, replacement in (
            ("$ORIGIN_UPPER", origin.upper()),
            ("$ORIGIN", origin),
            ("$ACRM_UPPER", acrm.upper()),
            ("$ACRM_LOWER", acrm.lower()),
            ("$ACRM", acrm),
            ("$ACRH_UPPER", acrh.upper()),
            ("$ACRH", acrh),
            ("$PORT", str(port)),
            ("$QUERY", record.query),
        ):
            value = value.replace(token, replacement)
        return value.strip(" \t")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:  # drain the request body so the connection stays usable
            message = await receive()
            more = message.get("more_body", False)
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        record = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope["query_string"].decode("latin-1"),
            host=next((v for k, v in headers if k == "host"), ""),
            headers=headers,
        )
        parts = scope["path"].split("/")
        case_id = parts[2] if len(parts) >= 3 and parts[1] == "c" else ""
        with self._lock:
            self._received.setdefault(case_id, []).append(record)
            script = self._scripts.get(case_id)
        if script is None:
            answer = Answer(404, body="unscripted")
        else:
            is_preflight = record.method == "OPTIONS" and record.header("access-control-request-method") is not None
            answer = script[0] if is_preflight else script[1]
        port = (scope.get("server") or ("", 0))[1] or 0
        raw = [(k.encode("latin-1"), self._fill(v, record, port).encode("latin-1")) for k, v in answer.headers]
        if not any(k.lower() == b"cache-control" for k, _ in raw):
            raw.append((b"cache-control", b"no-store"))
        body = answer.body.encode("utf-8")
        if answer.status in _EMPTY_BODY_STATUSES or scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.start", "status": answer.status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
