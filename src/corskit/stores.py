"""Allowed origins kept in a shared store, for many workers on many hosts.

``allow_origin_func=RedisOriginStore("redis://cache:6379/0")`` makes every worker answer from the same
Redis set of origins. Each worker keeps its own copy in memory, so a request never waits for Redis: the
copy is loaded when the store is made and kept current by a background thread subscribed to the set's
change channel (and to Redis keyspace notifications for the key, where the server sends them). Changes
made with ``corskit origins add|remove`` reach every worker in milliseconds.

When Redis goes away, the workers keep answering from the last copy they had (known origins keep working,
unknown ones are refused), log the outage once, and reconnect and reload by themselves when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ._errors import CORSConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisOriginStore", "changes_channel", "validate_store_entries"]

_logger = logging.getLogger("corskit")


def changes_channel(key: str) -> str:
    """The pub/sub channel on which writers announce a change of the set ``key``."""
    return f"{key}:changed"


def validate_store_entries(entries: Iterable[str]) -> list[str]:
    """Check origins (or patterns) as ``allow_origins`` entries; return the problems, one line each.

    The store holds specific origins and patterns: ``"*"`` would allow every site, and belongs in the
    configuration (``allow_origins=["*"]``), where corskit can check it against ``allow_credentials``.
    """
    from ._compile import compile_policy

    problems: list[str] = []
    for entry in entries:
        if entry == "*":
            problems.append(f"{entry!r}: a store holds specific origins; for any origin use allow_origins=['*']")
            continue
        try:
            compile_policy(allow_origins=[entry])
        except CORSConfigError as error:
            # The middleware's own messages, which name the entry and give the corrected value.
            problems.extend(problem.message for problem in error.problems)
    return problems


class _Snapshot:
    """One immutable view of the set: exact origins in a frozenset, patterns compiled by corskit."""

    __slots__ = ("exact", "exact_bytes", "matcher", "patterns", "size")

    def __init__(self, entries: frozenset[str]) -> None:
        from ._compile import compile_policy

        self.size = len(entries)
        self.patterns = frozenset(entry for entry in entries if "*" in entry)
        self.exact = entries - self.patterns
        # Entries are validated origins, hence ASCII: the bytes a browser's Origin header carries.
        self.exact_bytes = frozenset(entry.encode("ascii") for entry in self.exact)
        # Patterns are matched by corskit's own compiled matcher (which sees only well-formed origins).
        self.matcher: Callable[[bytes], bool] | None = None
        if self.patterns:
            self.matcher = compile_policy(allow_origins=sorted(self.patterns)).allows_origin


_EMPTY = _Snapshot(frozenset())


class RedisOriginStore:
    """``allow_origin_func`` backed by a Redis (or Valkey) set, answered from a local copy.

    ``url``: a redis-py URL (``redis://host:6379/0``, ``rediss://...`` for TLS, ``unix:///path``).
    ``key``: the set holding one allowed origin (or pattern such as ``https://*.example.com``) per member.
    ``refresh_interval``: seconds between full reloads, a safety net for changes written without a
    notification (a plain ``SADD`` on a server without keyspace notifications).
    ``connect_timeout``: how long the constructor waits for the first load; if Redis is down by then the
    store starts empty (every origin it would allow is refused), logs it, and keeps trying.
    ``retry_interval``: seconds between reconnection attempts while Redis is unreachable.

    Calls from the middleware never touch the network. The middleware does not cache the store's
    answers (``answers_from_memory``): its copy is already current, and a cache would hide changes.
    """

    #: Tells the middleware that calls are cheap and always current: it asks on every request instead of
    #: caching answers for ``origin_cache_ttl``.
    answers_from_memory = True

    def __init__(
        self,
        url: str,
        *,
        key: str = "cors:origins",
        refresh_interval: float = 60.0,
        connect_timeout: float = 5.0,
        retry_interval: float = 0.5,
    ) -> None:
        try:
            import redis.asyncio  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("RedisOriginStore needs redis-py: pip install 'corskit[redis]'") from exc
        self.url: str = url
        self.key: str = key
        self.channel: str = changes_channel(key)
        self.refresh_interval: float = refresh_interval
        self.retry_interval: float = retry_interval
        self._snapshot = _EMPTY
        self._valid: dict[str, bool] = {}  # member -> whether it is a valid entry (validated once)
        self._loaded = threading.Event()
        # Set once the first attempt to load has succeeded or failed: the constructor waits for it.
        self._settled = threading.Event()
        self._stopping = threading.Event()
        self._down_since: float | None = None
        self._thread: threading.Thread | None = None
        self._start()
        if not self._settled.wait(connect_timeout):
            _logger.error(
                "corskit: Redis at %s did not answer within %.1f s; refusing the origins it holds until it "
                "does (retrying in the background).",
                _redacted(url),
                connect_timeout,
            )
        # A server that forks workers after importing the app (gunicorn --preload) would leave the
        # listener thread behind in the parent: start a fresh one in each child.
        os.register_at_fork(after_in_child=self._restart_after_fork)

    # -- what the middleware calls -------------------------------------------------------------------

    def __call__(self, origin: str) -> bool:
        try:
            raw = origin.encode("latin-1")
        except UnicodeEncodeError:  # no browser sends it
            return False
        return self.allows_raw(raw)

    def allows_raw(self, origin: bytes) -> bool:
        """:meth:`__call__` for the raw Origin header value: what the middleware calls on each request."""
        snapshot = self._snapshot  # one read: a reload swaps the whole snapshot at once
        if origin in snapshot.exact_bytes:
            return True
        return snapshot.matcher is not None and snapshot.matcher(origin)

    @property
    def origins(self) -> frozenset[str]:
        """The current local copy of the set (exact origins and patterns)."""
        snapshot = self._snapshot
        return snapshot.exact | snapshot.patterns

    @property
    def connected(self) -> bool:
        """Whether the listener is connected to Redis right now."""
        return self._loaded.is_set() and self._down_since is None

    def close(self) -> None:
        """Stop the background listener (the local copy stays readable)."""
        # The listener looks at _stopping at least once a second (its waits are bounded to that).
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    # -- the background listener ---------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._thread_main, name="corskit-redis-origins", daemon=True)
        self._thread.start()

    def _restart_after_fork(self) -> None:
        self._loaded = threading.Event()
        self._settled = threading.Event()
        if not self._stopping.is_set():
            self._start()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._listen_forever())
        finally:
            loop.close()

    async def _listen_forever(self) -> None:
        from redis.asyncio import Redis

        while not self._stopping.is_set():
            client: Redis = Redis.from_url(
                self.url, socket_connect_timeout=2.0, health_check_interval=5, decode_responses=True
            )
            try:
                await self._listen(client)
            except Exception as exc:  # any failure: keep the copy, say so once, retry
                self._went_down(exc)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await self._sleep(self.retry_interval)

    async def _listen(self, client: Redis) -> None:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        db = client.connection_pool.connection_kwargs.get("db", 0)
        try:
            # Subscribe first, then load: a change made between the two is then never missed.
            await pubsub.subscribe(self.channel, f"__keyspace@{db}__:{self.key}")
            await self._reload(client)
            self._came_up()
            next_refresh = time.monotonic() + self.refresh_interval
            while not self._stopping.is_set():
                timeout = max(0.0, min(1.0, next_refresh - time.monotonic()))
                message = await pubsub.get_message(timeout=timeout)
                if message is not None:
                    # Drain a burst of notifications and reload once for all of them.
                    while await pubsub.get_message(timeout=0) is not None:
                        pass
                    await self._reload(client)
                elif time.monotonic() >= next_refresh:
                    await self._reload(client)
                if time.monotonic() >= next_refresh:
                    next_refresh = time.monotonic() + self.refresh_interval
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _reload(self, client: Redis) -> None:
        members = await client.smembers(self.key)
        entries = frozenset(str(member) for member in members)  # str already: decode_responses=True
        fresh = [entry for entry in entries if entry not in self._valid]
        for entry in fresh:
            problems = validate_store_entries([entry])
            self._valid[entry] = not problems
            if problems:
                _logger.error(
                    "corskit: ignoring an invalid entry in Redis set %r: %s. Remove it with "
                    "'corskit origins remove' and add the corrected origin.",
                    self.key,
                    "; ".join(problems),
                )
        for gone in set(self._valid).difference(entries):
            del self._valid[gone]
        self._snapshot = _Snapshot(frozenset(entry for entry in entries if self._valid[entry]))
        self._loaded.set()
        self._settled.set()

    def _went_down(self, exc: BaseException) -> None:
        if self._down_since is None and not self._stopping.is_set():
            self._down_since = time.monotonic()
            _logger.error(
                "corskit: lost Redis at %s (%s: %s); serving the last known %d origins and refusing others "
                "until it is back.",
                _redacted(self.url),
                type(exc).__name__,
                exc,
                self._snapshot.size,
            )
        self._settled.set()

    def _came_up(self) -> None:
        if self._down_since is not None:
            _logger.warning(
                "corskit: Redis at %s is back after %.1f s; reloaded %d origins.",
                _redacted(self.url),
                time.monotonic() - self._down_since,
                self._snapshot.size,
            )
            self._down_since = None

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.1, deadline - time.monotonic()))


def _redacted(url: str) -> str:
    """The URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':***@' if user else '***@'}{host}"
