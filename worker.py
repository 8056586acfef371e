"""The RQ worker over Uitkijk's queues (urgent first), with the ledger sweeper and the ledger writer beside it.

Run: `python worker.py` (reads DATABASE_URL, REDIS_URL, ... from the environment).

A Redis outage of any length does not end the process: RQ's loop quits on a lost connection, so the
worker waits for Redis (growing pauses, one log line per outage) and starts a fresh RQ worker; the
sweeper thread lives on and, once it sees a Redis server it has not seen before (a restart may have
lost every job), enqueues again at once every delivery the ledger still holds as queued.
"""
import argparse
import logging
import threading

from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy.exc import DBAPIError
from rq.scheduler import RQScheduler

from core import ledger_rings, runtime
from core.health import serve_probes, standard_checks
from core.action_webhooks import requeue_stale as requeue_action_webhooks
from core.approval_escalation import escalate_overdue
from core.jobs import sweep
from core.log_redaction import configure_logging
from core.outage import Outage
from core.widening import widen_due
from publish.partners import requeue_stale as requeue_partner_deliveries
from voice.twilio_recordings import requeue_pending_recordings

log = logging.getLogger("uitkijk.worker")
# RQ's maintenance (cleaning the registries of workers that died) and its blocking dequeue run this often.
RQ_MAINTENANCE_S = 10
# How often the scheduler moves due retries (RQ keeps their times in whole seconds) onto their queue.
SCHEDULER_POLL_S = 0.25


class RedisOutageFilter(logging.Filter):
    """RQ logs every failed reconnect; this process reports an outage once, through `outage`."""

    def __init__(self, outage):
        super().__init__()
        self.outage = outage

    def filter(self, record):
        if "could not connect to Redis" in record.getMessage() or "Redis connection timeout" in record.getMessage():
            self.outage.went_down(ConnectionError(record.getMessage()))
            return False
        return True


def redis_is_new(rt):
    """True for the first sweeper that sees this Redis server run: a restart may have lost every job."""
    run_id = rt.redis.info("server")["run_id"]
    seen = rt.redis.getset(f"{rt.config['QUEUE_PREFIX']}:redis-run-id", run_id)
    return seen is None or seen.decode() != run_id


def sweep_round(rt, outage):
    """One round of the sweeper; a lock makes one worker of many do the regular round."""
    every_s = rt.config["SWEEP_INTERVAL_S"]
    lost_all = redis_is_new(rt)
    if lost_all or rt.redis.set(f"{rt.config['QUEUE_PREFIX']}:sweeper", "1", nx=True, px=max(100, int(every_s * 900))):
        sweep(rt, requeue_after_s=0 if lost_all else None)
        requeue_pending_recordings(rt)
        requeue_partner_deliveries(rt)
        requeue_action_webhooks(rt)
        widen_due(rt)  # expanding rings whose wait is over: within a round of their time
        escalate_overdue(rt)
    outage.came_back()


def sweeper_loop(rt, stop, outage):
    """Every SWEEP_INTERVAL_S re-enqueue what the ledger holds but no queue does, the downloads of Twilio tip
    recordings and the partner webhooks whose jobs were lost, and escalate the launches left waiting for
    approval; the thread outlives any failure of a round."""
    while not stop.wait(rt.config["SWEEP_INTERVAL_S"]):
        try:
            sweep_round(rt, outage)
            rt.db.outage.came_back()
        except RedisError as exc:
            outage.went_down(exc)
        except DBAPIError as exc:
            if not rt.db.lost_connection(exc):
                log.exception("sweeper round failed")
            rt.db.outage.went_down(exc)  # a restarted database: logged once, the next round tries again
        except Exception:  # the sweeper must outlive one bad round; the error is logged in full
            log.exception("sweeper round failed")


def scheduler_loop(rt, stop, outage):
    """RQ's scheduler, run in a thread that outlives Redis outages (RQ's own scheduler process dies in one).

    One worker holds each queue's scheduler lock; the others try for it every poll, so when its holder dies
    another takes over once the lock expires (a minute)."""
    queues = rt.queues.in_priority_order()
    scheduler = RQScheduler(queues, connection=rt.redis, logging_level="WARNING")
    while not stop.wait(SCHEDULER_POLL_S):
        try:
            if scheduler.acquired_locks != {q.name for q in queues}:
                scheduler.acquire_locks()
            if scheduler.acquired_locks:
                scheduler.enqueue_scheduled_jobs()
                scheduler.heartbeat()
        except RedisError as exc:
            outage.went_down(exc)


def run_worker(rt, burst, stop, outage):
    """Run RQ workers one after another until a stop is asked for (or, in burst mode, the queues are empty)."""
    while outage.wait_until(rt.redis.ping, stop, RedisError):
        try:
            # SimpleWorker runs jobs in this process: no fork per job, and the database pool stays valid.
            worker = SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis,
                                  maintenance_interval=RQ_MAINTENANCE_S, worker_ttl=RQ_MAINTENANCE_S + 15)
            worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
            if burst or worker._shutdown_requested_date:  # SIGTERM/SIGINT reached RQ's own handler
                return
        except RedisError as exc:
            # RQ quit on a lost connection; come back with a fresh worker once Redis answers.
            outage.went_down(exc)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    configure_logging()
    rt = runtime.configure()  # this process's runtime: its jobs get it from the registry
    outage = Outage("Redis", log)
    logging.getLogger("rq.worker").addFilter(RedisOutageFilter(outage))
    stop = threading.Event()
    serve_probes(rt.config["PROBE_HOST"], 0 if args.burst else rt.config["WORKER_PROBE_PORT"], standard_checks(rt),
                 "worker")
    if not args.burst:
        for loop in (sweeper_loop, scheduler_loop):
            threading.Thread(target=loop, args=(rt, stop, outage), daemon=True, name=loop.__name__).start()
        # Rings of launched actions' ledgers beyond the first, beside the sends of the rings before.
        threading.Thread(target=ledger_rings.work, args=(rt, stop, outage), daemon=True, name="ledger-rings").start()
    try:
        run_worker(rt, args.burst, stop, outage)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
