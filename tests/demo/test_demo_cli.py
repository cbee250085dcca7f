"""``corskit demo`` as a command: busy ports, bad options, stopping it (no browser needed)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.cli import run_corskit

from .demo_process import free_ports, start_demo


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
