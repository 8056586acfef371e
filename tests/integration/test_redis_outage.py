"""A real worker process rides out Redis outages: a private redis-server is killed and restarted under it."""
import time

import pytest
from sqlalchemy import func, select

from core import runtime
from core.models import Delivery, OutboxMessage
from lab import factories
from lab.servers import ProjectProcess, RedisServer
from tests.conftest import require


@pytest.fixture
def redis_server(tmp_path):
    require(RedisServer.available(), "redis-server")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


@pytest.fixture
def outage_rt(config, redis_server):
    config = {**config, "REDIS_URL": redis_server.url}
    yield runtime.configure(config)
    runtime.uninstall()


def start_worker(rt, tmp_path, name="worker"):
    environment = {key: rt.config[key] for key in ("DATABASE_URL", "REDIS_URL", "QUEUE_PREFIX", "SECRET_KEY",
                                                   "PROMPT_DIR")}
    environment.update(SWEEP_INTERVAL_S=0.5, REQUEUE_AFTER_S=30, MODE="test", WORKER_PROBE_PORT=0)
    return ProjectProcess(["worker.py"], environment, tmp_path / f"{name}.log").start()


def seed(rt, participants):
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(participants):
            factories.participant(s, f"06{12000000 + n}", 2 * n)
        return room.id, operators[0].id


def wait_until_all_sent(rt, expected, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with rt.db.session() as s:
            if s.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "sent")) >= expected:
                return
        time.sleep(0.2)
    with rt.db.session() as s:
        states = dict(s.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
    pytest.fail(f"not every delivery was sent: {states}")


def assert_each_sent_once(rt, expected):
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == expected
        assert set(s.scalars(select(Delivery.state))) == {"sent"}
        per_delivery = s.execute(select(OutboxMessage.delivery_id, func.count()).group_by(OutboxMessage.delivery_id)
                                 ).all()
        assert len(per_delivery) == expected and {count for _, count in per_delivery} == {1}


def test_worker_survives_redis_restarts_and_sends_everything_once(outage_rt, redis_server, tmp_path):
    """Redis killed twice under a running worker (once mid fan-out, once with a launch during the outage):
    the worker stays up, logs each outage once, and every delivery is sent exactly once once Redis is back."""
    rt = outage_rt
    room_id, operator_id = seed(rt, 120)
    worker = start_worker(rt, tmp_path)
    first = factories.launch(rt, room_id, operator_id, "Voor de eerste storing")
    redis_server.kill()  # mid fan-out: the jobs not yet taken are lost with Redis
    time.sleep(3)
    assert worker.alive, worker.log()
    redis_server.start()
    wait_until_all_sent(rt, 120)

    redis_server.kill()
    factories.launch(rt, room_id, operator_id, "Tijdens de tweede storing")  # accepted; the ledger holds it
    time.sleep(4)
    assert worker.alive, worker.log()
    redis_server.start()
    wait_until_all_sent(rt, 240)
    assert_each_sent_once(rt, 240)
    assert worker.alive
    log = worker.log()
    worker.stop()
    assert log.count("Redis unavailable") == 2, log
    assert log.count("Redis is back") == 2, log
    assert first
