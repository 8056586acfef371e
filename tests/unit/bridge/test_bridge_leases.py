"""Operator leases in real Redis: a busy operator is not rung for a second call."""
import pytest
from redis import Redis

from bridge.leases import OperatorLeases


@pytest.fixture
def leases(redis_url, queue_prefix):
    redis = Redis.from_url(redis_url)
    yield OperatorLeases(redis, queue_prefix, ttl_s=60)
    redis.close()


def test_second_call_cannot_claim_a_held_operator(leases):
    """While one call holds an operator, another call's claim leaves them out."""
    assert leases.claim("call-a", [1, 2]) == [1, 2]
    assert leases.claim("call-b", [1, 2, 3]) == [3]
    assert leases.busy(1) and not leases.busy(4)


def test_release_frees_only_own_lease(leases):
    """Releasing frees the operator; a late release by another call frees nothing."""
    leases.claim("call-a", [1])
    leases.release("call-b", [1])
    assert leases.busy(1)
    leases.release("call-a", [1])
    assert not leases.busy(1) and leases.claim("call-b", [1]) == [1]


def test_same_call_may_claim_again(leases):
    """A call re-claiming the operators it holds (a retried step) keeps them."""
    leases.claim("call-a", [5])
    assert leases.claim("call-a", [5]) == [5]


def test_leases_expire(leases, redis_url, queue_prefix):
    """A lease carries a time to live, so a crashed server's leases free themselves."""
    leases.claim("call-a", [7])
    ttl = Redis.from_url(redis_url).ttl(f"{queue_prefix}:operator-busy:7")
    assert 0 < ttl <= 60


def test_redis_down_rings_anyway():
    """Without Redis the call still rings everyone: putting the caller through comes first."""
    dead = OperatorLeases(Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), "x")
    assert dead.claim("call-a", [1, 2]) == [1, 2]
    dead.release("call-a", [1, 2])
