"""allow_origin_func: sync and async, OR-ed with the static rules, cached per origin, failing safely."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import anyio
import pytest
from support.asgi import AsyncCountingFunc, CountingFunc, Endpoint, arequest, preflight, request
from support.threads import run

from corskit import CORSConfigError, CORSMiddleware
from corskit._dynamic import DynamicOrigins, in_thread

TENANT = "https://tenant.example"
STRANGER = "https://stranger.example"


def get(app: Any, origin: str, path: str = "/") -> Any:
    return request(app, "GET", path, [("Origin", origin)])


@pytest.mark.parametrize("func_type", [CountingFunc, AsyncCountingFunc])
def test_function_allows_and_refuses_origins(func_type: type[CountingFunc]) -> None:
    func = func_type(allowed=[TENANT])
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func, allow_credentials=True)

    allowed = get(app, TENANT)
    assert allowed.status == 200
    assert allowed.get("access-control-allow-origin") == TENANT
    assert allowed.get("access-control-allow-credentials") == "true"
    assert allowed.get("vary") == "Origin"

    refused = get(app, STRANGER)
    assert refused.status == 200 and refused.body == b"ok"
    assert refused.cors_headers() == {}
    assert refused.get("vary") == "Origin"

    ok = preflight(app, TENANT, "GET")
    assert ok.status == 200
    assert ok.get("access-control-allow-origin") == TENANT
    bad = preflight(app, STRANGER, "GET")
    assert bad.status == 400
    assert bad.get("access-control-allow-origin") is None
    assert sorted(set(func.calls)) == [STRANGER, TENANT]


def test_function_is_ored_with_lists_patterns_and_regex() -> None:
    func = CountingFunc(allowed=["https://from-func.example"])
    app = CORSMiddleware(
        Endpoint(body=b"ok"),
        allow_origins=["https://listed.example", "https://*.pattern.example"],
        allow_origin_regex=r"https://r[0-9]+\.example",
        allow_origin_func=func,
    )
    for origin in (
        "https://listed.example",
        "https://a.pattern.example",
        "https://r42.example",
        "https://from-func.example",
    ):
        assert get(app, origin).get("access-control-allow-origin") == origin, origin
    assert get(app, "https://nobody.example").get("access-control-allow-origin") is None
    # The function refusing does not take away what the lists allow.
    assert get(app, "https://listed.example").get("access-control-allow-origin") == "https://listed.example"


@pytest.mark.parametrize("func_type", [CountingFunc, AsyncCountingFunc])
def test_answers_are_cached_per_origin(func_type: type[CountingFunc]) -> None:
    func = func_type(allowed=[TENANT])
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func)
    for _ in range(25):
        assert get(app, TENANT).get("access-control-allow-origin") == TENANT
        assert get(app, STRANGER).get("access-control-allow-origin") is None
        preflight(app, TENANT)
    # A "no" is cached just like a "yes".
    assert func.calls.count(TENANT) == 1
    assert func.calls.count(STRANGER) == 1


@pytest.mark.parametrize("cache", [{"origin_cache_ttl": 0}, {"origin_cache_size": 0}])
def test_zero_turns_the_cache_off(cache: dict[str, Any]) -> None:
    func = CountingFunc(allowed=[TENANT])
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func, **cache)
    for _ in range(7):
        assert get(app, TENANT).get("access-control-allow-origin") == TENANT
    assert func.calls == [TENANT] * 7


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cached_answer_expires_after_ttl() -> None:
    clock = FakeClock()
    func = CountingFunc(allowed=[TENANT])
    dynamic = DynamicOrigins(func, size=100, ttl=10.0, clock=clock)

    async def ask() -> bool:
        return await dynamic.allowed(TENANT)

    assert run(ask) is True
    clock.now += 9.5
    assert run(ask) is True
    assert len(func.calls) == 1
    clock.now += 1.0  # 10.5 s after the first answer
    assert run(ask) is True
    assert len(func.calls) == 2
    # The fresh answer is good for another full TTL.
    clock.now += 9.5
    assert run(ask) is True
    assert len(func.calls) == 2


def test_a_changed_answer_is_seen_after_ttl() -> None:
    clock = FakeClock()
    func = CountingFunc(allowed=[TENANT])
    dynamic = DynamicOrigins(func, size=100, ttl=5.0, clock=clock)
    assert run(dynamic.allowed, TENANT) is True
    func.allowed.clear()  # the tenant is deleted from the database
    assert run(dynamic.allowed, TENANT) is True  # still cached
    clock.now += 6
    assert run(dynamic.allowed, TENANT) is False


def test_cache_is_a_bounded_lru() -> None:
    clock = FakeClock()
    func = CountingFunc(allowed=["https://a.example", "https://b.example", "https://c.example"])
    dynamic = DynamicOrigins(func, size=2, ttl=60.0, clock=clock)

    def ask(origin: str) -> None:
        assert run(dynamic.allowed, origin) is True

    ask("https://a.example")
    ask("https://b.example")
    ask("https://a.example")  # a is now the most recently used
    ask("https://c.example")  # evicts b, the least recently used
    calls_before = len(func.calls)
    ask("https://a.example")
    ask("https://c.example")
    assert len(func.calls) == calls_before  # both still cached
    ask("https://b.example")
    assert func.calls.count("https://b.example") == 2
    assert func.calls.count("https://a.example") == 1


def test_cache_size_stays_bounded_under_many_origins() -> None:
    func = CountingFunc(answer=False)
    dynamic = DynamicOrigins(func, size=50, ttl=60.0)

    async def flood() -> None:
        for i in range(2000):
            await dynamic.allowed(f"https://t{i}.example")

    run(flood)
    assert len(func.calls) == 2000
    # Only the 50 most recent origins are remembered.
    run(dynamic.allowed, "https://t1999.example")
    run(dynamic.allowed, "https://t1950.example")
    assert len(func.calls) == 2000
    run(dynamic.allowed, "https://t1949.example")
    assert len(func.calls) == 2001


def _raise(origin: str) -> bool:
    raise RuntimeError("database is down")


async def _araise(origin: str) -> bool:
    raise RuntimeError("database is down")


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "corskit" and r.levelno == logging.ERROR]


@pytest.mark.parametrize(
    "func",
    [_raise, _araise, lambda o: 1, lambda o: None, lambda o: "yes", lambda o: [True]],
    ids=["raises", "async-raises", "returns-1", "returns-None", "returns-yes", "returns-list"],
)
def test_failing_function_refuses_origin_and_logs_once(func: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="corskit")
    # The answer cache is off: the function is asked every time, and still logged about only once.
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func, origin_cache_size=0)
    for _ in range(5):
        reply = get(app, TENANT)
        assert reply.status == 200 and reply.body == b"ok"
        assert reply.cors_headers() == {}
        assert preflight(app, TENANT).status == 400
    errors = _errors(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert TENANT in errors[0].getMessage()
    assert "allow_origin_func" in errors[0].getMessage()
    # Another origin gets its own log line.
    get(app, STRANGER)
    assert len(_errors(caplog)) == 2


def test_failure_is_logged_again_after_ttl(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="corskit")
    clock = FakeClock()
    dynamic = DynamicOrigins(_raise, size=0, ttl=30.0, clock=clock)
    for _ in range(3):
        assert run(dynamic.allowed, TENANT) is False
    assert len(_errors(caplog)) == 1
    clock.now += 31
    assert run(dynamic.allowed, TENANT) is False
    assert len(_errors(caplog)) == 2
    assert _errors(caplog)[0].exc_info is not None  # the traceback is kept for the raising case


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "https://tenant.example/",
        "https://tenant.example/path",
        "HTTPS://TENANT.EXAMPLE",
        "https://user@tenant.example",
        "https://tenant.example:0",
        "https://tenant.example:443",
        "tenant.example",
        "https://tenant.example\r\nX-Evil: 1",
        "https://" + "a" * 5000 + ".example",
        "",
    ],
)
def test_function_never_sees_what_no_browser_sends(origin: str) -> None:
    func = CountingFunc(answer=True)
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func)
    assert get(app, origin).cors_headers() == {}
    assert preflight(app, origin).get("access-control-allow-origin") is None
    assert app.explain("GET", "/", {"Origin": origin}).allowed is False
    assert func.calls == []
    # Sanity: a well-formed origin does reach it.
    get(app, TENANT)
    assert func.calls == [TENANT]


def test_duplicated_origin_is_refused_without_asking() -> None:
    func = CountingFunc(answer=True)
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func)
    reply = request(app, "GET", "/", [("Origin", TENANT), ("Origin", TENANT)])
    assert reply.cors_headers() == {}
    assert func.calls == []


def test_in_thread_runs_a_blocking_function_off_the_event_loop() -> None:
    threads: list[int] = []
    release = threading.Event()

    def blocking_lookup(origin: str) -> bool:
        threads.append(threading.get_ident())
        # Only returns True if the event loop stayed free to run the task that sets the event.
        return release.wait(timeout=5) and origin == TENANT

    async def main() -> tuple[Any, float]:
        app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=in_thread(blocking_lookup))
        loop_thread = threading.get_ident()

        async def set_soon() -> None:
            await anyio.sleep(0.05)
            release.set()

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(set_soon)
            reply = await arequest(app, "GET", "/", [("Origin", TENANT)])
        assert threads and threads[0] != loop_thread
        return reply, time.monotonic() - started

    reply, elapsed = run(main)
    assert reply.get("access-control-allow-origin") == TENANT
    assert elapsed < 2


def test_in_thread_keeps_the_function_name_and_works_for_refusals() -> None:
    def lookup_tenant(origin: str) -> bool:
        return False

    wrapped = in_thread(lookup_tenant)
    assert wrapped.__name__ == "lookup_tenant"
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=wrapped)
    assert get(app, STRANGER).cors_headers() == {}


def test_bad_dynamic_settings_are_all_reported_together() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(
            Endpoint(body=b"ok"),
            allow_origin_func="https://tenant.example",  # type: ignore[arg-type]
            origin_cache_size=-1,
            origin_cache_ttl=float("nan"),
        )
    problems = {p.code: p.parameter for p in caught.value.problems}
    assert problems == {
        "origin-func-not-callable": "allow_origin_func",
        "cache-size-invalid": "origin_cache_size",
        "cache-ttl-invalid": "origin_cache_ttl",
    }


@pytest.mark.parametrize("size", [-5, 1.5, True, "100", None])
def test_cache_size_must_be_a_whole_number(size: Any) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=bool, origin_cache_size=size)
    assert caught.value.codes == ["cache-size-invalid"]


@pytest.mark.parametrize("ttl", [-1, float("inf"), float("nan"), "60", True, None])
def test_cache_ttl_must_be_a_finite_number(ttl: Any) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=bool, origin_cache_ttl=ttl)
    assert caught.value.codes == ["cache-ttl-invalid"]


def test_zero_and_float_cache_settings_are_valid() -> None:
    CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=bool, origin_cache_size=0, origin_cache_ttl=0)
    CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=bool, origin_cache_ttl=0.5)


class SlowAsyncFunc:
    """An async origin check that takes a while (a database query), counting its calls."""

    def __init__(self, answer: bool = True, delay: float = 0.05) -> None:
        self.answer = answer
        self.delay = delay
        self.calls: list[str] = []

    async def __call__(self, origin: str) -> bool:
        self.calls.append(origin)
        await anyio.sleep(self.delay)
        return self.answer


@pytest.mark.parametrize("answer", [True, False])
def test_a_burst_from_a_new_origin_costs_one_call(answer: bool) -> None:
    func = SlowAsyncFunc(answer)
    app = CORSMiddleware(Endpoint(body=b"ok"), allow_origin_func=func)
    replies: list[Any] = []

    async def burst() -> None:
        async def one() -> None:
            replies.append(await arequest(app, "GET", "/", [("Origin", TENANT)]))

        async with anyio.create_task_group() as tg:
            for _ in range(30):
                tg.start_soon(one)

    run(burst)
    assert func.calls == [TENANT]
    assert len(replies) == 30
    assert {r.get("access-control-allow-origin") for r in replies} == {TENANT if answer else None}


def test_a_burst_through_in_thread_costs_one_call() -> None:
    calls: list[str] = []

    def blocking(origin: str) -> bool:
        calls.append(origin)
        time.sleep(0.05)
        return True

    dynamic = DynamicOrigins(in_thread(blocking), size=100, ttl=60.0)

    async def burst() -> list[bool]:
        results: list[bool] = []

        async def one() -> None:
            results.append(await dynamic.allowed(TENANT))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one)
        return results

    assert run(burst) == [True] * 20
    assert calls == [TENANT]


def test_a_cancelled_request_does_not_cancel_the_shared_call() -> None:
    func = SlowAsyncFunc(True, delay=0.1)
    dynamic = DynamicOrigins(func, size=100, ttl=60.0)

    async def main() -> bool:
        with anyio.move_on_after(0.02):  # the first request gives up (client went away)
            await dynamic.allowed(TENANT)
        return await dynamic.allowed(TENANT)  # a later one still gets the answer, without a second call

    assert run(main) is True
    assert func.calls == [TENANT]


def test_without_cache_a_burst_asks_every_time() -> None:
    func = SlowAsyncFunc(True, delay=0.01)
    dynamic = DynamicOrigins(func, size=0, ttl=60.0)

    async def burst() -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(dynamic.allowed, TENANT)

    run(burst)
    assert func.calls == [TENANT] * 5


def test_a_failing_function_in_a_burst_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="corskit")

    async def broken(origin: str) -> bool:
        await anyio.sleep(0.02)
        raise ConnectionError("database unreachable")

    dynamic = DynamicOrigins(broken, size=100, ttl=60.0)

    async def burst() -> list[bool]:
        results: list[bool] = []

        async def one() -> None:
            results.append(await dynamic.allowed(TENANT))

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(one)
        return results

    assert run(burst) == [False] * 10
    assert len(_errors(caplog)) == 1
