"""debug=True in a real Chromium: the console names the failing check, and nothing more is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.chromium import OriginPage
from support.servers import RecordingApp, serve

from corskit import CORSMiddleware

pytestmark = pytest.mark.chromium


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b"reached"})


CASES = [
    # (fetch init, what the console says without debug, what it says with debug)
    ({"method": "PUT"}, "does not have HTTP ok status", "Method PUT is not allowed by Access-Control-Allow-Methods"),
    (
        {"method": "GET", "headers": {"X-Token": "1"}},
        "does not have HTTP ok status",
        "Request header field x-token is not allowed by Access-Control-Allow-Headers",
    ),
]


@pytest.mark.parametrize(("init", "plain_message", "debug_message"), CASES)
def test_debug_makes_the_console_name_the_failing_check(
    page_on_origin: Callable[[str], OriginPage], init: dict[str, Any], plain_message: str, debug_message: str
) -> None:
    for debug, expected in ((False, plain_message), (True, debug_message)):
        recorder = RecordingApp(CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "POST"], debug=debug))
        with serve(recorder) as server:
            page = page_on_origin("app.localhost")
            outcome = page.fetch(server.url("/x", host="api.localhost"), **init)
            assert outcome.blocked, f"debug={debug}: the browser must still refuse the request"
            console = " ".join(page.console)
            assert expected in console, f"debug={debug}: {page.console}"
            # Only the preflight reached the server: the actual request was never sent.
            assert [r.method for r in recorder.requests] == ["OPTIONS"]


def test_debug_keeps_a_refused_origin_refused(page_on_origin: Callable[[str], OriginPage]) -> None:
    recorder = RecordingApp(CORSMiddleware(app, allow_origins=["http://other.localhost"], debug=True))
    with serve(recorder) as server:
        page = page_on_origin("app.localhost")
        outcome = page.fetch(server.url("/x", host="api.localhost"), method="PUT")
        assert outcome.blocked
        assert "No 'Access-Control-Allow-Origin' header is present" in " ".join(page.console)
        assert [r.method for r in recorder.requests] == ["OPTIONS"]
