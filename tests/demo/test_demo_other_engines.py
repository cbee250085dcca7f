"""The playground in Firefox ESR (headless) and WebKitGTK (MiniBrowser under Xvfb), the Debian packages.

Neither is driven by playwright here: each browser opens the page with ``?run=PRESETS&report=1``, the page
clicks through the presets itself and POSTs what it showed to ``/report`` on its own origin, and the test
reads that back. Each browser is started in its own session and stopped by its pid (its process group).
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .demo_process import DemoProcess, start_demo

PRESETS = ["simple-get", "preflight-put", "cookie", "cookie", "boom", "exposed", "websocket", "refused"]
# Debian's webkit2gtk-driver package brings MiniBrowser under the architecture's library directory.
MINIBROWSERS = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    process = start_demo(tmp_path_factory.mktemp("demo-engines"))
    yield process
    process.kill()


def reports(demo: DemoProcess) -> list[Any]:
    with urllib.request.urlopen(demo.allowed_page + "/report", timeout=10) as response:
        return list(json.load(response))


def run_in(command: list[str], demo: DemoProcess, timeout: float = 90.0) -> list[dict[str, Any]]:
    """Open the page in ``command`` + URL; wait for its report; stop the browser by its process group."""
    before = len(reports(demo))
    url = f"{demo.allowed_page}/?run={','.join(PRESETS)}&report=1"
    browser = subprocess.Popen(
        [*command, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while len(found := reports(demo)) == before:
            assert browser.poll() is None, f"{command[0]} exited with {browser.returncode} before reporting"
            assert time.monotonic() < deadline, f"no report from {command[0]} within {timeout} s"
            time.sleep(0.5)
        return list(found[-1])
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        try:
            browser.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait(timeout=10)


def check(shown: list[dict[str, Any]], engine: str, demo: DemoProcess) -> None:
    by_preset = [(item["preset"], item) for item in shown]
    assert [name for name, _ in by_preset] == PRESETS
    assert all(item["engine"] == engine for item in shown)
    verdicts = {name: (item["browser"], item["server"]) for name, item in by_preset}
    assert verdicts == {
        "simple-get": ("read", "read"),
        "preflight-put": ("read", "read"),
        "cookie": ("read", "read"),
        "boom": ("read", "read"),
        "exposed": ("read", "read"),
        "websocket": ("read", "read"),
        "refused": ("blocked", "blocked"),
    }
    items = dict(by_preset)
    assert json.loads(items["simple-get"]["body"]) == {"message": "Hello World"}
    assert items["preflight-put"]["exchanges"] == ["OPTIONS 200 preflight allowed", "PUT 200 simple allowed"]
    first_cookie, second_cookie = shown[2], shown[3]
    assert json.loads(first_cookie["body"])["cookie_received"] is None
    assert json.loads(second_cookie["body"])["cookie_received"] == "1"  # sent back with credentials: include
    assert items["boom"]["status"] == 500
    assert "x-total-count" in items["exposed"]["readable_headers"]
    assert "x-internal-trace" not in items["exposed"]["readable_headers"]
    assert items["websocket"]["body"] == "hello, corskit"
    assert items["refused"]["exchanges"] == ["GET 200 simple refused"]
    assert f"from origin '{demo.refused_page}' has been blocked by CORS policy" in items["refused"]["console"]


@pytest.mark.firefox
def test_firefox_esr(demo: DemoProcess, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    # A quiet profile: no first-run pages, no update or telemetry traffic.
    (profile / "user.js").write_text(
        'user_pref("browser.shell.checkDefaultBrowser", false);\n'
        'user_pref("browser.startup.homepage_override.mstone", "ignore");\n'
        'user_pref("datareporting.policy.dataSubmissionEnabled", false);\n'
        'user_pref("app.update.enabled", false);\n'
    )
    shown = run_in(["firefox-esr", "-headless", "-no-remote", "-profile", str(profile)], demo)
    check(shown, "Firefox", demo)


@pytest.mark.webkit
def test_webkitgtk(demo: DemoProcess) -> None:
    assert MINIBROWSERS, "WebKitGTK's MiniBrowser is missing: apt-get install webkit2gtk-driver (see scripts/test)"
    shown = run_in(["xvfb-run", "-a", MINIBROWSERS[-1]], demo)
    check(shown, "WebKit", demo)
