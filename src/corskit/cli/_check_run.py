"""The work behind ``corskit check``: run the fetch with ``corskit.browser`` and report it.

Imported only when the command runs (it needs httpx, through the browser's real-HTTP mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..browser import Browser, Exchange, FetchResult
from ._diagnose import fixes_for, preflight_reasons, suggestions
from ._errors import CLIError
from ._fix import Fix
from ._output import style, use_colour
from ._target import network_error, printable

# Response headers worth showing: the CORS ones, and the ones that explain a cache or a redirect.
_SHOWN_RESPONSE = ("vary", "location")


@dataclass(frozen=True)
class CheckRequest:
    url: str
    origin: str
    method: str
    headers: Sequence[tuple[str, str]]
    credentials: bool


@dataclass(frozen=True)
class Outcome:
    request: CheckRequest
    result: FetchResult


@dataclass(frozen=True)
class Judged:
    """One request's verdict, ready to print."""

    request: CheckRequest
    result: FetchResult
    console: str | None
    reasons: list[str]
    fixes: list[Fix]
    dropped: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def blocked(self) -> bool:
        return self.result.blocked

    def as_json(self) -> dict[str, Any]:
        preflight = self.result.preflight
        return {
            "blocked": self.result.blocked,
            "error": self.console,
            "status": self.result.status,
            "preflight": None
            if preflight is None
            else {
                "request_headers": _header_dict(preflight.request_headers),
                "status": preflight.status,
                "response_headers": _header_dict(preflight.response_headers),
            },
            "headers": dict(self.result.headers),
            "suggestions": suggestions(self.fixes),
        }


def _header_dict(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    # Repeated headers joined with ", ", as the browser combines them (names as first sent).
    combined: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in names:
            combined[names[key]] += f", {value}"
        else:
            names[key] = name
            combined[name] = value
    return combined


def run_check(requests: Sequence[CheckRequest], *, profile: str, timeout: float) -> list[Outcome]:
    """Each request from a fresh browser tab (no preflight cache carried from one to the next)."""
    outcomes = []
    for request in requests:
        try:
            browser = Browser(origin=request.origin, profile=profile, timeout=timeout, base_url=request.url)
        except ValueError as error:
            raise CLIError(str(error)) from None
        with browser:
            try:
                result = browser.fetch(
                    request.url,
                    method=request.method,
                    headers=list(request.headers),
                    credentials="include" if request.credentials else "same-origin",
                )
            except ValueError as error:
                raise CLIError(str(error)) from None
        for exchange in result.exchanges:
            if exchange.network_error is not None:
                raise network_error(exchange.url, exchange.network_error, timeout)
        if result.blocked and not result.exchanges:
            # fetch() itself threw before sending anything: the arguments are the problem.
            raise CLIError(f"fetch() would refuse this request before sending it: {_console(result.error)}")
        outcomes.append(Outcome(request, result))
    return outcomes


def _console(error: str | None) -> str | None:
    # corskit.browser appends its own " Fix: ..." to the console text; the report has its own fixes.
    if error is None:
        return None
    return error.split(" Fix: ", 1)[0]


def judge(outcome: Outcome) -> Judged:
    request, result = outcome.request, outcome.result
    reasons = preflight_reasons(result.preflight, request.headers)
    fixes = fixes_for(result, request.origin, request.credentials)
    actual = next((e for e in result.exchanges if e.kind == "request"), None)
    dropped = []
    if actual is not None:
        sent = {name.lower() for name, _ in actual.request_headers}
        dropped = [name for name, _ in request.headers if name.lower() not in sent]
    return Judged(request, result, _console(result.error), reasons, fixes, dropped)


def _shown_request_headers(exchange: Exchange, given: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    wanted = {"origin", "access-control-request-method", "access-control-request-headers", "content-type"}
    wanted |= {name.lower() for name, _ in given}
    return [(k, v) for k, v in exchange.request_headers if k.lower() in wanted]


def _shown_response_headers(exchange: Exchange) -> list[tuple[str, str]]:
    return [
        (k, v)
        for k, v in exchange.response_headers
        if k.lower().startswith("access-control-") or k.lower() in _SHOWN_RESPONSE
    ]


def _exchange_lines(exchange: Exchange, given: Sequence[tuple[str, str]], colour: bool) -> list[str]:
    lines = [style(f"  > {exchange.method} {exchange.url}", "bold", colour=colour)]
    lines += [f"  >   {k}: {printable(v)}" for k, v in _shown_request_headers(exchange, given)]
    lines.append(style(f"  < {exchange.status}", "bold", colour=colour))
    shown = _shown_response_headers(exchange)
    lines += [f"  <   {printable(k)}: {printable(v)}" for k, v in shown] or ["  <   (no CORS headers)"]
    return lines


def describe(judged: Judged, stream: TextIO) -> str:
    """The readable report of one check."""
    colour = use_colour(stream)
    request, result = judged.request, judged.result
    mode = "include" if request.credentials else "same-origin"
    lines = [
        f"fetch({request.url!r}, {{method: {request.method!r}, credentials: {mode!r}}}) "
        f"from a page on {request.origin}",
        "",
    ]
    step = 1
    if result.preflight is not None:
        lines.append(style(f"{step}. Preflight needed:", "bold", colour=colour))
        lines += [f"   - {reason}" for reason in judged.reasons]
        lines += _exchange_lines(result.preflight, request.headers, colour)
        step += 1
    else:
        lines.append(
            style(f"{step}. No preflight:", "bold", colour=colour)
            + " the method and headers are CORS-safelisted (or the request is same-origin)."
        )
        step += 1
    requests = [e for e in result.exchanges if e.kind == "request"]
    if not requests:
        lines.append(f"{step}. The actual request was not sent: the preflight failed.")
    for index, exchange in enumerate(requests):
        label = "Actual request" if index == 0 else "Redirected request"
        lines.append(style(f"{step}. {label}:", "bold", colour=colour))
        lines += _exchange_lines(exchange, request.headers, colour)
        step += 1
    if judged.dropped:
        lines.append(f"note: the browser drops {', '.join(judged.dropped)} (forbidden request headers)")
    lines.append("")
    if result.blocked:
        lines.append(style("Verdict: BLOCKED", "red", "bold", colour=colour))
        lines.append(f"Console: {printable(judged.console or '')}")
        lines.append("Fix:")
        for fix in judged.fixes:
            lines += [f"  - {printable(line)}" for line in fix.lines()]
    else:
        lines.append(style(f"Verdict: ALLOWED (status {result.status})", "green", "bold", colour=colour))
        readable = ", ".join(f"{k}" for k in result.headers) or "(none)"
        lines.append(f"The page can read the body and these headers: {readable}")
        hidden = _hidden_headers(result)
        if hidden:
            names = ", ".join(hidden)
            lines.append(
                f"note: sent but not readable by the page: {printable(names)} (to read them: add them to "
                f"expose_headers; Access-Control-Expose-Headers must list them)"
            )
    return "\n".join(lines) + "\n"


# Response headers no page script asks for (connection management, the server's own), left out of the note.
_UNINTERESTING = frozenset(
    {"connection", "date", "keep-alive", "server", "transfer-encoding", "vary", "set-cookie", "set-cookie2"}
)


def _hidden_headers(result: FetchResult) -> list[str]:
    """Headers of the final response that JavaScript cannot read (not safelisted, not exposed)."""
    if result.response_type != "cors" or not result.exchanges:
        return []
    names = {name.lower() for name, _ in result.exchanges[-1].response_headers}
    return sorted(
        n for n in names if n not in result.headers and n not in _UNINTERESTING and not n.startswith("access-control-")
    )


def table(judged: Sequence[Judged], stream: TextIO) -> str:
    """``--all-methods``: one row per method."""
    colour = use_colour(stream)
    rows = [("method", "preflight", "verdict", "fix")]
    for item in judged:
        verdict = "blocked" if item.blocked else f"allowed ({item.result.status})"
        fix = printable(item.fixes[0].header) if item.fixes else ""
        rows.append((item.method, "yes" if item.result.preflight else "no", verdict, fix))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for number, row in enumerate(rows):
        text = "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip()
        if number == 0:
            text = style(text, "bold", colour=colour)
        elif row[2] == "blocked":
            text = style(text, "red", colour=colour)
        lines.append(text)
    return "\n".join(lines) + "\n"
