"""Differential test: corskit.browser.Browser(profile="chromium") against real headless Chromium.

Both run the same generated cases (browser_diff_cases.py) against the same scripted server, from the
same origin (http://app.localhost:P) to http://api.localhost:Q. For every fetch they must agree on
blocked/allowed, status, the headers JavaScript can read and the body; for every case, on the
preflights the server received (count, Access-Control-Request-Method and -Headers), redirects included.
Chromium runs all cases from one page in one evaluation, so the whole module takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.chromium import FetchOutcome, open_origin_page
from support.cors_server import ScriptedServer
from support.servers import ServerHandle, serve

from browser.browser_diff_cases import Case, all_cases
from browser.browser_diff_runs import (
    ShiftableClock,
    assert_same_outcomes,
    assert_same_requests,
    page_groups,
    requests_seen,
    run_simulator,
    run_twice,
    script_cases,
    wire_preflights,
)
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


@pytest.fixture(scope="module")
def runs(chromium: Any, page_server: ServerHandle) -> Iterator[Runs]:
    app = ScriptedServer()
    script_cases(app, CASES)
    with serve(app) as api:
        origin = page_server.origin("app.localhost")
        page = open_origin_page(chromium, origin)
        try:
            outcomes = page.fetch_sequences(
                page_groups(CASES, lambda c: api.url(f"/c/{c.id}?run=chromium", host="api.localhost"))
            )
        finally:
            page.close()
        chromium_results = {case.id: group for case, group in zip(CASES, outcomes, strict=True)}
        # The simulator twice: over real HTTP (httpx), and in-process against the same ASGI app.
        simulator_results, in_process_results = run_twice(CASES, origin, app, "chromium", api)
        api_base = api.url("", host="api.localhost").rstrip("/")
        yield Runs(app, chromium_results, simulator_results, in_process_results, origin, api_base)


@pytest.mark.parametrize("run", ["sim", "inproc"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_simulator_agrees_with_chromium(runs: Runs, case: Case, run: str) -> None:
    simulated = runs.simulator[case.id] if run == "sim" else runs.in_process[case.id]
    assert_same_outcomes(case, runs.chromium[case.id], simulated, run == "inproc", "Chromium")
    # What reached the server: the same preflights (with the same request headers) and the same requests.
    assert wire_preflights(runs.server, case, run) == wire_preflights(runs.server, case, "chromium")
    real = requests_seen(runs.server, case, "chromium")
    assert_same_requests(requests_seen(runs.server, case, run), real, "Chromium")


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
# standard profile must disagree with it -- otherwise the special case is unjustified.
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
    clock = ShiftableClock()
    with Browser(origin=runs.origin, app=runs.server, profile="standard", clock=clock) as standard:
        url = f"{runs.api_base}/c/{case_id}?run=standard"
        spec = _observations(
            run_simulator(standard, clock, url, case.inits),
            len(runs.server.preflights(case_id, query="run=standard")),
        )
    assert real != spec, f"Chromium behaves as the standard says for {case_id}: {real}"
