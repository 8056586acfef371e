"""PostgreSQL away for longer than a delivery's lease while alert calls are up and end: the call service
goes on handling Asterisk's events (each hang-up frees its trunk channel while the database is still down),
and once the database is back every answered call is recorded answered, with the time it was on the line
by Asterisk's events, not by when the write finally got through. Real processes on a PostgreSQL cluster of
this test's own, beside the lab Asterisk."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from test_database_restart import cluster, database_url  # noqa: F401 (fixtures: a private cluster)

from core.models import Delivery
from lab import factories
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, wait_until
from tests.asterisk.fleet import AlertCallsSeen, logs, ready, seed, start_fleet
from voice.trunk_limiter import TrunkLimiter

LANDLINES = 8  # fewer than the trunk's channels: every call is up before the database goes
LISTEN_S = 8  # how long each participant stays on the line
OUTAGE_S = 25.0  # longer than the fleet's DELIVERY_LEASE_S (15 s), when the sweeper would take a call back
SETTLE_WAIT = 120.0  # seconds; a generous bound, not a performance check


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    # Channel leases longer than the outage: a channel freed meanwhile was freed by the call service.
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path, sides="a", CALL_LEASE_S=300,
                            TRUNK_CHANNEL_VARIABLES=f'{{"LAB_LISTEN": "{LISTEN_S}"}}')
    yield processes
    for process in processes.values():
        process.stop()


def test_a_long_database_outage_neither_blocks_call_events_nor_loses_outcomes(voice_rt, cluster, fleet,
                                                                                asterisk_lab, ami):
    """Stop PostgreSQL while every alert call is up and keep it away past the delivery lease: the calls hang
    up and their trunk channels are freed while it is down; after it is back each call Asterisk answered is
    recorded answered once, on the line for as long as it was, and the call service lives on."""
    rt = voice_rt
    seen = AlertCallsSeen(rt.config["QUEUE_PREFIX"])
    ami.subscribe("*", seen)
    limiter = TrunkLimiter(rt.redis, rt.config["QUEUE_PREFIX"])
    room_id, operator_id, _ = seed(rt, LANDLINES, LANDLINES, behaviour=ANSWERS)
    ready(fleet, asterisk_lab)
    factories.launch(rt, room_id, operator_id, "Inbraak Weesp")

    wait_until(lambda: len(seen.answered) == LANDLINES, "every call answered", every=0.05)
    rt.db.engine.dispose()
    cluster.stop()
    stopped = time.monotonic()
    wait_until(lambda: not seen.alive, "every call hung up", timeout=LISTEN_S * 4)
    try:
        wait_until(lambda: limiter.in_use("lab") == 0, "the trunk's channels freed while the database is down",
                   timeout=OUTAGE_S - (time.monotonic() - stopped))
    finally:
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        cluster.start()
    outage_s = time.monotonic() - stopped

    def settled():
        try:
            with rt.db.session() as session:
                rows = session.execute(select(Delivery.id, Delivery.state, Delivery.detail)
                                       .where(Delivery.purpose == "alert")).all()
        except Exception:  # the database still starting
            return None
        return rows if all(state not in ("queued", "sending", "sent") for _, state, _ in rows) else None

    try:
        rows = wait_until(settled, "every answered call recorded", timeout=SETTLE_WAIT, every=0.5)
    except AssertionError:
        pytest.fail(f"alert calls not recorded answered\n{logs(fleet)}")
    assert {state for _, state, _ in rows} == {"answered"}
    assert all(count == 1 for count in seen.answered_per_delivery().values())
    # On the line for as long as the participant listened, not until the database came back.
    assert all(detail["on_line_s"] < outage_s for _, _, detail in rows), [d["on_line_s"] for _, _, d in rows]
    log = fleet["calls-a"].log()
    assert fleet["calls-a"].alive and "Traceback" not in log, log[-4000:]
    print(f"PostgreSQL away {outage_s:.0f} s with {LANDLINES} calls up: channels freed while it was down, "
          f"{len(rows)} calls recorded answered after it came back")
