"""An erasure and a ledger's writer never cross: the ledger has no foreign keys to the register (core.erasure),
so a launch that starts while an erasure is under way waits for it and alerts everyone but the erased, and an
erasure that starts while a ring is being written waits for it and erases those rows too (SQLite: its write lock;
PostgreSQL: the advisory lock, seen waiting in pg_locks)."""
import threading
import time

from sqlalchemy import select, text

from core import ledger
from core.erasure import erase_participant
from core.models import Action, Delivery, OutboxMessage
from core.selection import alerts_query
from lab import factories


def wait_until_blocked(rt):
    """On PostgreSQL, until another backend waits for the advisory lock (on SQLite a writer waits unseen)."""
    if rt.db.dialect != "postgresql":
        time.sleep(0.3)
        return
    for _ in range(200):
        with rt.db.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("nobody waited for the erasure lock")


def people(rt):
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        kept = factories.participant(s, "0612345601", 100).id
        erased = factories.participant(s, "0612345602", 200).id
        return room.id, operators[0].id, kept, erased


def test_a_launch_during_an_erasure_alerts_everyone_but_the_erased(rt, work):
    room, operator, kept, erased = people(rt)
    launched = {}
    launcher = threading.Thread(target=lambda: launched.update(id=factories.launch(rt, room, operator, "Inbraak")))
    with rt.db.session() as s:
        erase_participant(s, erased)
        launcher.start()
        wait_until_blocked(rt)
    launcher.join(timeout=60)
    with rt.db.session() as s:
        rows = s.execute(select(Delivery.participant_id, Delivery.to_e164)
                         .where(Delivery.action_id == launched["id"])).all()
    assert rows == [(kept, "+31612345601")]
    work()  # what the phones get: the console transport's outbox
    with rt.db.session() as s:
        assert s.scalars(select(OutboxMessage.to_e164)).all() == ["+31612345601"]


def test_an_erasure_during_a_ring_erases_what_the_ring_wrote(rt):
    room, operator, kept, erased = people(rt)
    area = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 1000}
    with rt.db.session() as s:
        action = Action(code="4711", kind="burglary", time_critical=True, title="Inbraak", message="Man in jas.",
                        area=area, operator_id=operator, control_room_id=room, launched_by="test")
        s.add(action)
        s.flush()
        action_id = action.id
    failures = []

    def erase():
        try:
            with rt.db.session() as s:
                erase_participant(s, erased)
        except Exception as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    eraser = threading.Thread(target=erase)
    with rt.db.session() as s:
        due, _ = ledger.write_alerts(s, action_id, alerts_query(s, area), hold_quiet=False, tz="Europe/Amsterdam")
        assert len(due) == 2
        eraser.start()
        wait_until_blocked(rt)
    eraser.join(timeout=60)
    assert not failures
    with rt.db.session() as s:
        rows = s.execute(select(Delivery.participant_id, Delivery.to_e164, Delivery.state)
                         .where(Delivery.action_id == action_id).order_by(Delivery.rank)).all()
    assert rows == [(kept, "+31612345601", "queued"), (None, "", "cancelled")]
