"""What the differential tests share: running the cases in the simulator and comparing with an engine.

An engine's run and the simulator's run of the same case hit the same scripted server under different
``?run=`` queries, so the server's records tell what each of them put on the wire.
"""

from __future__ import annotations

import time
from typing import Any

from support.chromium import FetchOutcome
from support.cors_server import ScriptedServer

from browser.browser_diff_cases import Case
from corskit.browser import Browser

# Headers that depend on the client software or the connection, not on the Fetch algorithm.
NOT_COMPARED = frozenset({"host", "connection", "user-agent", "accept-encoding", "accept-language", "content-length"})


def script_cases(app: ScriptedServer, cases: list[Case]) -> None:
    for case in cases:
        app.script(case.id, preflight=case.preflight, actual=case.actual)
        for extra_id, (pre, act) in case.extra.items():
            app.script(extra_id, preflight=pre, actual=act)


def page_groups(cases: list[Case], url_for: Any) -> list[list[tuple[str | None, dict[str, Any]]]]:
    """The cases as fetch sequences for a page (``url_for(case)`` -> URL); sleeps become pauses."""
    return [
        [
            (None, {"sleep_ms": init["sleep"] * 1000}) if "sleep" in init else (url_for(case), init)
            for init in case.inits
        ]
        for case in cases
    ]


def sim_kwargs(init: dict[str, Any]) -> dict[str, Any]:
    known = {"method", "headers", "body", "credentials", "cache", "mode", "redirect"}
    assert set(init) <= known, init
    kwargs = dict(init)
    if isinstance(kwargs.get("headers"), list):  # JavaScript's sequence form: [[name, value], ...]
        kwargs["headers"] = [tuple(pair) for pair in kwargs["headers"]]
    return kwargs


class ShiftableClock:
    """Real monotonic time plus a shift, so a case can "wait" without the suite waiting."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.shift


def run_simulator(browser: Browser, clock: ShiftableClock, url: str, inits: list[dict[str, Any]]) -> list[Any]:
    results = []
    for init in inits:
        if "sleep" in init:
            clock.shift += init["sleep"]
        else:
            results.append(browser.fetch(url, **sim_kwargs(init)))
    return results


def run_cases(
    cases: list[Case], origin: str, app: Any, profile: str, url_for: Any
) -> dict[str, list[Any]]:
    """Every case in one simulated browser (one preflight cache, as in the engine's session)."""
    clock = ShiftableClock()
    with Browser(origin=origin, app=app, profile=profile, clock=clock) as browser:
        return {case.id: run_simulator(browser, clock, url_for(case), case.inits) for case in cases}


def run_twice(
    cases: list[Case], origin: str, app: ScriptedServer, profile: str, api: Any, suffix: str = ""
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The simulator over real HTTP (httpx, ``?run=sim<suffix>``), then in-process (``?run=inproc<suffix>``)
    against the same ASGI app that ``api`` (a ServerHandle) serves."""

    def url_for(run: str) -> Any:
        return lambda case: api.url(f"/c/{case.id}?run={run}{suffix}", host="api.localhost")

    return (
        run_cases(cases, origin, None, profile, url_for("sim")),
        run_cases(cases, origin, app, profile, url_for("inproc")),
    )


def wire_preflights(server: ScriptedServer, case: Case, run: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (case_id, record.header("access-control-request-method"), record.header("access-control-request-headers"))
        for case_id in [case.id, *case.extra]
        for record in server.preflights(case_id, query=f"run={run}")
    ]


def requests_seen(
    server: ScriptedServer, case: Case, run: str, ignored: frozenset[str] = NOT_COMPARED
) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every request the server got for this case and run: method and the headers fetch() chose."""
    return [
        (
            case_id,
            record.method,
            sorted((k, v) for k, v in record.headers if k not in ignored and not k.startswith("sec-ch-")),
        )
        for case_id in [case.id, *case.extra]
        for record in server.received(case_id, query=f"run={run}")
    ]


def assert_same_requests(simulated: list[Any], real: list[Any], engine: str) -> None:
    sent, received = [r[:2] for r in simulated], [r[:2] for r in real]
    assert sent == received, f"the simulator sent {sent}; {engine} sent {received}"
    for sim, seen in zip(simulated, real, strict=True):
        only_sim = sorted(set(sim[2]) - set(seen[2]))
        only_engine = sorted(set(seen[2]) - set(sim[2]))
        message = f"{sim[:2]}: only the simulator sent {only_sim}; only {engine} sent {only_engine}"
        assert sim == seen, message


def assert_same_outcomes(
    case: Case, real: list[FetchOutcome], simulated: list[Any], in_process: bool, engine: str
) -> None:
    """blocked/allowed, status, readable headers and body of every fetch of the case."""
    fetches = [init for init in case.inits if "sleep" not in init]
    for step, (seen, sim) in enumerate(zip(real, simulated, strict=True)):
        context = f"{case.id} fetch #{step} init={fetches[step]}\n {engine}: {seen}\n simulator: {sim!r}"
        assert sim.blocked == seen.blocked, context
        assert sim.status == seen.status, context
        if in_process:
            # In-process there is no HTTP server framing the body (uvicorn adds Content-Length or
            # Transfer-Encoding: chunked, which `*` then exposes): compare everything else.
            framing = {"content-length", "transfer-encoding"}
            assert dict(sim.headers) == {k: v for k, v in seen.headers.items() if k not in framing}, context
        else:
            assert dict(sim.headers) == seen.headers, context
        assert sim.text == seen.text, context
