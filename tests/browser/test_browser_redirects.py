"""Fetch 4.4 "HTTP-redirect fetch" as seen by CORS: every hop is checked, origins get tainted."""

from __future__ import annotations

from support.cors_server import Answer

from browser.browser_rig import API, PAGE, Rig, allow

OTHER = "https://other.example"


def _redirect(
    rig: Rig,
    location: str,
    status: int = 302,
    *,
    acao: bool = True,
    preflight: list[tuple[str, str]] | None = None,
) -> str:
    headers = ([*allow()] if acao else []) + [("Location", location)]
    return rig.endpoint(Answer(status, headers), preflight)


def test_each_hop_needs_its_own_cors_check(rig: Rig) -> None:
    target = rig.endpoint(allow())
    # Fetch: HTTP fetch step 4.3 runs the CORS check on the redirect response itself.
    url = _redirect(rig, target, acao=False)
    result = rig.browser().fetch(url)
    assert result.blocked and len(result.exchanges) == 1
    url = _redirect(rig, target)
    result = rig.browser().fetch(url)
    assert not result.blocked and result.redirected and result.url == target
    assert [e.url for e in result.exchanges] == [url, target]


def test_target_without_cors_headers_blocks(rig: Rig) -> None:
    target = rig.endpoint([])
    result = rig.browser().fetch(_redirect(rig, target))
    assert result.blocked and len(result.exchanges) == 2


def test_cross_origin_redirect_from_a_cross_origin_url_taints_the_origin(rig: Rig) -> None:
    # "If request's current URL's origin is not same origin with locationURL's origin and request's origin
    # is not same origin with request's current URL's origin, then set request's tainted origin flag."
    target_id = "tainted-target"
    rig.server.script(target_id, actual=Answer(200, [("Access-Control-Allow-Origin", "null")], body="t"))
    target = f"{OTHER}/c/{target_id}"
    result = rig.browser().fetch(_redirect(rig, target))
    assert not result.blocked, result.error
    assert result.exchanges[1].request_header("Origin") == "null"
    rig.server.script(target_id, actual=Answer(200, allow(), body="t"))
    assert rig.browser().fetch(_redirect(rig, target)).blocked  # the page origin no longer matches


def test_same_origin_redirect_keeps_the_origin(rig: Rig) -> None:
    target = rig.endpoint(allow())
    result = rig.browser().fetch(_redirect(rig, target))
    assert result.exchanges[1].request_header("Origin") == PAGE


def test_redirect_to_the_page_origin_stays_a_cors_request(rig: Rig) -> None:
    # Response tainting stays "cors": the page's own server must now allow the tainted origin "null".
    target_id = "back-home"
    rig.server.script(target_id, actual=Answer(200, [("X-Private", "p")], body="home"))
    result = rig.browser().fetch(_redirect(rig, f"{PAGE}/c/{target_id}"))
    assert result.blocked
    assert result.exchanges[1].request_header("Origin") == "null"


def test_same_origin_request_redirected_cross_origin_becomes_cors(rig: Rig) -> None:
    # The page is on API: the first hop is same-origin (no CORS, no ACAO needed), the second is not.
    cross_id = "cross-target"
    rig.server.script(
        cross_id,
        preflight=Answer(204, [*allow(API), ("Access-Control-Allow-Headers", "x-token")]),
        actual=Answer(200, allow(API), body="x"),
    )
    url = _redirect(rig, f"{OTHER}/c/{cross_id}", acao=False)
    result = rig.browser(origin=API).fetch(url, headers={"X-Token": "1"})
    assert not result.blocked, result.error
    assert [e.kind for e in result.exchanges] == ["request", "preflight", "request"]
    # Not tainted: the request's origin was same origin with the redirecting URL.
    assert result.exchanges[1].request_header("Origin") == API
    assert result.response_type == "cors"


def test_preflighted_request_redirect_is_followed_with_a_new_preflight(rig: Rig) -> None:
    # Chromium 156 follows a 307 after a successful preflight and preflights the new URL (see
    # test_browser_vs_chromium.py, redirect cases); the standard does the same.
    target = rig.endpoint(allow(), allow(allow_methods="PUT"))
    url = _redirect(rig, target, 307, preflight=allow(allow_methods="PUT"))
    result = rig.browser().fetch(url, method="PUT", body="x")
    assert not result.blocked, result.error
    assert [(e.kind, e.method) for e in result.exchanges] == [
        ("preflight", "OPTIONS"),
        ("request", "PUT"),
        ("preflight", "OPTIONS"),
        ("request", "PUT"),
    ]
    assert result.exchanges[3].request_body == b"x"


def test_303_turns_the_request_into_a_get_without_body_headers(rig: Rig) -> None:
    target = rig.endpoint(allow())
    url = _redirect(rig, target, 303, preflight=allow(allow_methods="PUT", allow_headers="content-type"))
    result = rig.browser().fetch(url, method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    assert not result.blocked, result.error
    final = result.exchanges[-1]
    assert (final.method, final.request_body, final.request_header("Content-Type")) == ("GET", None, None)
    assert [e.kind for e in result.exchanges] == ["preflight", "request", "request"]  # GET needs no preflight


def test_302_turns_post_into_get_but_307_keeps_it(rig: Rig) -> None:
    target = rig.endpoint(allow())
    assert rig.browser().fetch(_redirect(rig, target, 302), method="POST", body="b").exchanges[-1].method == "GET"
    assert rig.browser().fetch(_redirect(rig, target, 307), method="POST", body="b").exchanges[-1].method == "POST"


def test_cross_origin_redirect_drops_authorization(rig: Rig) -> None:
    cross_id = "auth-target"
    rig.server.script(cross_id, actual=Answer(200, [("Access-Control-Allow-Origin", "*")], body="x"))
    url = _redirect(rig, f"{OTHER}/c/{cross_id}", preflight=allow(allow_headers="authorization"))
    result = rig.browser().fetch(url, headers={"Authorization": "secret"})
    assert not result.blocked, result.error
    assert result.exchanges[1].request_header("Authorization") == "secret"
    assert result.exchanges[-1].request_header("Authorization") is None
    assert [e.kind for e in result.exchanges] == ["preflight", "request", "request"]


def test_redirect_modes(rig: Rig) -> None:
    target = rig.endpoint(allow())
    error = rig.browser().fetch(_redirect(rig, target), redirect="error")
    assert error.blocked and len(error.exchanges) == 1
    manual = rig.browser().fetch(_redirect(rig, target), redirect="manual")
    assert (manual.blocked, manual.status, manual.response_type, len(manual.headers)) == (
        False,
        0,
        "opaqueredirect",
        0,
    )


def test_redirect_loops_stop_after_twenty(rig: Rig) -> None:
    loop_id = "loop"
    rig.server.script(loop_id, actual=Answer(302, [*allow(), ("Location", f"{API}/c/{loop_id}")]))
    result = rig.browser().fetch(f"{API}/c/{loop_id}")
    assert result.blocked and len(result.exchanges) == 21


def test_redirect_to_a_non_http_url_or_with_credentials_is_blocked(rig: Rig) -> None:
    assert rig.browser().fetch(_redirect(rig, "ftp://files.example/x")).blocked
    credentials = rig.browser().fetch(_redirect(rig, "https://user:pw@api.example/c/x"))
    assert credentials.blocked and credentials.error is not None and "username and password" in credentials.error


def test_a_3xx_without_location_is_a_plain_response(rig: Rig) -> None:
    url = rig.endpoint(Answer(302, allow(), body="no location"))
    result = rig.browser().fetch(url)
    assert (result.blocked, result.status, result.text) == (False, 302, "no location")


def test_empty_location_chromium_returns_the_redirect_the_standard_loops(rig: Rig) -> None:
    url = rig.endpoint(Answer(302, [*allow(), ("Location", "")], body="empty"))
    chromium = rig.browser("chromium").fetch(url)
    assert (chromium.blocked, chromium.status, chromium.text) == (False, 302, "empty")
    standard = rig.browser("firefox").fetch(url)  # "" parses to the same URL: a loop, stopped after 20
    assert standard.blocked and len(standard.exchanges) == 21
