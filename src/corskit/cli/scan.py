"""``corskit scan URL``: which other sites could read URL, with or without the visitor's cookies."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import urlsplit

from ._errors import CLIError
from ._findings import SEVERITIES
from ._target import origin_of, page_origin, target_url

_CONCURRENCY = 4

_EPILOG = """\
Sends each probe origin (an attacker's, null, and look-alikes of the trusted origin built from its
registrable domain with the Public Suffix List) as a simple request and as a preflighted one, without
and with credentials (a credentialed probe carries a cookie), and judges every answer as a browser would
(corskit.browser): could a page on that origin read the response?

finding ids (severity with credentials / without):
  reflects-any-origin  high / low     an arbitrary origin is allowed (the Origin is echoed)
  null-origin          high / low     Origin: null is allowed (sandboxed iframes send it)
  suffix-match         high / low     https://evilexample.com passes for example.com
  prefix-match         high / low     https://app.example.com.attacker.net passes
  unescaped-dot        high / low     https://appxexample.com passes (an unescaped dot in a regex)
  third-party-origin   high / low     a shared-hosting origin (github.io, herokuapp.com, vercel.app)
  insecure-origin      medium / low   the http:// twin of an https:// trusted origin
  any-subdomain        low            any subdomain of the trusted domain
  missing-vary         medium         the Origin is echoed without Vary: Origin (cache poisoning)
  wildcard-origin      info           Access-Control-Allow-Origin: * (fine for public data)

exit codes:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on (default low)
  2  usage or network error (bad URL or option, unreachable host, TLS error, timeout)

--json prints one object: url, findings (each with id, severity, origin, credentials, evidence,
explanation and fix) and probes (the number of fetches sent).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="which origins could read URL, with or without cookies (exit 1 on findings)",
        description="Probe URL the way an attacker's page would, and report every origin that could read it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="the URL to probe (http:// or https://)")
    parser.add_argument(
        "--origin", help="the trusted origin, e.g. https://app.example.com (look-alikes are derived from it)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--fail-on", choices=SEVERITIES, default="low", help="lowest severity that makes the exit code 1 (default low)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    parser.add_argument("--max-time", type=float, default=60.0, help="seconds for the whole scan (default 60)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ._findings import severity_rank
    from ._probes import craft, registrable_domain
    from ._scan_report import Progress, report
    from ._scan_run import judge, plan, run_scan

    url = target_url(args.url)
    own = origin_of(url)
    if args.origin is not None:
        trusted = page_origin(args.origin)
        if trusted == "null":
            raise CLIError("--origin must be a real origin such as https://app.example.com, not null")
    else:
        trusted = own
    if not (args.timeout > 0 and args.max_time > 0):
        raise CLIError("--timeout and --max-time must be positive numbers of seconds")
    probes = plan(craft(trusted, trusted_given=args.origin is not None))
    progress = Progress(sys.stderr, enabled=not args.json)
    try:
        baseline, results = run_scan(
            url, probes, timeout=args.timeout, max_time=args.max_time, concurrency=_CONCURRENCY, progress=progress
        )
    finally:
        progress.clear()
    failed = [r for r in results if r.network_error]
    if failed and len(failed) == len(results):
        raise CLIError(f"every probe failed: {failed[0].network_error}")
    host = urlsplit(trusted).hostname or ""
    findings = judge(results, baseline, registrable_domain(host), host)
    if args.json:
        document = {"url": url, "findings": [f.as_json() for f in findings], "probes": len(results)}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report(url, trusted if args.origin else None, findings, len(results), sys.stdout))
        own_probes = [r for r in results if r.probe.origin.finding is None]
        if own_probes and not any(r.readable for r in own_probes):
            sys.stdout.write(
                f"note: {trusted} itself cannot read this URL (try: corskit check {url} --origin {trusted})\n"
            )
    if failed:
        sys.stderr.write(f"corskit scan: warning: {len(failed)} probe(s) failed: {failed[0].network_error}\n")
    threshold = severity_rank(args.fail_on)
    return 1 if any(severity_rank(f.severity) >= threshold for f in findings) else 0
