"""The work behind ``corskit scan``: send every probe through ``corskit.browser`` and judge what a page on
each probe origin could read. Imported only when the command runs (it needs httpx)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..browser import AsyncBrowser, Exchange, FetchResult
from ._errors import CLIError
from ._findings import IMPLIED_BY_ANY_ORIGIN, KINDS, severity_rank
from ._forward import NETWORK_ERROR_HEADER, PROBE_COOKIE, ForwardingApp, NetworkError
from ._probes import ProbeOrigin
from ._target import network_error

# A preflighted probe: a header that is not CORS-safelisted (its value), on a harmless GET.
_PREFLIGHT_HEADERS = [("Content-Type", "application/json")]
_EVIDENCE_REQUEST = {"origin", "cookie", "access-control-request-method", "access-control-request-headers"}


@dataclass(frozen=True)
class Probe:
    origin: ProbeOrigin
    preflight: bool
    credentials: bool


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    result: FetchResult
    network_error: str | None

    @property
    def readable(self) -> bool:
        return not self.result.blocked and self.network_error is None

    @property
    def actual(self) -> Exchange | None:
        return next((e for e in reversed(self.result.exchanges) if e.kind == "request"), None)

    @property
    def allow_origin(self) -> str | None:
        actual = self.actual
        return None if actual is None else actual.response_header("Access-Control-Allow-Origin")


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    origin: str
    credentials: bool
    evidence: dict[str, Any]
    explanation: str
    fix: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "origin": self.origin,
            "credentials": self.credentials,
            "evidence": self.evidence,
            "explanation": self.explanation,
            "fix": self.fix,
        }


def plan(origins: Sequence[ProbeOrigin]) -> list[Probe]:
    """Each origin as a simple request and as a preflighted one, without and with credentials."""
    return [
        Probe(o, preflight, credentials)
        for o in origins
        for preflight in (False, True)
        for credentials in (False, True)
    ]


async def _baseline(url: str, forwarder: ForwardingApp, timeout: float) -> str | None:
    """What the server sends to a request without an Origin header: tells a fixed
    Access-Control-Allow-Origin from an echoed one. A connection failure ends the scan (exit 2)."""
    try:
        _, headers, _ = await forwarder.send("GET", url, [(b"accept", b"*/*")])
    except NetworkError as error:
        raise network_error(url, str(error), timeout) from None
    values = [v.decode("latin-1") for k, v in headers if k.lower() == b"access-control-allow-origin"]
    return ", ".join(values) if values else None


async def _probe_all(
    url: str,
    probes: Sequence[Probe],
    apps: dict[bool, ForwardingApp],
    *,
    concurrency: int,
    progress: Callable[[int, int], None],
) -> list[ProbeResult]:
    limit = asyncio.Semaphore(concurrency)
    done = 0

    async def one(probe: Probe) -> ProbeResult:
        nonlocal done
        async with limit:
            try:
                # A fresh tab for every probe: no preflight cache carried over from another probe.
                browser = AsyncBrowser(origin=probe.origin.origin, app=apps[probe.credentials])
                result = await browser.fetch(
                    url,
                    headers=_PREFLIGHT_HEADERS if probe.preflight else None,
                    credentials="include" if probe.credentials else "omit",
                )
            except ValueError as error:  # an origin the simulator cannot represent: this probe is not sent
                result = FetchResult(blocked=True, error=str(error))
                failure: str | None = str(error)
            else:
                failure = next(
                    (
                        e.response_header(NETWORK_ERROR_HEADER)
                        for e in result.exchanges
                        if e.response_header(NETWORK_ERROR_HEADER)
                    ),
                    None,
                )
        done += 1
        progress(done, len(probes))
        return ProbeResult(probe, result, failure)

    return list(await asyncio.gather(*(one(p) for p in probes)))


def run_scan(
    url: str,
    probes: Sequence[Probe],
    *,
    timeout: float,
    max_time: float,
    concurrency: int,
    progress: Callable[[int, int], None],
) -> tuple[str | None, list[ProbeResult]]:
    """The baseline answer's Access-Control-Allow-Origin and every probe's result, within ``max_time``."""

    async def main() -> tuple[str | None, list[ProbeResult]]:
        apps = {
            False: ForwardingApp(timeout=timeout, cookie=None),
            True: ForwardingApp(timeout=timeout, cookie=PROBE_COOKIE),
        }
        try:
            baseline = await _baseline(url, apps[False], timeout)
            results = await _probe_all(url, probes, apps, concurrency=concurrency, progress=progress)
        finally:
            for app in apps.values():
                await app.aclose()
        return baseline, results

    async def bounded() -> tuple[str | None, list[ProbeResult]]:
        try:
            return await asyncio.wait_for(main(), max_time)
        except asyncio.TimeoutError:
            raise CLIError(
                f"the scan did not finish within {max_time:g} s (--max-time): the server is too slow"
            ) from None

    return asyncio.run(bounded())


def _headers(pairs: Sequence[tuple[str, str]], keep: Callable[[str], bool]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in pairs:
        if keep(name.lower()):
            shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


def _cors_response_header(name: str) -> bool:
    return name.startswith("access-control-") or name == "vary"


def _evidence(item: ProbeResult) -> dict[str, Any]:
    def exchange(e: Exchange) -> dict[str, Any]:
        request = _headers(e.request_headers, _EVIDENCE_REQUEST.__contains__)
        if e.kind == "request" and item.probe.credentials:
            request["Cookie"] = PROBE_COOKIE  # added on the way out, as the visitor's browser would
        return {
            "method": e.method,
            "url": e.url,
            "request_headers": request,
            "status": e.status,
            "response_headers": _headers(e.response_headers, _cors_response_header),
        }

    evidence: dict[str, Any] = {"probe": "preflight" if item.probe.preflight else "simple"}
    if item.result.preflight is not None:
        evidence["preflight"] = exchange(item.result.preflight)
    actual = item.actual
    if actual is not None:
        evidence["request"] = exchange(actual)
    return evidence


def _varies_on_origin(exchange: Exchange) -> bool:
    vary = {v.strip().lower() for v in (exchange.response_header("Vary") or "").split(",")}
    return "origin" in vary or "*" in vary


def judge(results: Sequence[ProbeResult], baseline: str | None, domain: str | None, host: str) -> list[Finding]:
    """The findings: for each probe origin, could a page there read the URL, with or without cookies?"""
    words = {
        "domain": domain or host,
        "domain_re": re.escape(domain or host),
        "host_re": re.escape(host),
    }
    found: dict[str, Finding] = {}

    def add(kind_id: str, item: ProbeResult, credentials: bool) -> None:
        if kind_id in found:
            return
        kind = KINDS[kind_id]
        fill = {**words, "origin": item.probe.origin.origin}
        found[kind_id] = Finding(
            id=kind_id,
            severity=kind.severity(credentials),
            origin=item.probe.origin.origin,
            credentials=credentials,
            evidence=_evidence(item),
            explanation=kind.explanation.format(**fill),
            fix={"config": kind.fix.config.format(**fill), "header": kind.fix.header.format(**fill)},
        )

    by_origin: dict[str, list[ProbeResult]] = {}
    for item in results:
        by_origin.setdefault(item.probe.origin.origin, []).append(item)
    for origin, items in by_origin.items():
        readable = [i for i in items if i.readable]
        # Allowed by name (echoed or listed), as opposed to `*`, which browsers never honour with cookies.
        named = [i for i in readable if i.allow_origin not in (None, "*")]
        with_cookies = [i for i in named if i.probe.credentials]
        finding = items[0].probe.origin.finding
        if finding is not None and named:
            add(finding, (with_cookies or named)[0], bool(with_cookies))
        if any(i.allow_origin == "*" for i in readable):
            add("wildcard-origin", next(i for i in readable if i.allow_origin == "*"), False)
        for item in named:
            actual = item.actual
            echoed = item.allow_origin == origin and baseline != origin
            if actual is not None and echoed and not _varies_on_origin(actual):
                add("missing-vary", item, bool(with_cookies))
    if "reflects-any-origin" in found:
        for implied in IMPLIED_BY_ANY_ORIGIN:
            found.pop(implied, None)
    dotted = found.get("unescaped-dot")
    if dotted and "suffix-match" in found and domain and (urlsplit(dotted.origin).hostname or "").endswith(domain):
        # appxexample.com also ends with "example.com": the suffix match explains it.
        found.pop("unescaped-dot")
    return sorted(found.values(), key=lambda f: (-severity_rank(f.severity), f.id))
