"""The playground page in a real Chromium: every preset, the verdict it shows against what the browser did.

One ``corskit demo`` process and one page serve the whole module (the presets run in order, like a person
clicking down the list); the terminal lines and Ctrl-C are checked at the end on the same process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.chromium import ChromiumHandle

from .demo_process import DemoProcess, start_demo

pytestmark = pytest.mark.chromium


class Playground:
    """The allowed page in its own browser context, with Chromium's console messages and failed requests."""

    def __init__(self, chromium: ChromiumHandle, url: str, color_scheme: str = "light") -> None:
        self.chromium = chromium
        self.console: list[str] = []

        def open_page(browser: Any) -> tuple[Any, Any]:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=color_scheme)
            page = context.new_page()
            page.on("console", lambda message: self.console.append(message.text))
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']")
            return context, page

        self.context, self.page = chromium.call(open_page)

    def run(self, func: Any) -> Any:
        return self.chromium.call(lambda _browser: func(self.page))

    def act(self, action: Any) -> dict[str, Any]:
        """Run ``action(page)`` (clicks, keys), wait until the page shows a new result, return what it shows."""

        def run(page: Any) -> dict[str, Any]:
            before = page.evaluate("document.body.dataset.lastRun || ''")
            self.console.clear()
            action(page)
            page.wait_for_function(
                "(before) => (document.body.dataset.lastRun || '') !== before", arg=before, timeout=15000
            )
            return page.evaluate(
                """() => ({
                    browser: document.getElementById('browser-verdict').dataset.verdict,
                    browserText: document.getElementById('browser-verdict').textContent,
                    server: document.getElementById('server-verdict').dataset.verdict,
                    serverText: document.getElementById('server-details').innerText,
                    details: document.getElementById('browser-details').innerText,
                    console: document.getElementById('console-message')?.textContent ?? null,
                    why: document.getElementById('why-list').innerText,
                })"""
            )

        return self.chromium.call(lambda _browser: run(self.page))

    def click_preset(self, preset: str) -> dict[str, Any]:
        """Click a preset like a person would; what the page then shows."""
        return self.act(lambda page: page.click(f"button[data-preset='{preset}']"))

    def screenshot(self, path: Path) -> None:
        self.run(lambda page: page.screenshot(path=str(path), full_page=True))

    def close(self) -> None:
        self.chromium.call(lambda _browser: self.context.close())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    process = start_demo(tmp_path_factory.mktemp("demo"))
    yield process
    process.kill()


@pytest.fixture(scope="module")
def playground(chromium: ChromiumHandle, demo: DemoProcess) -> Iterator[Playground]:
    page = Playground(chromium, demo.allowed_page + "/")
    yield page
    page.close()


def cors_errors(console: list[str]) -> list[str]:
    return [line for line in console if "blocked by CORS policy" in line]


def test_page_says_which_origin_it_is_on(playground: Playground, demo: DemoProcess) -> None:
    where = playground.run(lambda page: page.inner_text("#where"))
    assert demo.allowed_page in where and "an allowed origin" in where
    assert demo.refused_page in where


def test_the_page_loads_nothing_from_outside_the_demo(chromium: ChromiumHandle, demo: DemoProcess) -> None:
    requested: list[str] = []

    def load(browser: Any) -> None:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(demo.allowed_page + "/?run=simple-get,refused")
            page.wait_for_function("document.getElementById('browser-verdict').dataset.verdict === 'blocked'")
        finally:
            context.close()

    chromium.call(load)
    ours = (demo.allowed_page + "/", demo.refused_page + "/", demo.api + "/")
    assert {url.split("?")[0] for url in requested} >= {demo.allowed_page + "/demo.css", demo.allowed_page + "/demo.js"}
    assert [url for url in requested if not url.startswith(ours)] == []


def test_every_control_is_labelled_and_reachable_by_tab(playground: Playground) -> None:
    def check(page: Any) -> tuple[list[str], list[str], list[str]]:
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')]
                .filter((el) => !el.closest('[hidden]'))
                .filter((el) => !(el.labels && el.labels.length) && !el.textContent.trim())
                .filter((el) => !el.getAttribute('aria-label'))
                .map((el) => el.outerHTML)"""
        )
        wanted = page.evaluate(
            """() => [...document.querySelectorAll('.preset, .request-form :is(select, input, textarea, button)')]
                .map((el) => el.dataset.preset || el.id)"""
        )
        page.focus("body")
        reached = []
        for _ in range(40):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.dataset.preset || document.activeElement.id"))
        return unlabelled, wanted, reached

    unlabelled, wanted, reached = playground.run(check)
    assert unlabelled == []
    # Seven presets, then method, path, headers, body, credentials, sender and the send button.
    assert len(wanted) == 14 and set(wanted) <= set(reached)


def test_the_allowed_port_by_ip_address_is_another_origin(chromium: ChromiumHandle, demo: DemoProcess) -> None:
    # Same server, same port, but http://127.0.0.1:PORT is not http://localhost:PORT: the page must say so.
    page = Playground(chromium, f"http://127.0.0.1:{demo.page_port}/")
    try:
        where = page.run(lambda p: p.inner_text("#where"))
        assert "NOT an allowed origin" in where
        shown = page.click_preset("simple-get")
        assert shown["browser"] == "blocked" and shown["server"] == "blocked"
        assert cors_errors(page.console) == [shown["console"]]
    finally:
        page.close()


def test_simple_get(playground: Playground, demo: DemoProcess) -> None:
    shown = playground.click_preset("simple-get")
    assert shown["browser"] == "read" and shown["server"] == "read"
    assert json.loads(re.search(r"\{.*\}", shown["details"]).group()) == {"message": "Hello World"}
    assert cors_errors(playground.console) == []
    assert "Simple request" in shown["why"] and "needs no preflight" in shown["why"]
    assert f"access-control-allow-origin\t{demo.allowed_page}" in shown["serverText"]


def test_preflighted_put_with_a_custom_header(playground: Playground, demo: DemoProcess) -> None:
    shown = playground.click_preset("preflight-put")
    assert shown["browser"] == "read", shown
    assert cors_errors(playground.console) == []
    # The page shows both exchanges: the preflight (which JavaScript never sees) and the PUT.
    assert "OPTIONS /items/1 → 200" in shown["serverText"] and "PUT /items/1 → 200" in shown["serverText"]
    assert "access-control-request-headers\tcontent-type,x-demo-user" in shown["serverText"]
    assert "the method PUT is not one of the simple methods" in shown["why"]
    assert "the header X-Demo-User is not a CORS-safelisted request header" in shown["why"]
    assert "Access-Control-Max-Age: 600 lets the browser reuse this approval for 600 seconds" in shown["why"]
    assert '"updated": true' in shown["details"] or '"updated":true' in shown["details"]


def test_credentialed_request_sends_the_cookie_back(playground: Playground) -> None:
    first = playground.click_preset("cookie")
    second = playground.click_preset("cookie")
    assert first["browser"] == second["browser"] == "read"
    body = json.loads(re.search(r"\{.*\}", second["details"]).group())
    assert body["cookie_received"] is not None and body["cookie_received"].isdigit()
    assert "The browser sent the cookie corskit_demo_visits=" in second["why"]
    assert "access-control-allow-credentials\ttrue" in second["serverText"]


def test_endpoint_that_raises_is_a_readable_500(playground: Playground) -> None:
    shown = playground.click_preset("boom")
    assert shown["browser"] == "read"
    assert "500" in shown["browserText"]
    assert "Internal Server Error" in shown["details"]
    assert "RuntimeError" in shown["serverText"]
    assert cors_errors(playground.console) == []


def test_exposed_header_is_readable_and_the_other_is_not(playground: Playground) -> None:
    shown = playground.click_preset("exposed")
    assert shown["browser"] == "read"
    readable, _, hidden = shown["details"].partition("hidden from JavaScript")
    assert "x-total-count\t42" in readable
    assert "x-internal-trace" not in readable.lower() and "X-Internal-Trace".lower() in hidden.lower()


def test_websocket_echo(playground: Playground) -> None:
    shown = playground.click_preset("websocket")
    assert shown["browser"] == "read"
    assert "received hello, corskit" in shown["details"]
    assert "WEBSOCKET /ws → 101" in shown["serverText"]
    assert "never preflight a WebSocket" in shown["why"]


def test_from_a_refused_origin(playground: Playground, demo: DemoProcess) -> None:
    shown = playground.click_preset("refused")
    assert shown["browser"] == "blocked" and shown["server"] == "blocked"
    # What the page shows as the console message is what Chromium itself logged.
    logged = cors_errors(playground.console)
    assert len(logged) == 1, playground.console
    assert shown["console"] == logged[0]
    assert f"from origin '{demo.refused_page}'" in logged[0]
    assert "origin-not-allowed" in shown["serverText"]
    assert "the server did receive and run this request" in shown["why"]


def test_form_by_keyboard_websocket_from_the_refused_origin(playground: Playground, demo: DemoProcess) -> None:
    """Fill the form with the keyboard only and send it with Enter: a WebSocket from the refused origin."""

    def type_it(page: Any) -> None:
        page.focus("#method")
        page.keyboard.press("W")  # a closed select jumps to the option starting with the typed letter
        for key in ["Tab", "Control+A", *"/ws", "Tab", "Tab", "Tab", "Tab", "ArrowDown", "Tab"]:
            page.keyboard.press(key)
        assert page.evaluate("document.activeElement.id") == "send"
        assert page.evaluate("[method.value, path.value, sender.value]") == ["WEBSOCKET", "/ws", "refused"]
        page.keyboard.press("Enter")

    shown = playground.act(type_it)
    assert shown["browser"] == "blocked" and shown["server"] == "blocked"
    assert "WEBSOCKET /ws → 403" in shown["serverText"] and "websocket-origin-refused" in shown["serverText"]
    # The console line the page shows is the one Chromium logged.
    logged = [line for line in playground.console if line.startswith("WebSocket connection to")]
    assert logged == [shown["console"]], playground.console
    assert f"origin '{demo.refused_page}' refused" in shown["serverText"]


def test_form_delete_from_the_refused_origin_stops_at_the_preflight(playground: Playground) -> None:
    def fill(page: Any) -> None:
        page.select_option("#method", "DELETE")
        page.fill("#path", "/items/7")
        page.fill("#headers", "")
        page.select_option("#credentials", "include")
        page.select_option("#sender", "refused")
        page.click("#send")

    shown = playground.act(fill)
    assert shown["browser"] == "blocked" and shown["server"] == "blocked"
    assert "OPTIONS /items/7" in shown["serverText"] and "DELETE /items/7" not in shown["serverText"]
    assert "The DELETE itself was never sent" in shown["serverText"]
    assert cors_errors(playground.console) == [shown["console"]]
    assert "Response to preflight request doesn't pass access control check" in shown["console"]


def test_screenshots_light_and_dark(
    chromium: ChromiumHandle, playground: Playground, demo: DemoProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("screenshots")
    playground.screenshot(shots / "light-refused.png")
    dark = Playground(chromium, demo.allowed_page + "/", color_scheme="dark")
    try:
        shown = dark.click_preset("preflight-put")
        assert shown["browser"] == "read"
        # The dark scheme really applies: the page background is dark, not the light default.
        background = dark.run(lambda page: page.evaluate("getComputedStyle(document.body).backgroundColor"))
        assert sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 150, background
        dark.screenshot(shots / "dark-preflight.png")
    finally:
        dark.close()
    for name in ("light-refused.png", "dark-preflight.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshots in {shots}")


def test_terminal_lines_and_ctrl_c(playground: Playground, demo: DemoProcess) -> None:
    # Runs last in this module: reads the lines the presets above printed, then stops the process.
    def line_for(method: str, path: str, origin: str) -> str:
        return demo.wait_for_line(method, path, containing=f"origin={origin}")

    assert "simple: allowed" in line_for("GET", "/", demo.allowed_page)
    assert "preflight: allowed" in line_for("OPTIONS", "/items/1", demo.allowed_page)
    assert "simple: allowed" in line_for("PUT", "/items/1", demo.allowed_page)
    assert "RuntimeError" in line_for("GET", "/boom", demo.allowed_page)
    assert "websocket: allowed" in line_for("WEBSOCKET", "/ws", demo.allowed_page)
    refused = line_for("GET", "/", demo.refused_page)
    assert "simple: REFUSED" in refused and "not allowed: add it to allow_origins" in refused
    assert "/explain/log" not in demo.stdout()

    assert demo.interrupt() == 0
    assert demo.stdout().rstrip().endswith("corskit demo: stopped")
    assert "Traceback" not in demo.stderr() and demo.stderr().strip() == ""
