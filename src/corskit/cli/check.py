"""``corskit check URL --origin ORIGIN``: what would fetch(URL) from a page on ORIGIN do, and why."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._errors import CLIError
from ._target import header_pairs, page_origin, target_url

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

_EPILOG = """\
Sends exactly what the browser would (a preflight when it would send one, then the actual request) and
judges the answers as the browser does (corskit.browser over real HTTP).

exit codes:
  0  the browser would allow the request (with --all-methods: every method)
  1  the browser would block it (with --all-methods: at least one method)
  2  usage or network error (bad URL or option, unreachable host, TLS error, timeout)

--json prints one object: blocked, error, status, preflight (null, or request_headers, status and
response_headers), headers (what the page can read) and suggestions. With --all-methods, one such object
per method, keyed by method.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="what would fetch(URL) from a page on ORIGIN do, and why (exit 0 allowed, 1 blocked)",
        description="Behave like a page on ORIGIN calling fetch(URL, ...): show the preflight (if any), "
        "the actual request, the verdict, and for a refusal the browser's message and the fix.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="the URL the page fetches (http:// or https://)")
    parser.add_argument("--origin", required=True, help="the page's origin, e.g. https://app.example.com, or null")
    parser.add_argument("-X", "--method", default="GET", help="the request method (default GET)")
    parser.add_argument(
        "-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="a request header (repeatable)"
    )
    parser.add_argument("--credentials", action="store_true", help="send cookies: fetch(URL, {credentials: 'include'})")
    parser.add_argument(
        "--profile",
        choices=("chromium", "firefox", "webkit", "standard"),
        default="chromium",
        help="browser engine to judge as, or 'standard' for the Fetch standard alone (default chromium)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument(
        "--all-methods", action="store_true", help=f"check every method ({', '.join(_METHODS)}) in one table"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ._check_run import CheckRequest, describe, judge, run_check, table

    url = target_url(args.url)
    origin = page_origin(args.origin)
    if not args.timeout > 0:
        raise CLIError("--timeout must be a positive number of seconds")
    headers = header_pairs(args.header)
    methods = _METHODS if args.all_methods else (args.method,)
    requests = [CheckRequest(url, origin, m, headers, args.credentials) for m in methods]
    outcomes = run_check(requests, profile=args.profile, timeout=args.timeout)
    judged = [judge(outcome) for outcome in outcomes]
    if args.json:
        document: object = judged[0].as_json() if not args.all_methods else {j.method: j.as_json() for j in judged}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.all_methods:
        sys.stdout.write(table(judged, sys.stdout))
    else:
        sys.stdout.write(describe(judged[0], sys.stdout))
    return 1 if any(j.blocked for j in judged) else 0
