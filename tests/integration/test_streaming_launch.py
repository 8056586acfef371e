"""A launch writes the nearest ring first and the rest ring by ring, resumable after a crash at any stage
(SQLite and PostgreSQL)."""
import contextlib
import threading

import pytest
from sqlalchemy import func, select

from core import jobs, ledger, ledger_rings
from core.models import Action, AuditEvent, Delivery, OutboxMessage, Participant, PhoneNumber
from lab import factories

# Participants every 150 m eastwards from 100 m; one lives at 8 km but works at 250 m.
DISTANCES = [100 + 150 * i for i in range(20)]


@pytest.fixture
def small_rings(monkeypatch):
    """Rings of a few alerts each, so a small area takes many rings."""
    monkeypatch.setattr(ledger_rings, "FIRST_RING_ROWS", 3)
    monkeypatch.setattr(ledger_rings, "RING_ROWS", 3)
    monkeypatch.setattr(ledger_rings, "RING_ROWS_MAX", 3)


def setup_area(app):
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        people = [factories.participant(s, f"06123456{n:02d}", d).id for n, d in enumerate(DISTANCES)]
        commuter = factories.participant(s, "0612349999", 8000, work_distance_m=250).id
        return room, operators, people, commuter


def ledger_rows(rt, action_id):
    with rt.db.session() as s:
        return s.execute(select(Delivery.participant_id, Delivery.rank, Delivery.distance_m, Delivery.state)
                         .where(Delivery.action_id == action_id).order_by(Delivery.rank)).all()


@contextlib.contextmanager
def ring_sizes():
    """The number of alerts due from each ring written meanwhile, in a list."""
    sizes, original = [], ledger.write_alerts

    def counting(*args, **kwargs):
        due, next_rank = original(*args, **kwargs)
        sizes.append(len(due))
        return due, next_rank

    ledger.write_alerts = counting
    try:
        yield sizes
    finally:
        ledger.write_alerts = original


def expected_order(people, commuter):
    """Nearest first: the commuter by their work location, at 250 m."""
    by_distance = sorted([(d, p) for d, p in zip(DISTANCES, people)] + [(250, commuter)])
    return [p for _, p in by_distance]


def test_launch_writes_the_nearest_ring_first_and_the_rest_in_rings(app, client, auth, work, small_rings):
    """The answer comes with the first ring written and enqueued and the whole count planned; the writer
    adds the rings beyond, each participant once, nearest first; the audit counts the first ring's alerts
    (not its ranks: the nearest participant's second mobile is a row the ledger dropped)."""
    room, operators, people, commuter = setup_area(app)
    with app.extensions["uitkijk"].db.session() as s:
        nearest = s.get(Participant, people[0])
        nearest.numbers.append(PhoneNumber(e164="+31612349998", kind="mobile", channel="sms"))
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0], 3000), headers=auth)
    assert response.status_code == 201, response.json
    action = response.json
    assert action["planned"] == 21 and action["ledger_complete"] is False
    rt = app.extensions["uitkijk"]
    first = ledger_rows(rt, action["id"])
    with rt.db.session() as s:
        first_ring_m = s.get(Action, action["id"]).ledger_m
    assert 250 <= first_ring_m < 3000
    assert [p for p, *_ in first] == expected_order(people, commuter)[:len(first)]
    assert all(d <= first_ring_m for _, _, d, _ in first)
    assert len(first) == 1 + sum(1 for d in DISTANCES if d <= first_ring_m)  # and the commuter
    with rt.db.session() as s:
        launched = s.scalar(select(AuditEvent.detail).where(AuditEvent.verb == "launch"))
    assert launched["first_ring"] == len(first) < first[-1].rank + 1
    assert rt.queues.urgent.count >= 1
    with ring_sizes() as seen:
        work()
    rows = ledger_rows(rt, action["id"])
    assert [p for p, *_ in rows] == expected_order(people, commuter)
    assert all(state == "sent" for *_, state in rows)
    assert len(seen) >= 4 and max(seen) < 21  # ring by ring, never the whole area at once
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 21
        done = s.get(Action, action["id"])
        assert done.ledger_done_at is not None and done.ledger_m == 3000
        assert done.planned == 21  # recorded by the ledger writer: the launch only answered with it
    assert client.get(f"/api/actions/{action['id']}", headers=auth).json["planned"] == 21


class Crash(Exception):
    pass


def crash_once(monkeypatch, module, name, on_call):
    """Make module.name raise Crash on its on_call-th call, as if the process died there."""
    original = getattr(module, name)
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == on_call:
            raise Crash(name)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, wrapped)


@pytest.mark.parametrize("module, name, on_call", [
    (ledger_rings, "alerts_query", 3),  # while planning a ring
    (ledger, "write_alerts", 3),  # while writing it, after moving ledger_m
    (ledger_rings, "enqueue_batches", 2),  # after its commit, before its jobs are enqueued
])
def test_a_writer_that_crashes_is_resumed_where_it_stopped(app, client, auth, work, small_rings, monkeypatch,
                                                          module, name, on_call):
    """After a crash at any stage of a ring, the next writer goes on from the last ring committed: everyone is
    alerted once, in order."""
    room, operators, people, commuter = setup_area(app)
    rt = app.extensions["uitkijk"]
    rt.config["REQUEUE_AFTER_S"] = 0  # what the sweeper would do a minute later
    crash_once(monkeypatch, module, name, on_call)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 3000), headers=auth).json
    with pytest.raises(Crash):
        ledger_rings.extend(rt, action["id"])
    with rt.db.session() as s:
        assert ledger_rings.unfinished(s) == [action["id"]]
    work()
    jobs.sweep(rt)
    work()
    rows = ledger_rows(rt, action["id"])
    assert [p for p, *_ in rows] == expected_order(people, commuter)
    assert [r for _, r, *_ in rows] == sorted(r for _, r, *_ in rows)
    assert all(state == "sent" for *_, state in rows)
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 21


def test_a_launch_that_crashes_before_its_commit_leaves_no_action(app, client, auth, monkeypatch):
    """A launch dying while it writes the first ring leaves nothing: never an action that alerts nobody."""
    room, operators, _, _ = setup_area(app)
    crash_once(monkeypatch, ledger, "write_alerts", 1)
    with pytest.raises(Crash):
        client.post("/api/actions", json=factories.launch_body(room, operators[0], 3000), headers=auth)
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 0


def test_two_writers_never_write_the_same_ring(app, client, auth, small_rings):
    """A writer that read the action before another wrote the next ring writes nothing and changes nothing."""
    room, operators, _, _ = setup_area(app)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 3000), headers=auth).json
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        stale = s.get(Action, action["id"])
        s.expunge(stale)
    with rt.db.session() as fast:
        assert ledger_rings.write_ring(rt, fast, fast.get(Action, action["id"]))
    with rt.db.session() as slow:
        assert ledger_rings.write_ring(rt, slow, stale) is None
        slow.rollback()
    rows = ledger_rows(rt, action["id"])
    assert len({p for p, *_ in rows}) == len(rows)


def test_the_workers_ledger_writer_finds_unfinished_actions_by_itself(app, client, auth, small_rings, monkeypatch):
    """A launch whose request to the writers was lost is still completed: the writer looks in the database."""
    room, operators, _, _ = setup_area(app)
    monkeypatch.setattr(ledger_rings, "request", lambda rt, action_id: None)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 3000), headers=auth).json
    rt = app.extensions["uitkijk"]
    stop = threading.Event()
    writer = threading.Thread(target=ledger_rings.work, args=(rt, stop), kwargs={"wait_s": 0.1})
    writer.start()
    try:
        for _ in range(300):
            with rt.db.session() as s:
                if s.get(Action, action["id"]).ledger_done_at is not None:
                    break
            stop.wait(0.1)
    finally:
        stop.set()
        writer.join()
    assert len(ledger_rows(rt, action["id"])) == 21


def test_rings_widen_where_the_people_thin_out(app, work, small_rings):
    """Beyond a dense centre the rings widen until their cells hold people: a village 6 to 8 km out takes a few
    rings, not one of 150 m after another across the empty fields (a national ledger's countryside)."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        town = [factories.participant(s, f"06123456{n:02d}", 20 * n).id for n in range(1, 7)]
        village = [factories.participant(s, f"06123457{n:02d}", 6000 + 500 * n).id for n in range(4)]
    action_id = factories.launch(rt, room.id, operators[0].id, "Inbraak", radius_m=9000)
    rings = []
    ledger_rings.extend(rt, action_id, lambda: rings.append(1))
    rows = ledger_rows(rt, action_id)
    assert [p for p, *_ in rows] == town + village
    assert len(rings) <= 3, len(rings)  # by the density of the town alone: 5


def test_rings_grow_with_the_ledger(app, work, small_rings, monkeypatch):
    """Once the nearest are written a ring holds as many as the rings before it together (each ring costs a
    commit and an enqueue beside its rows): the same area in fewer rings, each participant once, nearest first."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        people = [factories.participant(s, f"061234{n:04d}", 40 * n).id for n in range(1, 41)]
    counts = {}
    for most in (3, 24):
        monkeypatch.setattr(ledger_rings, "RING_ROWS_MAX", most)
        action_id = factories.launch(rt, room.id, operators[0].id, f"Inbraak {most}", radius_m=2000)
        with ring_sizes() as sizes:
            ledger_rings.extend(rt, action_id)
        assert [p for p, *_ in ledger_rows(rt, action_id)] == people
        assert max(sizes) <= 2 * most, sizes
        counts[most] = len(sizes)
    assert counts[24] < counts[3] / 2, counts
