"""The demo API: the FastAPI lesson's example, configured as the lesson configures it, plus a few endpoints.

Each extra endpoint shows one thing the lesson talks about: a method that needs a preflight (PUT, DELETE),
a custom request header (preflight again), a cookie (credentials), an error (a 500 the page can still
read), a response header JavaScript may read only when exposed, and a WebSocket (no preflight at all,
only the handshake's Origin). ``/explain`` returns corskit's own explanation of a request.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from fastapi import FastAPI, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from corskit import CORSMiddleware
from corskit.browser import AsyncBrowser

from .journal import Journal, explanation_json

# The lesson's list, unchanged: four origins that differ by scheme, host or port.
LESSON_ORIGINS = (
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
)
EXPOSED_HEADER = "X-Total-Count"
HIDDEN_HEADER = "X-Internal-Trace"
CUSTOM_REQUEST_HEADER = "X-Demo-User"
COOKIE_NAME = "corskit_demo_visits"


def cors_options(page_origin: str) -> dict[str, Any]:
    """The keyword arguments given to CORSMiddleware: the lesson's, plus what the demo adds.

    Added: the playground page's origin (when it is not already the lesson's ``http://localhost:8080``),
    one exposed response header, and ``/explain`` open to every origin without credentials, so that the
    page on the refused origin can still ask the API what happened.
    """
    origins = list(LESSON_ORIGINS)
    if page_origin not in origins:
        origins.append(page_origin)
    return {
        "allow_origins": origins,
        "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": [EXPOSED_HEADER],
        "path_policies": {"/explain": {"allow_origins": ["*"]}},
    }


async def _no_app(scope: Any, receive: Any, send: Any) -> None:
    """The explaining twin never serves requests; it only answers aexplain()."""
    raise RuntimeError("not served")


def build_api(page_origin: str, journal: Journal) -> tuple[FastAPI, CORSMiddleware]:
    """The API app (middleware added as in the lesson) and a twin middleware used for explanations."""
    options = cors_options(page_origin)
    app = FastAPI(title="corskit demo API", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(CORSMiddleware, **options)
    # The same options compile to the same decisions; this instance answers explain()/aexplain().
    explainer = CORSMiddleware(_no_app, **options)

    @app.get("/")
    async def main() -> dict[str, str]:
        return {"message": "Hello World"}

    @app.put("/items/{item_id}")
    async def put_item(item_id: int, request: Request) -> dict[str, Any]:
        body = (await request.body()).decode("utf-8", "replace")
        return {"item_id": item_id, "updated": True, "body": body}

    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int) -> dict[str, Any]:
        return {"item_id": item_id, "deleted": True}

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        return {"x-demo-user": request.headers.get(CUSTOM_REQUEST_HEADER)}

    @app.get("/session")
    async def session(request: Request, response: Response) -> dict[str, Any]:
        # Reads the cookie the browser sent (only with credentials: "include"), then counts one more visit.
        received = request.cookies.get(COOKIE_NAME)
        visits = int(received) + 1 if received is not None and received.isdigit() else 1
        response.set_cookie(COOKIE_NAME, str(visits), httponly=True, samesite="lax", max_age=3600)
        return {"cookie_received": received, "cookie_set": f"{COOKIE_NAME}={visits}"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("this endpoint always fails, to show a 500")

    @app.get("/exposed")
    async def exposed(response: Response) -> dict[str, str]:
        response.headers[EXPOSED_HEADER] = "42"
        response.headers[HIDDEN_HEADER] = secrets.token_hex(4)
        return {"sent": f"{EXPOSED_HEADER}: 42 (exposed) and {HIDDEN_HEADER} (not exposed)"}

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    @app.get("/explain")
    async def explain(request: Request) -> JSONResponse:
        """corskit's explanation of a described request: ?method=PUT&path=/items/1&origin=...&header=N: v."""
        query = request.query_params
        headers = [tuple(item.split(":", 1)) for item in query.getlist("header") if ":" in item]
        pairs = [(name.strip(), value.strip()) for name, value in headers]
        if "origin" in query:
            pairs.append(("Origin", query["origin"]))
        result = await explainer.aexplain(query.get("method", "GET"), query.get("path", "/"), pairs)
        return JSONResponse(explanation_json(result))

    @app.get("/explain/log")
    async def explain_log(request: Request) -> JSONResponse:
        """What the API received and answered for the requests tagged ``?demo=ID``, with corskit's reasons."""
        query = request.query_params
        answer: dict[str, Any] = {"records": journal.records(query.get("id", ""))}
        origin = request.headers.get("origin")
        if "replay" in query and origin:
            answer.update(await console_message(app, origin, query["replay"]))
        return JSONResponse(answer)

    return app, explainer


async def console_message(app: FastAPI, origin: str, replay: str) -> dict[str, str | None]:
    """The console's words for a refused fetch(): the same request replayed in corskit's browser simulator.

    JavaScript only sees a bare TypeError ("Failed to fetch"); the reason goes to the console, which a
    page cannot read. The simulator (Chromium's wording) rebuilds it from the API's real answers.
    """
    try:
        spec = json.loads(replay)
        url, method = str(spec["url"]), str(spec.get("method", "GET"))
        headers = [(str(name), str(value)) for name, value in spec.get("headers", [])]
        credentials, body = str(spec.get("credentials", "same-origin")), spec.get("body")
        async with AsyncBrowser(origin=origin, app=app) as browser:
            result = await browser.fetch(
                url, method=method, headers=headers, credentials=credentials, body=None if body is None else str(body)
            )
    except (ValueError, KeyError, TypeError) as exc:
        return {"console": None, "fix": None, "replay_error": f"cannot replay this request: {exc}"}
    if not result.blocked or result.error is None:
        return {"console": None, "fix": None}
    console, _, fix = result.error.partition(" Fix: ")
    return {"console": console, "fix": fix or None}
