"""``corskit demo``: the FastAPI CORS lesson's API, protected by corskit, and a playground page to try it.

Exit codes: 0 when stopped with Ctrl-C (or SIGTERM), 130 for a Ctrl-C before the servers run, 2 when a
port is busy or an option is wrong (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from ._errors import CLIError
from ._output import use_colour


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < value < 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number between 1 and 65534")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the CORS lesson's API and a playground page that shows what the browser and corskit decide",
        description="Serve the FastAPI CORS lesson's example API, protected by corskit, and a playground page "
        "on an allowed origin and on a refused one (the page port + 1). Open the playground, send real "
        "cross-origin requests, and see the browser's verdict next to corskit's decision and its reasons.",
        epilog="Ctrl-C stops it (exit 0; 130 while it is still starting). A busy port: one line on stderr, exit 2.",
    )
    parser.add_argument("--api-port", type=_port, default=8000, help="the API's port (default 8000)")
    parser.add_argument(
        "--page-port",
        type=_port,
        default=8080,
        help="the playground's port (default 8080, an origin the lesson allows); the refused copy uses the next",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from .._demo.run import Ports, serve_demo
    except ImportError as exc:
        missing = exc.name or "a dependency"
        raise CLIError(f"corskit demo needs the cli extra ({missing} is missing): pip install 'corskit[cli]'") from None
    ports = Ports(host=args.host, api=args.api_port, page=args.page_port)
    if len({ports.api, ports.page, ports.refused_page}) < 3:
        raise CLIError("--api-port must differ from --page-port and from --page-port + 1")
    return serve_demo(ports, colour=use_colour(sys.stdout))
