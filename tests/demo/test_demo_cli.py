"""``corskit demo`` as a command: busy ports, bad options, stopping it (no browser needed)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_corskit

from .demo_process import DemoProcess, free_ports, start_demo


@contextmanager
def occupied(port: int) -> Iterator[None]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        yield


def test_busy_api_port_is_one_line_and_exit_2() -> None:
    api, page = free_ports()
    with occupied(api):
        result = run_corskit("demo", "--api-port", str(api), "--page-port", str(page), timeout=30)
    assert result.code == 2
    assert result.stderr_lines == [
        f"corskit demo: error: port {api} on 127.0.0.1 is already in use; stop what uses it or pick another "
        "with --api-port"
    ]
    assert result.stdout == ""  # nothing started, no banner


def test_busy_refused_page_port_names_the_option_that_moves_it() -> None:
    api, page = free_ports()
    with occupied(page + 1):
        result = run_corskit("demo", "--api-port", str(api), "--page-port", str(page), timeout=30)
    assert result.code == 2 and len(result.stderr_lines) == 1
    assert f"port {page + 1} on 127.0.0.1 is already in use" in result.stderr
    assert "--page-port (the refused page uses the next port)" in result.stderr
    assert "Traceback" not in result.stderr


def test_api_port_equal_to_the_refused_page_port_is_refused() -> None:
    result = run_corskit("demo", "--api-port", "8081", "--page-port", "8080", timeout=30)
    assert result.code == 2
    assert result.stderr_lines == [
        "corskit demo: error: --api-port must differ from --page-port and from --page-port + 1"
    ]


def test_port_out_of_range_is_a_usage_error() -> None:
    result = run_corskit("demo", "--api-port", "70000", timeout=30)
    assert result.code == 2 and len(result.stderr_lines) == 1
    assert "70000 is not a port number between 1 and 65534" in result.stderr


def test_banner_then_ctrl_c_before_any_request(tmp_path: Path) -> None:
    demo = start_demo(tmp_path)
    try:
        banner = demo.stdout()
        assert f"API (corskit)      {demo.api}" in banner
        assert f"playground         {demo.allowed_page}" in banner
        assert f"refused playground {demo.refused_page}" in banner
        # The page is served by the package on both origins (the refused one too).
        for page in (demo.allowed_page, demo.refused_page):
            with urllib.request.urlopen(page + "/", timeout=10) as response:
                html = response.read().decode()
            assert f'data-api="{demo.api}"' in html and "<title>corskit demo" in html
    finally:
        code = demo.interrupt()
    assert code == 0
    assert demo.stdout().rstrip().endswith("corskit demo: stopped")
    assert demo.stderr() == ""


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    demo = start_demo(tmp_path_factory.mktemp("demo-http"))
    yield demo
    demo.kill()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[dict[str, str], Any]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}, json.load(response)


def test_explain_describes_a_preflight_and_a_refused_origin(running: DemoProcess) -> None:
    query = urllib.parse.urlencode(
        {
            "method": "OPTIONS",
            "path": "/items/1",
            "origin": running.allowed_page,
            "header": ["Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: x-demo-user"],
        },
        doseq=True,
    )
    headers, answer = get(f"{running.api}/explain?{query}")
    assert answer == {"kind": "preflight", "allowed": True, "failures": [], "path_prefix": None}
    query = urllib.parse.urlencode({"method": "GET", "path": "/", "origin": running.refused_page})
    headers, answer = get(f"{running.api}/explain?{query}", {"Origin": running.refused_page})
    assert answer["kind"] == "simple" and answer["allowed"] is False
    assert [f["code"] for f in answer["failures"]] == ["origin-not-allowed"]
    # /explain answers every origin, without credentials: the refused page can read why it was refused.
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers


def test_custom_header_endpoint_and_its_terminal_line(running: DemoProcess) -> None:
    headers, answer = get(f"{running.api}/whoami", {"Origin": running.allowed_page, "X-Demo-User": "ada"})
    assert answer == {"x-demo-user": "ada"}
    assert headers["access-control-allow-origin"] == running.allowed_page
    assert headers["access-control-allow-credentials"] == "true"
    line = running.wait_for_line("GET", "/whoami", "200")
    assert f"origin={running.allowed_page}" in line and "simple: allowed" in line


def test_request_without_origin_is_logged_as_not_cors(running: DemoProcess) -> None:
    headers, answer = get(f"{running.api}/")
    assert answer == {"message": "Hello World"}
    assert "access-control-allow-origin" not in headers
    line = running.wait_for_line("GET", "/", "200", "origin=-")
    assert "origin=-" in line and "no CORS (no Origin header)" in line


def test_terminal_line_escapes_control_characters_from_the_request(running: DemoProcess) -> None:
    # A path and an Origin with a newline and an ANSI escape must not start a forged line or colour the terminal.
    request = urllib.request.Request(
        f"{running.api}/x%0aGET%20/%20forged%1b[31m", headers={"Origin": "http://evil.example\x1b[2J"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 404
    line = running.wait_for_line("GET", "/x\\nGET")
    assert "/x\\nGET / forged\\x1b[31m" in line and "origin=http://evil.example\\x1b[2J" in line
    assert "\x1b" not in running.stdout()
    assert [ln for ln in running.stdout().splitlines() if "forged" in ln] == [line]
