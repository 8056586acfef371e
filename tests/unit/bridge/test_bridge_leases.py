"""Operator leases in real Redis: a busy operator is not rung for a second call, and the operators
rung together with the one who answered are free again at once."""
import pytest
from redis import Redis

from bridge.leases import OperatorLeases


def ops(*ids):
    """{operator id: dial string} as the runners claim them."""
    return {i: f"Local/312099900{i:02d}@lab-pstn" for i in ids}


@pytest.fixture
def leases(redis_url, queue_prefix):
    redis = Redis.from_url(redis_url)
    yield OperatorLeases(redis, queue_prefix, ttl_s=60)
    redis.close()


def test_second_call_cannot_claim_a_held_operator(leases):
    """While one call holds an operator, another call's claim leaves them out."""
    assert leases.claim("call-a", ops(1, 2)) == [1, 2]
    assert leases.claim("call-b", ops(1, 2, 3)) == [3]
    assert leases.busy(1) and not leases.busy(4)


def test_release_frees_only_own_lease(leases):
    """Releasing frees the operator; a late release by another call frees nothing."""
    leases.claim("call-a", ops(1))
    leases.release("call-b", [1])
    assert leases.busy(1)
    leases.release("call-a", [1])
    assert not leases.busy(1) and leases.claim("call-b", ops(1)) == [1]


def test_same_call_may_claim_again(leases):
    """A call re-claiming the operators it holds (a retried step) keeps them."""
    leases.claim("call-a", ops(5))
    assert leases.claim("call-a", ops(5)) == [5]


def test_leases_expire(leases, redis_url, queue_prefix):
    """A lease carries a time to live, so a crashed server's leases free themselves."""
    leases.claim("call-a", ops(7))
    redis = Redis.from_url(redis_url)
    assert 0 < redis.ttl(f"{queue_prefix}:operator-busy:7") <= 60
    assert 0 < redis.ttl(f"{queue_prefix}:call-operators:call-a") <= 60


def test_redis_down_rings_anyway():
    """Without Redis the call still rings everyone: putting the caller through comes first."""
    dead = OperatorLeases(Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), "x")
    assert dead.claim("call-a", ops(1, 2)) == [1, 2]
    dead.release("call-a", [1, 2])
    assert dead.held("call-a") == {} and dead.release_others("call-a", 1) == []


def test_answer_frees_the_others_and_keeps_the_answerer(leases):
    """Three rung together, 2 answers: 1 and 3 can be claimed by the next call, 2 cannot."""
    leases.claim("call-a", ops(1, 2, 3))
    assert leases.held("call-a") == ops(1, 2, 3)
    assert leases.release_others("call-a", 2) == [1, 3]
    assert leases.held("call-a") == ops(2)
    assert leases.claim("call-b", ops(1, 2, 3)) == [1, 3]
    leases.release("call-a", [1, 2, 3])  # the Dial is over: call-b keeps 1 and 3
    assert leases.busy(1) and not leases.busy(2) and leases.busy(3)
    assert leases.held("call-a") == {}


def test_answer_frees_only_what_the_call_holds(leases):
    """An operator another call claimed in between is not freed; a second answer frees nobody."""
    leases.claim("call-a", ops(1, 2, 3))
    leases.release("call-a", [3])
    leases.claim("call-b", ops(3))
    assert leases.release_others("call-a", 1) == [2]
    assert leases.busy(1) and not leases.busy(2) and leases.busy(3)
    leases.claim("call-c", ops(2))
    assert leases.release_others("call-a", 2) == [] and leases.busy(1) and leases.busy(2)
    assert leases.release_others("call-unknown", 1) == [] and leases.busy(1)
