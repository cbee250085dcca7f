"""Differential test: corskit.browser's firefox and webkit profiles against real Firefox ESR and WebKitGTK.

The same generated cases as the Chromium test (browser_diff_cases.py: seeded random servers and
requests, character soup, preflight-cache sequences over time, redirects) run from a page on
http://app.localhost:P in each engine (support/engines.py: no WebDriver; a runner page takes the cases
from the test server and posts the outcomes back), against one scripted server at http://api.localhost:Q.
Then Browser(profile=<engine>) runs them over HTTP and in-process. For every fetch both must agree on
blocked/allowed, status, readable headers and body; for every case, on every request the server got.

WebKitGTK shares WebCore's CORS code and preflight cache with Safari, but it is not Safari: the webkit
profile is checked against WebKitGTK only. Both engines run at the same time, each in its own process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.chromium import FetchOutcome
from support.cors_server import ScriptedServer
from support.engines import EngineSession
from support.servers import serve

from browser.browser_diff_cases import Case, all_cases
from browser.browser_diff_runs import (
    NOT_COMPARED,
    assert_same_outcomes,
    assert_same_requests,
    page_groups,
    requests_seen,
    run_cases,
    run_twice,
    script_cases,
)
from corskit.browser import PROFILES

CASES = all_cases()
PAUSING = [case for case in CASES if any("sleep" in init for init in case.inits)]
OTHERS = [case for case in CASES if case not in PAUSING]
ENGINES = [pytest.param("firefox", marks=pytest.mark.firefox), pytest.param("webkit", marks=pytest.mark.webkit)]

# Besides NOT_COMPARED: Cookie -- the engines keep the cookies the scripted answers set, the simulator
# keeps no cookie jar.
IGNORED = NOT_COMPARED | {"cookie"}


@dataclass
class EngineRun:
    engine: str
    version: str
    origin: str
    outcomes: dict[str, list[FetchOutcome]]
    simulator: dict[str, list[Any]]
    in_process: dict[str, list[Any]]


@dataclass
class Runs:
    server: ScriptedServer
    engines: dict[str, EngineRun]
    api_base: str


@pytest.fixture(scope="module")
def runs(firefox: EngineSession, webkit: EngineSession) -> Iterator[Runs]:
    app = ScriptedServer()
    script_cases(app, CASES)
    with serve(app) as api:
        sessions = {"firefox": firefox, "webkit": webkit}
        # Both engines at once: each runs the cases from one page, concurrently. The cases that pause run
        # first, on their own, so that no queue of other requests stretches the time they measure.
        pending = {
            name: [
                session.submit_fetches(
                    session.origin("app.localhost"),
                    page_groups(part, lambda c, n=name: api.url(f"/c/{c.id}?run={n}", host="api.localhost")),
                )
                for part in (PAUSING, OTHERS)
            ]
            for name, session in sessions.items()
        }
        engines = {}
        for name, session in sessions.items():
            parts = [future.result(timeout=180) for future in pending[name]]
            by_id = dict(zip([c.id for c in PAUSING + OTHERS], parts[0] + parts[1], strict=True))
            origin = session.origin("app.localhost")
            over_http, in_process = run_twice(CASES, origin, app, name, api, suffix=f"-{name}")
            engines[name] = EngineRun(name, session.version, origin, by_id, over_http, in_process)
        yield Runs(app, engines, api.url("", host="api.localhost").rstrip("/"))


@pytest.mark.parametrize("run", ["sim", "inproc"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("engine", ENGINES)
def test_simulator_agrees_with_the_engine(runs: Runs, engine: str, case: Case, run: str) -> None:
    real = runs.engines[engine]
    simulated = real.simulator if run == "sim" else real.in_process
    assert_same_outcomes(case, real.outcomes[case.id], simulated[case.id], run == "inproc", real.version)
    # What reached the server: the same requests, preflights included, with the headers fetch() chose.
    assert_same_requests(
        requests_seen(runs.server, case, f"{run}-{engine}", IGNORED),
        requests_seen(runs.server, case, engine, IGNORED),
        real.version,
    )


def test_the_engines_are_the_ones_the_profiles_name(runs: Runs) -> None:
    assert runs.engines["firefox"].version.startswith(PROFILES["firefox"].checked_on)
    assert runs.engines["webkit"].version.startswith(PROFILES["webkit"].checked_on)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_cases_cover_both_outcomes_and_the_preflight_cache(runs: Runs, engine: str) -> None:
    """Guards the generator: a differential test where everything is blocked would prove little."""
    outcomes = [o for group in runs.engines[engine].outcomes.values() for o in group]
    blocked = sum(o.blocked for o in outcomes)
    assert 0.25 * len(outcomes) < blocked < 0.75 * len(outcomes)
    preflighted = sum(bool(runs.server.preflights(c.id, query=f"run={engine}")) for c in CASES)
    assert preflighted > 60
    cached = sum(any(r.from_preflight_cache for r in group) for group in runs.engines[engine].simulator.values())
    assert cached >= 8
    assert sum("x-custom" in o.headers for o in outcomes) >= 5


# After a 6 s pause, which Access-Control-Max-Age values still hold the entry (one preflight = cached)?
# Firefox ESR 153 reads ASCII digits only ("+10" is not cached at all); WebKitGTK 2.50 a signed integer.
KEPT_AFTER_PAUSE = {"firefox": {"10", "zeros"}, "webkit": {"10", "plus", "zeros"}}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_waiting_cases_tell_cached_from_expired(runs: Runs, engine: str) -> None:
    counts = {
        case.id.removeprefix("cache-wait-"): len(runs.server.preflights(case.id, query=f"run={engine}"))
        for case in CASES
        if case.id.startswith("cache-wait-")
    }
    assert {name for name, count in counts.items() if count == 1} == KEPT_AFTER_PAUSE[engine], counts


# Each rule an engine profile switches on, with the case that shows it: the engine must behave there
# differently from the standard profile (and, by the differential test above, like its own profile).
RULES = {
    "firefox": {
        "wildcard_covers_authorization": "auth-star",
        "max_age_syntax (non-digits: not cached)": "cache-maxage-junk",
        "max_age_syntax (signed: not cached)": "cache-maxage-plus",
        "cached_wildcards (method)": "cache-star-method",
        "cached_wildcards (header)": "cache-header-star",
        "cache_modes_bypassing_preflight_cache (no-store)": "cache-mode-second-no-store",
        "cache_modes_bypassing_preflight_cache (reload)": "cache-mode-second-reload",
        "non_ascii_is_unsafe_header_byte": "s081",
        "storage_access_header (on the preflight)": "cache-cred-then-plain",
        "preflight_ignores_tainted_origin": "chain-preflighted",
        "methods_exempt_from_cache_match": "cache-head-header",
        "added_request_headers (Priority)": "auth-listed",
    },
    "webkit": {
        "wildcard_covers_authorization": "auth-star",
        "cached_wildcard_covers_authorization": "cache-header-star-auth",
        "max_age_syntax (negative: not cached)": "cache-maxage-neg",
        "max_age_syntax (signed)": "cache-wait-plus",
        "preflight_cache_model (credentialed entry serves uncredentialed)": "cache-cred-then-plain",
        "preflight_cache_model (replaced)": "cache-replaced",
        "failed_preflight_clears_cache": "cache-method-missing",
        "caches_refused_preflight": "cache-failed-then",
        "empty_location": "location-empty",
        "range_unit_case_insensitive": "header-17-range",
        "preflight_carries_cache_mode_headers": "cache-mode-first-no-store",
        "storage_access_header (never)": "cache-plain-then-cred",
        "browser_headers_after_cross_origin_redirect": "chain-simple",
        "empty_location (redirect: error)": "location-empty-error",
        "empty_location_redirect_body_readable": "location-empty-manual",
        "header_values_sent_as_utf8": "header-27-accept",
    },
}


def _observed(runs: Runs, case: Case, run: str, outcomes: list[Any]) -> tuple[list[Any], list[Any]]:
    return [(o.blocked, o.status, o.text) for o in outcomes], requests_seen(runs.server, case, run, IGNORED)


@pytest.mark.parametrize(
    ("engine", "rule"),
    [
        pytest.param(engine, rule, marks=getattr(pytest.mark, engine), id=f"{engine}-{rule}")
        for engine, rules in RULES.items()
        for rule in rules
    ],
)
def test_each_profile_rule_is_observed_in_its_engine(runs: Runs, engine: str, rule: str) -> None:
    case = next(c for c in CASES if c.id == RULES[engine][rule])
    real = runs.engines[engine]
    standard = run_cases(
        [case], real.origin, runs.server, "standard", lambda c: f"{runs.api_base}/c/{c.id}?run=standard-{engine}"
    )
    seen = _observed(runs, case, engine, real.outcomes[case.id])
    by_standard = _observed(runs, case, f"standard-{engine}", standard[case.id])
    assert seen != by_standard, f"{real.version} behaves as the standard says for {case.id}: {seen}"
