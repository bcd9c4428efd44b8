"""``core.cache.TolerantRedisCache``: with Redis unreachable every operation answers "nothing stored" (and logs a
warning) instead of failing the request; with Redis answering it is Django's RedisCache."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
import redis

from core.cache import TolerantRedisCache

NOBODY_LISTENS = "redis://127.0.0.1:1/0"  # port 1: the connection is refused at once
REAL_REDIS = "redis://127.0.0.1:6379/0"


def unreachable_cache() -> TolerantRedisCache:
    return TolerantRedisCache(NOBODY_LISTENS, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


@pytest.mark.parametrize("operation, call, expected", [
    ("get", lambda c: c.get("k"), None),
    ("get", lambda c: c.get("k", "fallback"), "fallback"),
    ("get_many", lambda c: c.get_many(["a", "b"]), {}),
    ("has_key", lambda c: c.has_key("k"), False),
    ("add", lambda c: c.add("k", 1, timeout=60), True),
    ("set", lambda c: c.set("k", 1, timeout=60), None),
    ("set_many", lambda c: c.set_many({"a": 1, "b": 2}), ["a", "b"]),
    ("incr", lambda c: c.incr("k", 3), 3),
    ("delete", lambda c: c.delete("k"), False),
    ("touch", lambda c: c.touch("k", 60), False),
], ids=lambda value: value if isinstance(value, str) else None)
def test_with_redis_unreachable_each_operation_answers_its_default_and_logs_a_warning(caplog, operation, call,
                                                                                      expected):
    cache = unreachable_cache()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert call(cache) == expected
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert warnings[0].getMessage() == (
        f"cache: Redis unreachable during {operation} (ConnectionError); carrying on without it")


def test_the_login_guards_count_goes_on_without_redis(caplog):
    """What ``enterprises.login_guard`` does with a failed login: add the counter, else incr it; then read it."""
    cache = unreachable_cache()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        if not cache.add("failures:kim", 1, timeout=900):
            cache.incr("failures:kim")
        assert cache.get("failures:kim", 0) == 0  # nothing is counted: the login is not refused
    assert [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "core.cache"] == [
        "cache: Redis unreachable during add", "cache: Redis unreachable during get"]


def _real_cache_or_skip(prefix: str) -> TolerantRedisCache:
    try:
        redis.Redis.from_url(REAL_REDIS, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"no Redis answers at {REAL_REDIS}")
    return TolerantRedisCache(REAL_REDIS, {"KEY_PREFIX": prefix, "OPTIONS": {"socket_connect_timeout": 0.5}})


@pytest.fixture
def real_cache() -> Iterator[TolerantRedisCache]:
    prefix = f"tests:{uuid.uuid4().hex}:"
    cache = _real_cache_or_skip(prefix)
    try:
        yield cache
    finally:
        client = redis.Redis.from_url(REAL_REDIS)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def test_with_redis_answering_values_are_stored_and_read_normally(real_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert real_cache.get("k", "fallback") == "fallback"
        real_cache.set("k", {"n": 1, "name": "김민지"}, timeout=60)
        assert real_cache.get("k") == {"n": 1, "name": "김민지"}
        assert real_cache.has_key("k")
        assert real_cache.add("counter", 1, timeout=60) is True
        assert real_cache.add("counter", 5, timeout=60) is False  # already there
        assert real_cache.incr("counter", 4) == 5
        with pytest.raises(ValueError):  # only unreachability is forgiven, not incr of a key that is not there
            real_cache.incr("never-set")
        assert real_cache.set_many({"a": 1, "b": 2}, timeout=60) == []
        assert real_cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
        assert real_cache.touch("a", 120) is True
        assert real_cache.delete("a") is True
        assert real_cache.delete("a") is False
        assert real_cache.get("a") is None
    assert [r for r in caplog.records if r.name == "core.cache"] == []
    stored = redis.Redis.from_url(REAL_REDIS).keys(f"{real_cache.key_prefix}*")
    assert sorted(k.decode().rsplit(":", 1)[-1] for k in stored) == ["b", "counter", "k"]
