"""PostgreSQL restarted (an immediate shutdown: every connection dropped, as in a crash) in the middle of
a fan-out: two workers and a call service, real processes on a PostgreSQL cluster of this test's own,
wait for it, reconnect and finish; nothing is dropped and nothing doubled beyond what was in flight,
as the console outbox and Asterisk's own events show."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from lab.servers import PostgresCluster
from lab import factories
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import wait_until
from tests.asterisk.fleet import (AlertCallsSeen, assert_alerted_once, logs, ready, seed, sent_sms,
                                  start_fleet, wait_settled)
from core import runtime
from tests.conftest import create_schema, require

PARTICIPANTS = 3_000
LANDLINES = 60


@pytest.fixture(scope="module")
def cluster():
    require(PostgresCluster.available(), "PostgreSQL 15 server binaries (initdb, pg_ctl)")
    server = PostgresCluster().init().start()
    yield server
    server.close()


@pytest.fixture
def database_url(cluster):
    """A migrated database on the private cluster (never the shared server other tests use)."""
    name = f"uitkijk_r_{uuid.uuid4().hex[:10]}"
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    create_schema(cluster.url(name))
    yield cluster.url(name)
    runtime.uninstall()


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    processes = {**start_fleet(voice_rt, asterisk_lab, tmp_path, sides="ab", kinds=("worker",)),
                 **start_fleet(voice_rt, asterisk_lab, tmp_path, sides="a", kinds=("calls", "fastagi"))}
    yield processes
    for process in processes.values():
        process.stop()


def test_workers_and_call_service_ride_out_a_postgresql_restart(voice_rt, cluster, fleet, asterisk_lab, ami):
    """PostgreSQL restarts while SMS and calls go out: every SMS reaches the outbox once, every landline
    answers an alert call (at most the calls in flight twice), every process lives on and logs the
    outage at most once."""
    rt = voice_rt
    seen = AlertCallsSeen(rt.config["QUEUE_PREFIX"])
    ami.subscribe("*", seen)
    room_id, operator_id, _ = seed(rt, PARTICIPANTS, LANDLINES)
    ready(fleet, asterisk_lab)
    action_id = factories.launch(rt, room_id, operator_id, "Inbraak Weesp")

    wait_until(lambda: sent_sms(rt) >= 300 and len(seen.answered) >= 5, "the first SMS and calls", every=0.02)
    with seen.lock:
        in_flight = len(seen.alive)
    sms_at_restart = sent_sms(rt)
    restarted = time.monotonic()
    cluster.restart()
    outage_s = time.monotonic() - restarted

    states = wait_settled(rt, action_id, PARTICIPANTS, fleet)
    assert sms_at_restart < PARTICIPANTS - LANDLINES, "PostgreSQL did not restart mid fan-out"
    doubles, _ = assert_alerted_once(rt, seen, states, PARTICIPANTS, LANDLINES, in_flight)
    assert all(process.alive for process in fleet.values()), logs(fleet)
    for name in ("worker-a", "worker-b", "calls-a"):
        log = fleet[name].log()
        assert log.count("the database unavailable") <= 1 and "Traceback" not in log, f"{name}:\n{log[-4000:]}"
    noticed = [name for name, process in fleet.items() if "the database unavailable" in process.log()]
    print(f"PostgreSQL restart ({outage_s:.1f} s) at {sms_at_restart} SMS and {in_flight} calls up: "
          f"calls answered twice {doubles}; waited for it: {', '.join(noticed) or 'none'}")
