"""Nothing accepted is lost: a lost Redis job, a crashed worker or a Redis outage at launch."""
from datetime import timedelta

from redis import Redis
from sqlalchemy import select, update

from core import ledger
from core.jobs import sweep
from core.models import Delivery, OutboxMessage, utcnow
from lab import factories


def launch(app, client, auth, participants=3):
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(participants):
            factories.participant(s, f"061234567{n}", 100 * (n + 1))
    return client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth).json


def age_everything(rt, seconds):
    with rt.db.session() as s:
        past = utcnow() - timedelta(seconds=seconds)
        s.execute(update(Delivery).values(enqueued_at=past, claimed_at=past))


def test_sweeper_recovers_jobs_lost_with_redis(app, client, auth, work):
    """Jobs wiped from Redis (a restart without persistence) are re-enqueued from the ledger and sent once."""
    rt = app.extensions["uitkijk"]
    launch(app, client, auth)
    rt.queues.urgent.empty()
    work()
    with rt.db.session() as s:
        assert s.scalars(select(Delivery.state)).all() == ["queued"] * 3
    assert sweep(rt) == 0  # not yet: they were enqueued a moment ago
    age_everything(rt, 3600)
    assert sweep(rt) == 3
    work()
    with rt.db.session() as s:
        assert s.scalars(select(Delivery.state)).all() == ["sent"] * 3
        assert len(s.scalars(select(OutboxMessage.id)).all()) == 3
    age_everything(rt, 3600)
    assert sweep(rt) == 0


def test_sweeper_leaves_the_jobs_of_a_worker_that_is_behind(app, client, auth, work):
    """Queued alerts whose jobs still wait in the queue (the worker is behind, as in a national alert) are not
    enqueued a second time however long they wait; once the queue is empty, what is still queued was lost."""
    rt = app.extensions["uitkijk"]
    launch(app, client, auth)
    jobs = rt.queues.urgent.count
    assert jobs >= 1
    age_everything(rt, 3600)
    assert sweep(rt) == 0
    assert rt.queues.urgent.count == jobs
    rt.queues.urgent.empty()  # the jobs are lost after all
    assert sweep(rt) == 3
    work()
    with rt.db.session() as s:
        assert s.scalars(select(Delivery.state)).all() == ["sent"] * 3
        assert len(s.scalars(select(OutboxMessage.id)).all()) == 3


def test_expired_lease_of_a_crashed_worker_is_taken_back(app, client, auth, work):
    """A delivery claimed by a worker that died is sent again after its lease, exactly once."""
    rt = app.extensions["uitkijk"]
    action = launch(app, client, auth, participants=1)
    rt.queues.urgent.empty()
    with rt.db.session() as s:
        ids = s.scalars(select(Delivery.id).where(Delivery.action_id == action["id"])).all()
        assert len(ledger.claim(s, ids)) == 1  # ...and then the worker is killed
    age_everything(rt, 3600)
    assert sweep(rt) == 1
    work()
    with rt.db.session() as s:
        delivery = s.scalar(select(Delivery))
        assert (delivery.state, delivery.attempts) == ("sent", 2)
        assert len(s.scalars(select(OutboxMessage.id)).all()) == 1


def test_lease_with_provider_reference_is_not_sent_again(app, client, auth, work):
    """A delivery the provider already took (it has a reference) is marked sent, not sent twice."""
    rt = app.extensions["uitkijk"]
    action = launch(app, client, auth, participants=1)
    rt.queues.urgent.empty()
    with rt.db.session() as s:
        ids = s.scalars(select(Delivery.id).where(Delivery.action_id == action["id"])).all()
        ledger.claim(s, ids)
        ledger.record_provider_ref(s, ids[0], "SM123", "twilio-sms")
    age_everything(rt, 3600)
    assert sweep(rt) == 0
    with rt.db.session() as s:
        assert s.scalar(select(Delivery.state)) == "sent"


def test_launch_survives_redis_being_down(app, client, auth, work, monkeypatch):
    """If Redis is unreachable at launch the action is still accepted; the sweeper sends it later."""
    rt = app.extensions["uitkijk"]
    real = rt.redis
    rt.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(rt.queues.urgent, "connection", rt.redis)
    try:
        response = launch(app, client, auth, participants=2)
    finally:
        rt.redis = real
        monkeypatch.undo()
    assert response["status"] == "active"
    age_everything(rt, 3600)
    assert sweep(rt) == 2
    work()
    with rt.db.session() as s:
        assert s.scalars(select(Delivery.state)).all() == ["sent", "sent"]
