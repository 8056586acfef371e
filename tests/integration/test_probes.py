"""Health, readiness and Prometheus metrics of every process kind: web, worker, call service, FastAGI."""
import json
import time
import urllib.error
import urllib.request

import pytest
from redis import Redis

from lab import factories
from lab.servers import ProjectProcess, RedisServer, free_port
from tests.conftest import require


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(port, path, status, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = get(port, path)
            if last[0] == status:
                return json.loads(last[1]) if path != "/metrics" else last[1]
        except OSError as exc:  # not listening yet
            last = exc
        time.sleep(0.2)
    pytest.fail(f"{path} on {port} never answered {status}: {last}")


def process_environment(config, redis_url, **extra):
    environment = {key: config[key] for key in ("DATABASE_URL", "QUEUE_PREFIX", "SECRET_KEY", "PROMPT_DIR")}
    environment.update(MODE="test", REDIS_URL=redis_url, WORKER_PROBE_PORT=0, CALL_SERVICE_PROBE_PORT=0,
                       FASTAGI_PROBE_PORT=0)
    environment.update(extra)
    return environment


@pytest.fixture
def own_redis(tmp_path):
    require(RedisServer.available(), "redis-server")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


def test_web_probes_name_the_dependency_that_is_down(app, client, auth, work):
    """The web is ready with the database and Redis up, 503 naming redis when Redis is gone; /metrics shows
    the ledger by state, the queues and the sends this process made."""
    rt = app.extensions["uitkijk"]
    assert client.get("/healthz").json == {"process": "web", "alive": True}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["down"] == []
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100)
    client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'uitkijk_deliveries{channel="sms",state="queued"} 1.0' in metrics
    assert f'uitkijk_queue_jobs{{kind="waiting",queue="{rt.queues.urgent.name}"}} 1.0' in metrics
    work()
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'uitkijk_deliveries{channel="sms",state="sent"} 1.0' in metrics
    assert 'uitkijk_sends_total{channel="sms",result="sent"}' in metrics

    real = rt.redis
    rt.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json["down"] == ["redis"] and down.json["checks"]["database"] == "up"
        assert client.get("/healthz").status_code == 200
    finally:
        rt.redis = real


def test_worker_readiness_follows_redis(config, own_redis, tmp_path):
    """A worker's /readyz turns 503 naming redis while its Redis is down and 200 again once it is back."""
    port = free_port()
    worker = ProjectProcess(["worker.py"], process_environment(config, own_redis.url, WORKER_PROBE_PORT=port),
                            tmp_path / "worker.log").start()
    try:
        assert wait_for(port, "/readyz", 200)["process"] == "worker"
        own_redis.kill()
        assert wait_for(port, "/readyz", 503)["down"] == ["redis"]
        own_redis.start()
        wait_for(port, "/readyz", 200)
        assert "uitkijk_sends_total" in wait_for(port, "/metrics", 200)
    finally:
        worker.stop()


def test_call_service_readiness_names_ami(config, own_redis, tmp_path):
    """The call service with no Asterisk to reach: alive, not ready, and it says AMI is what is down."""
    port = free_port()
    service = ProjectProcess(["-m", "voice.call_events"],
                             process_environment(config, own_redis.url, CALL_SERVICE_PROBE_PORT=port,
                                                 AMI_PORT=free_port(), AMI_SECRET="x"),
                             tmp_path / "calls.log").start()
    try:
        assert wait_for(port, "/healthz", 200)["process"] == "call service"
        body = wait_for(port, "/readyz", 503)
        assert body["down"] == ["ami"] and body["checks"]["redis"] == "up", body
        assert "uitkijk_trunk_channels_in_use" in wait_for(port, "/metrics", 200)
    finally:
        service.stop()


def test_fastagi_probes(config, own_redis, tmp_path):
    """The FastAGI server is ready with its database and Redis and exports its decision-time histogram."""
    port = free_port()
    server = ProjectProcess(["-m", "ivr.fastagi", "--port", str(free_port())],
                            process_environment(config, own_redis.url, FASTAGI_PROBE_PORT=port),
                            tmp_path / "fastagi.log").start()
    try:
        assert wait_for(port, "/readyz", 200)["process"] == "FastAGI"
        metrics = wait_for(port, "/metrics", 200)
        assert "uitkijk_fastagi_decision_seconds" in metrics and "uitkijk_fastagi_calls_in_progress" in metrics
        own_redis.kill()
        assert wait_for(port, "/readyz", 503)["down"] == ["redis"]
    finally:
        server.stop()
