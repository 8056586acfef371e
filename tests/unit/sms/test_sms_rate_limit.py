"""RedisRateLimiter against the real Redis: pacing shared by several processes."""
import multiprocessing
import os
import time
import uuid

import pytest
import redis

from sms.rate_limit import RedisRateLimiter

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client():
    """The real Redis (fail under CI=true when it is missing), keys under a unique prefix removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    """A key prefix no other test uses; its keys are deleted after the test."""
    prefix = f"test-rate-{uuid.uuid4().hex}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def test_first_acquire_is_granted(redis_client, prefix):
    """An idle sender gets a slot at once."""
    assert RedisRateLimiter(redis_client, prefix).acquire("+3197010000000", 5) == 0.0


def test_acquire_timed_reports_redis_clock(redis_client, prefix):
    """acquire_timed returns the same answer plus Redis's clock at the decision."""
    wait, at = RedisRateLimiter(redis_client, prefix).acquire_timed("sender", 5)
    seconds, micros = redis_client.time()
    assert wait == 0.0 and 0 < at <= seconds * 1_000_000 + micros


def test_second_acquire_must_wait(redis_client, prefix):
    """Right after a grant, the next caller is told to wait up to one interval (here 100 s)."""
    limiter = RedisRateLimiter(redis_client, prefix)
    assert limiter.acquire("sender", 0.01) == 0.0
    wait = limiter.acquire("sender", 0.01)
    assert 0 < wait <= 100


def test_keys_are_independent(redis_client, prefix):
    """Two senders do not share a budget."""
    limiter = RedisRateLimiter(redis_client, prefix)
    assert limiter.acquire("a", 0.01) == 0.0
    assert limiter.acquire("b", 0.01) == 0.0


def test_state_expires(redis_client, prefix):
    """The per-sender key carries a TTL, so idle senders leave nothing behind."""
    RedisRateLimiter(redis_client, prefix).acquire("sender", 5)
    assert 0 < redis_client.pttl(f"{prefix}:sender") <= 1200


def test_wait_for_slot_sleeps_the_advised_time(redis_client, prefix):
    """wait_for_slot sleeps what acquire advises and then holds a slot."""
    limiter = RedisRateLimiter(redis_client, prefix)
    limiter.acquire("sender", 0.01)
    sleeps = []

    def fake_sleep(seconds):
        sleeps.append(seconds)
        redis_client.delete(f"{prefix}:sender")  # as if the interval had passed

    waited = limiter.wait_for_slot("sender", 0.01, sleep=fake_sleep)
    assert len(sleeps) == 1 and waited == sleeps[0] > 0


@pytest.mark.parametrize("key, rate", [("", 1), ("k", 0), ("k", -1), ("k", float("inf")), ("k", "5"), ("k", True)])
def test_acquire_rejects_bad_arguments(redis_client, prefix, key, rate):
    """An empty key or a rate that is not a positive number is refused."""
    with pytest.raises(ValueError):
        RedisRateLimiter(redis_client, prefix).acquire(key, rate)


def _take_slots(prefix, rate, count, results):
    """Worker process: take `count` slots, recording Redis's clock (µs) at each grant."""
    limiter = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), prefix)
    granted = []
    while len(granted) < count:
        wait, at = limiter.acquire_timed("shared", rate)
        if wait:
            time.sleep(wait)
        else:
            granted.append(at)
    results.put(granted)


def test_processes_never_exceed_rate_in_any_second(redis_client, prefix):
    """Four processes competing for one sender never get more than `rate` grants in any one-second window."""
    rate, per_process, processes = 10, 8, 4
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_take_slots, args=(prefix, rate, per_process, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    grants = sorted(t for _ in workers for t in results.get(timeout=60))
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    assert len(grants) == per_process * processes
    # Grants are paced 1/rate apart on Redis's clock, so any `rate + 1` consecutive grants span
    # at least a second: no one-second window holds more than `rate` of them.
    for first, last in zip(grants, grants[rate:]):
        assert last - first >= 1_000_000
