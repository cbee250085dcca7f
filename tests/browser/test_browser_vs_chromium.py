"""Differential test: corskit.browser.Browser(profile="chromium") against real headless Chromium.

Both run the same generated cases (browser_diff_cases.py) against the same scripted server, from the
same origin (http://app.localhost:P) to http://api.localhost:Q. For every fetch they must agree on
blocked/allowed, status, the headers JavaScript can read and the body; for every case, on the
preflights the server received (count, Access-Control-Request-Method and -Headers), redirects included.
Chromium runs all cases from one page in one evaluation, so the whole module takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.chromium import FetchOutcome, open_origin_page
from support.cors_server import ScriptedServer
from support.servers import ServerHandle, serve

from browser.browser_diff_cases import Case, all_cases
from corskit.browser import Browser

CASES = all_cases()

pytestmark = pytest.mark.chromium


@dataclass
class Runs:
    server: ScriptedServer
    chromium: dict[str, list[FetchOutcome]]
    simulator: dict[str, list[Any]]
    in_process: dict[str, list[Any]]
    origin: str
    api_base: str


def _sim_kwargs(init: dict[str, Any]) -> dict[str, Any]:
    known = {"method", "headers", "body", "credentials", "cache", "mode", "redirect"}
    assert set(init) <= known, init
    kwargs = dict(init)
    if isinstance(kwargs.get("headers"), list):  # JavaScript's sequence form: [[name, value], ...]
        kwargs["headers"] = [tuple(pair) for pair in kwargs["headers"]]
    return kwargs


class _ShiftableClock:
    """Real monotonic time plus a shift, so a case can "wait" without the suite waiting."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.shift


def _run_simulator(browser: Browser, clock: _ShiftableClock, url: str, inits: list[dict[str, Any]]) -> list[Any]:
    results = []
    for init in inits:
        if "sleep" in init:
            clock.shift += init["sleep"]
        else:
            results.append(browser.fetch(url, **_sim_kwargs(init)))
    return results


@pytest.fixture(scope="module")
def runs(chromium: Any, page_server: ServerHandle) -> Iterator[Runs]:
    app = ScriptedServer()
    for case in CASES:
        app.script(case.id, preflight=case.preflight, actual=case.actual)
        for extra_id, (pre, act) in case.extra.items():
            app.script(extra_id, preflight=pre, actual=act)
    with serve(app) as api:
        origin = page_server.origin("app.localhost")
        page = open_origin_page(chromium, origin)
        try:
            groups = [
                [
                    (None, {"sleep_ms": init["sleep"] * 1000})
                    if "sleep" in init
                    else (api.url(f"/c/{c.id}?run=chromium", host="api.localhost"), init)
                    for init in c.inits
                ]
                for c in CASES
            ]
            outcomes = page.fetch_sequences(groups)
        finally:
            page.close()
        chromium_results = {case.id: group for case, group in zip(CASES, outcomes, strict=True)}
        # The simulator twice: over real HTTP (httpx), and in-process against the same ASGI app.
        simulator_results: dict[str, list[Any]] = {}
        in_process_results: dict[str, list[Any]] = {}
        for run, target, results in (("sim", None, simulator_results), ("inproc", app, in_process_results)):
            clock = _ShiftableClock()
            with Browser(origin=origin, app=target, profile="chromium", clock=clock) as browser:
                for case in CASES:
                    url = api.url(f"/c/{case.id}?run={run}", host="api.localhost")
                    results[case.id] = _run_simulator(browser, clock, url, case.inits)
        api_base = api.url("", host="api.localhost").rstrip("/")
        yield Runs(app, chromium_results, simulator_results, in_process_results, origin, api_base)


def _wire_preflights(server: ScriptedServer, case: Case, run: str) -> list[tuple[str, str | None, str | None]]:
    seen = []
    for case_id in [case.id, *case.extra]:
        for record in server.preflights(case_id, query=f"run={run}"):
            seen.append(
                (
                    case_id,
                    record.header("access-control-request-method"),
                    record.header("access-control-request-headers"),
                )
            )
    return seen


# Headers that depend on the client software or the connection, not on the Fetch algorithm.
_NOT_COMPARED = frozenset({"host", "connection", "user-agent", "accept-encoding", "accept-language", "content-length"})


def _requests_seen(server: ScriptedServer, case: Case, run: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every request the server got for this case and run: method and the headers fetch() chose."""
    return [
        (
            case_id,
            record.method,
            sorted((k, v) for k, v in record.headers if k not in _NOT_COMPARED and not k.startswith("sec-ch-")),
        )
        for case_id in [case.id, *case.extra]
        for record in server.received(case_id, query=f"run={run}")
    ]


@pytest.mark.parametrize("run", ["sim", "inproc"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_simulator_agrees_with_chromium(runs: Runs, case: Case, run: str) -> None:
    chromium = runs.chromium[case.id]
    simulated = runs.simulator[case.id] if run == "sim" else runs.in_process[case.id]
    fetches = [init for init in case.inits if "sleep" not in init]
    for step, (real, sim) in enumerate(zip(chromium, simulated, strict=True)):
        context = f"{case.id} fetch #{step} init={fetches[step]}\n chromium: {real}\n simulator: {sim!r}"
        assert sim.blocked == real.blocked, context
        assert sim.status == real.status, context
        if run == "sim":
            assert dict(sim.headers) == real.headers, context
        else:
            # In-process there is no HTTP server framing the body (uvicorn adds Content-Length or
            # Transfer-Encoding: chunked, which `*` then exposes): compare everything else.
            framing = {"content-length", "transfer-encoding"}
            expected = {k: v for k, v in real.headers.items() if k not in framing}
            assert dict(sim.headers) == expected, context
        assert sim.text == real.text, context
    # What reached the server: the same preflights (with the same request headers) and the same requests.
    assert _wire_preflights(runs.server, case, run) == _wire_preflights(runs.server, case, "chromium")
    real = _requests_seen(runs.server, case, "chromium")
    _assert_same_requests(_requests_seen(runs.server, case, run), real)


def _assert_same_requests(simulated: list[Any], real: list[Any]) -> None:
    assert [r[:2] for r in simulated] == [r[:2] for r in real]
    for sim, chromium in zip(simulated, real, strict=True):
        only_sim = sorted(set(sim[2]) - set(chromium[2]))
        only_chromium = sorted(set(chromium[2]) - set(sim[2]))
        message = f"{sim[:2]}: only the simulator sent {only_sim}; only Chromium sent {only_chromium}"
        assert sim == chromium, message


def test_the_cases_cover_both_outcomes_and_the_preflight_cache(runs: Runs) -> None:
    """Guards the generator: a differential test where everything is blocked would prove little."""
    outcomes = [o for group in runs.chromium.values() for o in group]
    assert len(CASES) >= 200
    blocked = sum(o.blocked for o in outcomes)
    assert 0.25 * len(outcomes) < blocked < 0.75 * len(outcomes)
    preflighted = sum(bool(runs.server.preflights(c.id, query="run=chromium")) for c in CASES)
    assert preflighted > 60
    assert sum(any(r.from_preflight_cache for r in group) for group in runs.simulator.values()) >= 8
    readable_custom = sum("x-custom" in o.headers for o in outcomes)
    assert readable_custom >= 10


def test_the_waiting_cases_tell_cached_from_expired(runs: Runs) -> None:
    """After a 6 s pause, some Access-Control-Max-Age values must have expired and others not."""
    counts = {
        case.id: len(runs.server.preflights(case.id, query="run=chromium"))
        for case in CASES
        if case.id.startswith("cache-wait-")
    }
    assert set(counts.values()) == {1, 2}, counts
    # Chromium 156 (ParseAccessControlMaxAge reads a signed integer, default 5 s, negative -> 0):
    # "+10" and "0010" keep the entry, "10.5", "10, 10", "abc" and "-10" do not (one preflight = cached).
    kept = {name.removeprefix("cache-wait-") for name, count in counts.items() if count == 1}
    assert kept == {"10", "plus", "zeros"}, counts


# Where the chromium profile departs from the standard, Chromium itself must show the departure, and the
# standard-following firefox profile must disagree with it -- otherwise the special case is unjustified.
DEVIATIONS = [
    "auth-star",  # `*` covers Authorization in a fresh preflight
    "cache-header-star-auth",  # ...but a cached `*` does not
    "cache-maxage-neg",  # negative max-age: not cached (standard: 5 s)
    "cache-wait-plus",  # "+10" parses as 10 s (standard: failure, 5 s)
    "cache-cred-then-plain",  # a credentialed cache entry serves an uncredentialed request
    "cache-replaced",  # one entry per URL, replaced by the last preflight
    "cache-mode-second-no-store",  # cache modes bypass the preflight cache
    "cache-mode-second-reload",
    "header-15-user-agent",  # User-Agent silently dropped
    "header-00-dpr",  # Client Hints safelisted
    "header-11-ect",
]


def _observations(results: list[Any], preflights: int) -> tuple[list[bool], int]:
    return [r.blocked for r in results], preflights


@pytest.mark.parametrize("case_id", DEVIATIONS)
def test_chromium_deviations_are_observed_in_chromium(runs: Runs, case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    assert case.id in runs.chromium, "case list changed: keep DEVIATIONS in sync"
    real = _observations(runs.chromium[case_id], len(runs.server.preflights(case_id, query="run=chromium")))
    clock = _ShiftableClock()
    with Browser(origin=runs.origin, app=runs.server, profile="firefox", clock=clock) as standard:
        url = f"{runs.api_base}/c/{case_id}?run=firefox"
        spec = _observations(
            _run_simulator(standard, clock, url, case.inits),
            len(runs.server.preflights(case_id, query="run=firefox")),
        )
    assert real != spec, f"Chromium behaves as the standard says for {case_id}: {real}"
