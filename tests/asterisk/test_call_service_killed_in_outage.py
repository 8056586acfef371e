"""A call service killed (kill -9) while PostgreSQL is away, after its calls were answered and hung up: their
outcomes existed only in that process until they were spooled in Redis (voice.call_outcomes). Once the
database is back, the next call service records every call answered, once, with the time it was on the line.
Real processes on a PostgreSQL cluster of this test's own, beside the lab Asterisk."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from test_database_restart import cluster, database_url  # noqa: F401 (fixtures: a private cluster)

from core.models import Delivery
from lab import factories
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, wait_until
from tests.asterisk.fleet import AlertCallsSeen, logs, ready, seed, start_fleet
from voice.call_outcomes import CallOutcome

LANDLINES = 4
LISTEN_S = 4  # how long each participant stays on the line
SETTLE_WAIT = 120.0  # seconds; a generous bound, not a performance check


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path, sides="a",
                            TRUNK_CHANNEL_VARIABLES=f'{{"LAB_LISTEN": "{LISTEN_S}"}}')
    yield processes
    for process in processes.values():
        process.stop()


def spooled(rt, kind):
    """Delivery ids with an outcome of `kind` waiting in any call service's spool in Redis."""
    prefix = f"{rt.config['QUEUE_PREFIX']}:call-outcomes:"
    return {CallOutcome.from_json(record).delivery_id for key in rt.redis.scan_iter(f"{prefix}*")
            if not key.decode().endswith(":writers") for record in rt.redis.lrange(key, 0, -1)
            if CallOutcome.from_json(record).kind == kind}


def test_outcomes_of_a_call_service_killed_during_a_database_outage_are_written_by_the_next(
        voice_rt, cluster, fleet, asterisk_lab, ami, tmp_path):
    """Every call is answered, PostgreSQL stops, the calls hang up and the call service is killed -9; with the
    database back, a new call service writes the dead one's outcomes: each call answered once, on the line for
    as long as the participant listened, none tried again."""
    rt = voice_rt
    seen = AlertCallsSeen(rt.config["QUEUE_PREFIX"])
    ami.subscribe("*", seen)
    room_id, operator_id, _ = seed(rt, LANDLINES, LANDLINES, behaviour=ANSWERS)
    ready(fleet, asterisk_lab)
    factories.launch(rt, room_id, operator_id, "Inbraak Weesp")

    wait_until(lambda: len(seen.answered) == LANDLINES, "every call answered", every=0.05)
    rt.db.engine.dispose()
    cluster.stop()
    try:
        wait_until(lambda: not seen.alive, "every call hung up", timeout=LISTEN_S * 4)
        wait_until(lambda: len(spooled(rt, "ended")) == LANDLINES, "every call's end spooled in Redis")
        fleet["calls-a"].kill()
    finally:
        cluster.start()
    fleet.update(start_fleet(rt, asterisk_lab, tmp_path, sides="b", kinds=("calls",)))

    def settled():
        try:
            with rt.db.session() as session:
                rows = session.execute(select(Delivery.state, Delivery.detail)
                                       .where(Delivery.purpose == "alert")).all()
        except Exception:  # the database still starting
            return None
        return rows if all(state == "answered" for state, _ in rows) else None

    try:
        rows = wait_until(settled, "every call recorded answered", timeout=SETTLE_WAIT, every=0.5)
    except AssertionError:
        pytest.fail(f"calls not recorded answered\n{logs(fleet)}")
    assert len(rows) == LANDLINES
    assert all(count == 1 for count in seen.answered_per_delivery().values()), "a call was made twice"
    # On the line for as long as the participant listened (its Hangup's time), not until the write got through.
    on_line = [detail["on_line_s"] for _, detail in rows]
    assert all(LISTEN_S - 1 <= s <= LISTEN_S + 5 for s in on_line), on_line
    assert all("history" not in detail for _, detail in rows)  # no attempt given up as interrupted
    wait_until(lambda: not spooled(rt, "ended"), "the spool emptied once written")
    assert "claimed" in fleet["calls-b"].log()
