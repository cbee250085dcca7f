"""``corskit origins add|remove|list`` against a real redis-server."""

from __future__ import annotations

import pytest
import redis as redis_py
from support.cli import run_corskit
from support.redis_server import RedisServer, free_port

from corskit import CORSConfigError, CORSMiddleware


def members(redis: RedisServer, key: str = "cors:origins") -> set[str]:
    client = redis_py.Redis.from_url(redis.url, decode_responses=True)
    try:
        return {str(member) for member in client.smembers(key)}
    finally:
        client.close()


def test_add_list_remove(redis: RedisServer) -> None:
    added = run_corskit("origins", "add", "https://b.example.com", "https://a.example.com", "--redis", redis.url)
    assert added.code == 0, added.stderr
    assert added.stdout == "2 origin(s) added to cors:origins; 0 listening worker(s) notified\n"
    again = run_corskit("origins", "add", "--redis", redis.url, "https://a.example.com")
    assert again.stdout.startswith("0 origin(s) added to cors:origins (1 unchanged)")
    listed = run_corskit("origins", "list", "--redis", redis.url)
    assert listed.code == 0
    assert listed.stdout == "https://a.example.com\nhttps://b.example.com\n"
    removed = run_corskit("origins", "remove", "--redis", redis.url, "https://a.example.com")
    assert removed.code == 0
    assert members(redis) == {"https://b.example.com"}


def test_key_option_selects_the_set(redis: RedisServer) -> None:
    assert run_corskit("origins", "add", "--redis", redis.url, "--key", "t:1", "https://a.example.com").code == 0
    assert members(redis, "t:1") == {"https://a.example.com"}
    assert members(redis) == set()


def test_an_invalid_origin_writes_nothing(redis: RedisServer) -> None:
    result = run_corskit(
        "origins", "add", "--redis", redis.url, "https://ok.example.com", "https://Bad.example.com/", "null"
    )
    assert result.code == 2
    assert len(result.stderr_lines) == 1
    line = result.stderr_lines[0]
    assert line.startswith("corskit origins: error: nothing written: ")
    # The middleware's own rules and words: every problem it would raise for these entries is in the line.
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(None, allow_origins=["https://Bad.example.com/", "null"])  # type: ignore[arg-type]
    for problem in raised.value.problems:
        assert problem.message in line
    assert members(redis) == set()


def test_a_wildcard_is_refused(redis: RedisServer) -> None:
    result = run_corskit("origins", "add", "--redis", redis.url, "*")
    assert result.code == 2
    assert "allow_origins=['*']" in result.stderr
    assert members(redis) == set()


def test_patterns_follow_the_middleware_rules(redis: RedisServer) -> None:
    assert run_corskit("origins", "add", "--redis", redis.url, "https://*.tenants.example.com").code == 0
    refused = run_corskit("origins", "add", "--redis", redis.url, "https://*.com")
    assert refused.code == 2
    assert "public suffix" in refused.stderr
    assert members(redis) == {"https://*.tenants.example.com"}


def test_unreachable_redis_is_one_line() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    for args in (("add", "https://a.example.com"), ("list",), ("remove", "https://a.example.com")):
        result = run_corskit("origins", *args, "--redis", url)
        assert result.code == 2, args
        assert len(result.stderr_lines) == 1, result.stderr
        assert result.stderr_lines[0].startswith(f"corskit origins: error: cannot use Redis at {url}")
        assert "Traceback" not in result.stderr


def test_usage_errors() -> None:
    no_url = run_corskit("origins", "list", env={"CORSKIT_REDIS_URL": ""})
    assert no_url.code == 2
    assert "--redis URL is required" in no_url.stderr
    no_origin = run_corskit("origins", "add", "--redis", "redis://127.0.0.1:1/0")
    assert no_origin.code == 2
    assert len(no_origin.stderr_lines) == 1
    assert "the following arguments are required: origin" in no_origin.stderr
    no_action = run_corskit("origins")
    assert no_action.code == 2
    assert "corskit origins add|remove|list" in no_action.stderr
    bad_url = run_corskit("origins", "list", "--redis", "http://not-redis")
    assert bad_url.code == 2
    assert len(bad_url.stderr_lines) == 1
    assert "bad --redis URL" in bad_url.stderr


def test_the_redis_url_may_come_from_the_environment(redis: RedisServer) -> None:
    env = {"CORSKIT_REDIS_URL": redis.url}
    assert run_corskit("origins", "add", "https://env.example.com", env=env).code == 0
    assert run_corskit("origins", "list", env=env).stdout == "https://env.example.com\n"
