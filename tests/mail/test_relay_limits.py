"""The relay's limits across workers: a rate in every window and a number of connections, counted by the relay."""
import bisect
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from redis import Redis

from core.send_window import SendWindow
from core.transports import TransientFailure
from mail.transport import SLOT_LEASE_S, SmtpTransport, relay_limits
from tests.mail.test_smtp_transport import _mail


def _relay_config(relay, redis_url, **extra):
    return {**relay.config(), "SMTP_TIMEOUT_S": 10.0, "REDIS_URL": redis_url,
            "QUEUE_PREFIX": f"limits{uuid.uuid4().hex[:8]}", "MAIL_RATE_PER_S": 50.0, "MAIL_RATE_WINDOW_S": 0.2,
            "SMTP_MAX_CONNECTIONS": 2, "MAIL_MAX_WAIT_S": 30.0, **extra}


def _worker(config, addresses, errors):
    """One worker as in production: its own Redis connection and transport, one relay connection per batch."""
    redis = Redis.from_url(config["REDIS_URL"])
    transport = SmtpTransport(config, *relay_limits(config, redis))
    try:
        with transport.batch():
            for n, address in enumerate(addresses):
                transport.send(None, _mail(to=address, delivery_id=n))
    except Exception as exc:  # noqa: BLE001 - reported to the test's thread
        errors.append(exc)
    finally:
        redis.close()


def _run_workers(config, workers, per_worker):
    errors, threads = [], []
    for w in range(workers):
        addresses = [f"w{w}-{n}@example.nl" for n in range(per_worker)]
        threads.append(threading.Thread(target=_worker, args=(config, addresses, errors)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _busiest(arrivals, window_s):
    """The most arrivals in any window of window_s seconds (a window starting at each arrival)."""
    arrivals = sorted(arrivals)
    return max(bisect.bisect_left(arrivals, t + window_s) - i for i, t in enumerate(arrivals))


def test_rate_holds_in_every_window_at_the_relay_across_workers(relay, redis_url):
    """Three workers sending 40 mails each at 50/s: no 0.2 s window at the relay holds more than 10; each arrives once."""
    errors = _run_workers(_relay_config(relay, redis_url, SMTP_MAX_CONNECTIONS=3), workers=3, per_worker=40)
    assert errors == []
    received = relay.wait_for(120)
    assert Counter(r for m in received for r in m.rcpt_tos) == Counter(
        f"w{w}-{n}@example.nl" for w in range(3) for n in range(40))
    assert _busiest([m.at for m in received], 0.2) <= 10


def test_connections_never_exceed_the_relays_limit_and_are_reused(relay, redis_url):
    """Four workers share two connection slots: the relay never has more than two open, and each carried several mails."""
    errors = _run_workers(_relay_config(relay, redis_url, MAIL_RATE_PER_S=200.0), workers=4, per_worker=10)
    assert errors == []
    received = relay.wait_for(40)
    assert len(received) == 40
    assert relay.most_open <= 2
    per_connection = Counter(m.connection for m in received)
    assert len(per_connection) == 4 and set(per_connection.values()) == {10}


def test_no_free_connection_in_time_is_a_temporary_failure(relay, redis_url):
    """With the only slot held by another worker, a send is a TransientFailure and nothing reaches the relay."""
    redis = Redis.from_url(redis_url)
    config = _relay_config(relay, redis_url, SMTP_MAX_CONNECTIONS=1, MAIL_MAX_WAIT_S=0.2)
    window, slots = relay_limits(config, redis)
    held = slots.take()  # held by another worker
    opened = relay.connections  # aiosmtpd's own check that it listens is one
    try:
        SmtpTransport(config, window, slots).send(None, _mail())
    except TransientFailure as exc:
        assert "connection slots" in exc.reason
    else:
        raise AssertionError("sent without a connection slot")
    assert relay.messages() == [] and relay.connections == opened
    slots.give_back(held)
    redis.close()


# A worker as in production, in a process of its own: it sends a mail, then keeps its relay connection (and slot).
_HOLDING_WORKER = """
import json, sys, time
from redis import Redis
from mail.transport import SLOT_LEASE_S, SmtpTransport, relay_limits
from tests.mail.test_smtp_transport import _mail
config = json.loads(sys.argv[1])
transport = SmtpTransport(config, *relay_limits(config, Redis.from_url(config["REDIS_URL"])))
with transport.batch():
    transport.send(None, _mail(to="held@example.nl"))
    print("sent", flush=True)
    time.sleep(600)
"""


def test_a_worker_killed_holding_the_only_slot_frees_it_within_a_lease(relay, redis_url):
    """A worker keeps its connection open past several leases (its slot renewed meanwhile); killed with -9,
    its slot is free again within a lease, and another worker sends through it."""
    config = _relay_config(relay, redis_url, SMTP_MAX_CONNECTIONS=1)
    worker = subprocess.Popen([sys.executable, "-c", _HOLDING_WORKER, json.dumps(config)],
                              cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    redis = Redis.from_url(redis_url)
    try:
        assert worker.stdout.readline().strip() == "sent"
        time.sleep(2 * SLOT_LEASE_S)  # alive: renewed, so still held after two leases
        _, slots = relay_limits({**config, "MAIL_MAX_WAIT_S": 0.0}, redis)
        try:
            slots.take()
        except TransientFailure:
            pass
        else:
            raise AssertionError("the living worker's slot was free")
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        # Another worker waits at most a lease and a margin for the slot (polling), then sends through it.
        other = _relay_config(relay, redis_url, SMTP_MAX_CONNECTIONS=1, MAIL_MAX_WAIT_S=SLOT_LEASE_S + 5,
                              QUEUE_PREFIX=config["QUEUE_PREFIX"])
        SmtpTransport(other, *relay_limits(other, redis)).send(None, _mail(to="after@example.nl"))
    finally:
        worker.kill()
        worker.wait()
        redis.close()
    received = relay.wait_for(2)
    assert [m.rcpt_tos for m in received] == [("held@example.nl",), ("after@example.nl",)]
    assert received[0].connection != received[1].connection


def test_a_send_in_flight_holds_its_place_until_it_ends(redis_url):
    """The window counts a send from its admission until a window after it ended: a long send delays the next."""
    redis = Redis.from_url(redis_url)
    window = SendWindow(redis, f"test-window:{uuid.uuid4().hex}", 1.0, window_s=1.0, max_wait_s=0.0)
    token = window.admit()
    try:
        window.admit()
    except TransientFailure as exc:
        assert exc.retry_after is not None
    else:
        raise AssertionError("two sends in one window of one")
    window.done(token)
    try:
        window.admit()
    except TransientFailure:
        pass
    else:
        raise AssertionError("admitted within a window after the send ended")
    redis.close()
