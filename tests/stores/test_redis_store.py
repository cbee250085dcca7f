"""RedisOriginStore against a real redis-server: loading, live changes, outages and recovery."""

from __future__ import annotations

import logging
import os
import select
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis as redis_py
from support.cli import run_corskit
from support.redis_server import RedisServer

from corskit import CORSMiddleware
from corskit.stores import RedisOriginStore

KEY = "cors:origins"


def wait_until(condition: Callable[[], bool], within: float) -> float | None:
    """Seconds until ``condition()`` held, or None if it did not within ``within`` seconds."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            return None
        time.sleep(0.005)


@pytest.fixture
def client(redis: RedisServer) -> Iterator[redis_py.Redis]:
    made = redis_py.Redis.from_url(redis.url, decode_responses=True)
    yield made
    made.close()


@pytest.fixture
def make_store(redis: RedisServer) -> Iterator[Callable[..., RedisOriginStore]]:
    stores: list[RedisOriginStore] = []

    def make(**options: float) -> RedisOriginStore:
        store = RedisOriginStore(redis.url, key=KEY, **options)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


def test_loads_the_set_when_made(client: redis_py.Redis, make_store: Callable[..., RedisOriginStore]) -> None:
    client.sadd(KEY, "https://a.example.com", "https://b.example.com", "https://*.tenants.example.net")
    store = make_store()
    assert store.connected
    assert store("https://a.example.com") is True
    assert store("https://b.example.com") is True
    assert store("https://x.tenants.example.net") is True  # patterns follow the middleware's rules
    assert store("https://tenants.example.net") is False
    assert store("https://c.example.com") is False
    assert store.origins == {"https://a.example.com", "https://b.example.com", "https://*.tenants.example.net"}


def test_changes_from_the_admin_command_apply_within_a_second(
    redis: RedisServer, make_store: Callable[..., RedisOriginStore]
) -> None:
    store = make_store(refresh_interval=3600)
    origin = "https://new.example.com"
    assert store(origin) is False
    result = run_corskit("origins", "add", "--redis", redis.url, origin)
    assert result.code == 0, result.stderr
    assert "1 listening worker(s) notified" in result.stdout
    assert wait_until(lambda: store(origin), within=1.0) is not None
    result = run_corskit("origins", "remove", "--redis", redis.url, origin)
    assert result.code == 0, result.stderr
    assert wait_until(lambda: not store(origin), within=1.0) is not None


def test_plain_writes_are_seen_through_keyspace_notifications(
    client: redis_py.Redis, make_store: Callable[..., RedisOriginStore]
) -> None:
    client.config_set("notify-keyspace-events", "Ks")  # K: keyspace channel, s: set commands
    store = make_store(refresh_interval=3600)
    client.sadd(KEY, "https://plain.example.com")  # no announcement on the changes channel
    assert wait_until(lambda: store("https://plain.example.com"), within=1.0) is not None


def test_plain_writes_without_notifications_are_seen_at_the_next_refresh(
    client: redis_py.Redis, make_store: Callable[..., RedisOriginStore]
) -> None:
    client.config_set("notify-keyspace-events", "")
    store = make_store(refresh_interval=0.3)
    client.sadd(KEY, "https://later.example.com")  # not announced, no notification: only a reload sees it
    assert wait_until(lambda: store("https://later.example.com"), within=2.0) is not None


def test_invalid_entries_are_ignored_and_logged_once(
    client: redis_py.Redis, make_store: Callable[..., RedisOriginStore], caplog: pytest.LogCaptureFixture
) -> None:
    client.sadd(KEY, "https://ok.example.com", "https://Bad.example.com/", "*")
    with caplog.at_level(logging.ERROR, logger="corskit"):
        store = make_store(refresh_interval=0.2)
        time.sleep(0.7)  # a few refreshes: the bad entries are reported once, not at every reload
    assert store("https://ok.example.com") is True
    assert store("https://Bad.example.com/") is False
    assert store("https://bad.example.com") is False
    assert store("https://evil.example") is False  # "*" in the store never allows everyone
    bad = [record for record in caplog.records if "invalid entry" in record.getMessage()]
    assert len(bad) == 2, [record.getMessage() for record in bad]
    assert any("'https://Bad.example.com/'" in record.getMessage() for record in bad)


def test_an_outage_keeps_the_last_copy_and_recovers(
    redis: RedisServer,
    client: redis_py.Redis,
    make_store: Callable[..., RedisOriginStore],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client.sadd(KEY, "https://known.example.com")
    with caplog.at_level(logging.WARNING, logger="corskit"):
        store = make_store(retry_interval=0.1)
        redis.stop()
        assert wait_until(lambda: not store.connected, within=5.0) is not None
        for _ in range(1000):  # requests during the outage: answered from memory, none fails
            assert store("https://known.example.com") is True
            assert store("https://unknown.example.com") is False
        time.sleep(0.5)  # several reconnection attempts fail meanwhile
        lost = [record for record in caplog.records if "lost Redis" in record.getMessage()]
        assert len(lost) == 1
        assert "serving the last known 1 origins" in lost[0].getMessage()

        redis.start()  # back, but empty (no persistence): the store must reload, not keep its copy
        restarted = redis_py.Redis.from_url(redis.url, decode_responses=True)
        restarted.sadd(KEY, "https://after.example.com")
        restarted.publish(f"{KEY}:changed", "add")
        restarted.close()
        assert wait_until(lambda: store("https://after.example.com"), within=5.0) is not None
        assert store("https://known.example.com") is False
        assert store.connected
    assert any("is back after" in record.getMessage() for record in caplog.records)


def test_starting_while_redis_is_down_serves_nothing_then_loads(
    redis: RedisServer, make_store: Callable[..., RedisOriginStore]
) -> None:
    redis.stop()
    store = make_store(connect_timeout=5.0, retry_interval=0.1)
    assert not store.connected
    assert store("https://a.example.com") is False
    redis.start()
    writer = redis_py.Redis.from_url(redis.url, decode_responses=True)
    writer.sadd(KEY, "https://a.example.com")
    writer.close()
    assert wait_until(lambda: store("https://a.example.com"), within=5.0) is not None


@pytest.mark.anyio
async def test_the_middleware_cache_never_hides_a_change(
    client: redis_py.Redis, make_store: Callable[..., RedisOriginStore]
) -> None:
    """A long origin_cache_ttl still shows every change at once: the store's answers are not cached."""

    async def app(scope: object, receive: object, send: Callable[..., object]) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[misc]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[misc]

    store = make_store(refresh_interval=3600)
    middleware = CORSMiddleware(app, allow_origin_func=store, origin_cache_ttl=3600)
    transport = httpx.ASGITransport(app=middleware)
    origin = "https://tenant.example.com"
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:

        async def allowed() -> bool:
            response = await http.get("/", headers={"Origin": origin})
            return response.headers.get("access-control-allow-origin") == origin

        assert await allowed() is False
        client.sadd(KEY, origin)
        client.publish(f"{KEY}:changed", "add")
        assert await _eventually(allowed, within=1.0)
        client.srem(KEY, origin)
        client.publish(f"{KEY}:changed", "remove")
        assert await _eventually(lambda: _not(allowed), within=1.0)


async def _not(check: Callable[[], object]) -> bool:
    return not await check()  # type: ignore[misc]


async def _eventually(check: Callable[[], object], within: float) -> bool:
    import anyio

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[misc]
            return True
        await anyio.sleep(0.01)
    return False


# Forking a process that runs threads is what this test is about (Python 3.12+ warns about it).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_listens_for_itself(
    redis: RedisServer, client: redis_py.Redis, make_store: Callable[..., RedisOriginStore]
) -> None:
    """A server that imports the app and then forks its workers (gunicorn --preload) keeps them current."""
    store = make_store(refresh_interval=3600)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: wait for the change, report whether it arrived, and leave at once
        os.close(read_end)
        arrived = wait_until(lambda: store("https://forked.example.com"), within=5.0) is not None
        os.write(write_end, b"1" if arrived else b"0")
        os._exit(0)
    os.close(write_end)
    try:
        # Announce until the child answers (its own listener may subscribe after the first announcement).
        client.sadd(KEY, "https://forked.example.com")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            client.publish(f"{KEY}:changed", "add")
            ready, _, _ = select.select([read_end], [], [], 0.05)
            if ready:
                break
        assert os.read(read_end, 1) == b"1"
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
