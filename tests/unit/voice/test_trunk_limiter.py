"""The trunk's channel leases and originate pacing, shared through real Redis."""
from __future__ import annotations

import time

import pytest
from redis import Redis

from voice.call_queue import NORMAL, URGENT, CallQueue, PendingCall
from voice.trunk_limiter import TrunkLimiter


@pytest.fixture
def redis(redis_url):
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def limiter(redis, queue_prefix):
    return TrunkLimiter(redis, queue_prefix)


def test_no_more_channels_than_the_limit_are_granted(limiter):
    """With 2 channels, a third call is refused as 'full' until one is released."""
    assert limiter.acquire("t", "a", 2, 1000.0, 60).granted
    time.sleep(0.002)
    assert limiter.acquire("t", "b", 2, 1000.0, 60).granted
    refused = limiter.acquire("t", "c", 2, 1000.0, 60)
    assert not refused.granted and refused.full and refused.wait_s > 50
    assert limiter.release("t", "a")
    time.sleep(0.002)
    assert limiter.acquire("t", "c", 2, 1000.0, 60).granted
    assert limiter.in_use("t") == 2


def test_originates_are_paced_by_calls_per_second(limiter):
    """At 2 calls/s the second grant within 0.5 s is refused with the time left, not as 'full'."""
    assert limiter.acquire("t", "a", 10, 2.0, 60).granted
    paced = limiter.acquire("t", "b", 10, 2.0, 60)
    assert not paced.granted and not paced.full
    assert 0 < paced.wait_s <= 0.5


def test_a_lease_whose_holder_vanished_expires_and_the_slot_comes_back(limiter):
    """A call whose holder never releases it frees its channel when the lease runs out."""
    assert limiter.acquire("t", "crashed", 1, 1000.0, 0.2).granted
    assert limiter.acquire("t", "next", 1, 1000.0, 60).full
    time.sleep(0.25)
    assert limiter.acquire("t", "next", 1, 1000.0, 60).granted


def test_renewing_keeps_a_live_call_past_its_first_lease(limiter):
    """A renewed lease outlives its first expiry; renewing an expired one does not bring it back."""
    assert limiter.acquire("t", "live", 1, 1000.0, 0.2).granted
    assert limiter.renew("t", ["live", "gone"], 60) == 1
    time.sleep(0.25)
    assert limiter.in_use("t") == 1


def test_a_taken_over_call_holds_its_channel_again_after_its_lease_expired(limiter):
    """hold() counts a call still up as using its channel even when its dead holder's lease ran out."""
    assert limiter.acquire("t", "orphan", 1, 1000.0, 0.2).granted
    time.sleep(0.25)
    assert limiter.in_use("t") == 0
    assert limiter.hold("t", ["orphan"], 60) == 1
    assert limiter.in_use("t") == 1 and limiter.acquire("t", "next", 1, 1000.0, 60).full


def test_asking_again_for_a_held_call_does_not_take_a_second_channel(limiter):
    """acquire() is idempotent per call id: a repeated request keeps one lease."""
    assert limiter.acquire("t", "a", 1, 1000.0, 60).granted
    assert limiter.acquire("t", "a", 1, 1000.0, 60).granted
    assert limiter.in_use("t") == 1


def test_bad_limits_are_refused_with_a_clear_error(limiter):
    """A zero channel limit or a non-positive rate is a ValueError naming the parameter."""
    with pytest.raises(ValueError, match="channel_limit"):
        limiter.acquire("t", "a", 0, 1.0, 60)
    with pytest.raises(ValueError, match="cps"):
        limiter.acquire("t", "a", 1, 0, 60)


def call(delivery_id, priority=NORMAL):
    return PendingCall(call_id=f"p-{delivery_id}-001", trunk="t", channel="Local/1@x", caller_id="+3185",
                       delivery_id=delivery_id, claim_token="c", priority=priority)


def test_waiting_calls_come_out_urgent_first_then_in_arrival_order(redis, queue_prefix):
    """Time-critical calls jump the queue; the rest are first come, first served."""
    queue = CallQueue(redis, queue_prefix)
    for pending in (call(1), call(2), call(3, URGENT)):
        queue.push(pending)
        time.sleep(0.002)
    assert [queue.pop("t").delivery_id for _ in range(3)] == [3, 1, 2]
    assert queue.pop("t") is None


def test_a_delivery_sent_again_waits_once_with_its_latest_attempt(redis, queue_prefix):
    """Pushing the same delivery twice keeps one waiting call, the latest one."""
    queue = CallQueue(redis, queue_prefix)
    queue.push(call(1))
    queue.push(PendingCall(**{**call(1).__dict__, "call_id": "p-1-002"}))
    assert queue.waiting("t") == 1 and queue.waiting_deliveries("t") == [1]
    assert queue.pop("t").call_id == "p-1-002"
