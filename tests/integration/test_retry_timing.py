"""Backoff retries run when their backoff ends, through RQ's scheduler, not when the sweeper next passes."""
import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from rq import SimpleWorker
from sqlalchemy import select

from core.jobs import run_at
from core.models import Delivery
from core.transports import SendResult, TransientFailure
from core.outage import Outage
from lab import factories
from worker import scheduler_loop


class BusyOnce:
    """An SMS network that is busy at the first attempt of each message and takes the second."""

    name = "busy-once"
    in_database = False

    def __init__(self):
        self.attempts = defaultdict(list)

    def send(self, session, delivery, text):
        self.attempts[delivery.id].append(datetime.now(timezone.utc))
        if len(self.attempts[delivery.id]) == 1:
            # Backoffs with every fraction of a second, where RQ's whole seconds would run them early.
            raise TransientFailure("busy", retry_after=1 + (delivery.id % 7) / 7)
        return SendResult(provider_ref=f"ref-{delivery.id}")


def aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_every_retry_finds_its_row_due(app, client, auth):
    """Seven messages busy at first: each retry job runs after its row's backoff ended and sends it, so seven
    retry jobs send all seven (none runs early, claims nothing and leaves its row to the sweeper)."""
    rt = app.extensions["uitkijk"]
    network = BusyOnce()
    rt.transports["sms"] = network
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(7):
            factories.participant(s, f"06{12000000 + n}", 10 * n)
    client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth)
    stop = threading.Event()
    scheduler = threading.Thread(target=scheduler_loop, args=(rt, stop, Outage("Redis")), daemon=True)
    scheduler.start()
    try:
        # The launch's one job, then one retry job per message; no sweeper runs here.
        SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis).work(
            max_jobs=8, max_idle_time=20, logging_level="ERROR")
    finally:
        stop.set()
        scheduler.join()
    with rt.db.session() as s:
        deliveries = s.scalars(select(Delivery)).all()
    assert {d.state for d in deliveries} == {"sent"}
    for d in deliveries:
        first, second = network.attempts[d.id]
        assert first < aware(d.not_before) <= second


def test_retry_runs_at_the_first_whole_second_not_before_its_backoff_ends():
    """RQ rounds scheduled times down to the second; the retry is scheduled at the next whole second."""
    moment = datetime(2026, 12, 1, 12, 0, 0, 700_000, tzinfo=timezone.utc)
    assert run_at(moment) == datetime(2026, 12, 1, 12, 0, 1, tzinfo=timezone.utc)
    assert run_at(moment.replace(microsecond=0)) == moment.replace(microsecond=0)
    assert run_at(moment) - moment < timedelta(seconds=1)
