"""Call outcomes spooled in (real) Redis until written: a dead writer's spool is claimed once, whole and in
order, by a live one, and only once its heartbeat stopped."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from redis import Redis

from voice import call_outcomes
from voice.call_outcomes import CallOutcome, OutcomeSpool, OutcomeWriter

AT = datetime(2026, 12, 2, 20, 15, 3, 250000, tzinfo=timezone.utc)


@pytest.fixture
def redis(redis_url):
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def quick_death(monkeypatch):
    """A writer silent for 0.2 s counts as dead (instead of DEAD_AFTER_S)."""
    monkeypatch.setattr(call_outcomes, "DEAD_AFTER_S", 0.2)


OUTCOMES = [CallOutcome("placed", 7, "t-7-1"), CallOutcome("answered", 7, "t-7-1", at=AT),
            CallOutcome("ended", 7, "t-7-1", at=AT, cause=16)]


def test_an_outcome_survives_the_round_trip_through_redis():
    for outcome in OUTCOMES + [CallOutcome("not reached", 8, "t-8-1", cause=17, outcome="busy")]:
        assert CallOutcome.from_json(outcome.to_json()) == outcome


def test_a_dead_writers_outcomes_are_claimed_once_in_their_order(redis, queue_prefix, quick_death):
    dead = OutcomeSpool(redis, queue_prefix)
    dead.beat()
    for outcome in OUTCOMES:
        dead.add(outcome)
    claimers = [OutcomeSpool(redis, queue_prefix) for _ in range(2)]
    assert claimers[0].claim_dead() == []  # its heartbeat is fresh: still its own
    assert claimers[0].calls_elsewhere() == {"t-7-1"}  # so its calls are not taken over meanwhile

    time.sleep(0.3)
    claimed, barrier = [], threading.Barrier(2)

    def claim(spool):
        barrier.wait()
        claimed.append(spool.claim_dead())

    threads = [threading.Thread(target=claim, args=(spool,)) for spool in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed, key=len) == [[], OUTCOMES]
    assert dead.writer not in claimers[0].others()  # no heartbeat left to claim again


def test_a_live_writer_keeps_its_spool_while_it_beats(redis, queue_prefix, quick_death):
    live = OutcomeSpool(redis, queue_prefix)
    live.add(OUTCOMES[0])
    other = OutcomeSpool(redis, queue_prefix)
    for _ in range(3):
        live.beat()
        time.sleep(0.1)
        assert other.claim_dead() == []


class Ledger:
    """Stands in for core.alert_calls: what the writer wrote, and a database that is away until `up`."""

    def __init__(self):
        self.written = []
        self.up = threading.Event()

    def __getattr__(self, name):
        def write(*args, **kwargs):
            self.written.append(name)
        return write


def test_the_writer_spools_each_outcome_before_writing_and_unspools_it_after(redis, queue_prefix, monkeypatch):
    ledger = Ledger()
    monkeypatch.setattr(call_outcomes, "alert_calls", ledger)

    def unit_of_work(work, stop=None):  # waits while the database is away, as core.db does
        ledger.up.wait()
        return work(None)

    spool = OutcomeSpool(redis, queue_prefix)
    writer = OutcomeWriter(SimpleNamespace(db=SimpleNamespace(unit_of_work=unit_of_work)), spool)
    thread = threading.Thread(target=writer.run)
    thread.start()
    try:
        for outcome in OUTCOMES:
            writer.put(outcome)
        assert writer.waiting("t-7-1")
        key = f"{queue_prefix}:call-outcomes:{spool.writer}"
        assert [CallOutcome.from_json(r) for r in redis.lrange(key, 0, -1)] == OUTCOMES

        ledger.up.set()
        deadline = time.monotonic() + 10
        while writer.waiting("t-7-1") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ledger.written == ["placed", "answered", "ended"]
        assert redis.llen(key) == 0
    finally:
        writer.stop()
        thread.join(5)
