"""The shared Chromium harness itself (tests/support): if these fail, every Chromium test is suspect."""

from __future__ import annotations

import pytest
from support.servers import RecordingApp, serve


async def _app(scope, receive, send):  # type: ignore[no-untyped-def]
    assert scope["type"] == "http"
    headers = [(b"content-type", b"text/plain"), (b"x-secret", b"s")]
    if scope["path"] == "/open":
        headers += [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"x-secret")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.mark.chromium
def test_cross_origin_fetch_blocked_without_acao_and_allowed_with_it(page_on_origin):
    recorder = RecordingApp(_app)
    with serve(recorder) as server:
        page = page_on_origin("app.localhost")
        api = "api.localhost"
        closed, opened = page.fetch_all([(server.url("/closed", host=api), {}), (server.url("/open", host=api), {})])
    assert closed.blocked and closed.status is None
    assert "TypeError" in (closed.error or "")
    assert not opened.blocked
    assert (opened.status, opened.text) == (200, "hello")
    assert opened.headers["x-secret"] == "s"
    # Both requests reached the server, each with the page's origin (api.localhost is cross-origin).
    origins = {r.path: r.header("origin") for r in recorder.requests}
    assert origins == {"/closed": page.origin, "/open": page.origin}
    assert any("CORS" in line for line in page.console)


@pytest.mark.chromium
def test_same_origin_fetch_reads_every_header(page_on_origin, page_server):
    page = page_on_origin("app.localhost")
    outcome = page.fetch(page_server.url("/anything", host="app.localhost"))
    assert not outcome.blocked
    assert outcome.headers["cache-control"] == "no-store"
    assert outcome.headers["content-type"].startswith("text/html")


@pytest.mark.chromium
def test_sequences_run_in_order(page_on_origin):
    recorder = RecordingApp(_app)
    with serve(recorder) as server:
        page = page_on_origin("app.localhost")
        urls = [server.url(f"/open?n={i}", host="api.localhost") for i in range(3)]
        [group] = page.fetch_sequences([[(u, {"cache": "no-store"}) for u in urls]])
    assert [o.status for o in group] == [200, 200, 200]
    assert [r.query for r in recorder.requests] == ["n=0", "n=1", "n=2"]
