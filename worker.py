"""The RQ worker over Uitkijk's queues (urgent first), with the ledger sweeper beside it.

Run: `python worker.py` (reads DATABASE_URL, REDIS_URL, ... from the environment).
"""
import argparse
import logging
import threading

from redis.exceptions import RedisError
from rq import SimpleWorker

from core import runtime
from core.jobs import sweep
from publish.partners import requeue_stale as requeue_partner_deliveries
from voice.twilio_recordings import requeue_pending_recordings

log = logging.getLogger("uitkijk.worker")
SWEEP_EVERY_S = 15


def sweeper_loop(rt, stop):
    """Every few seconds one worker (a Redis lock elects it) re-enqueues what the ledger holds but no queue
    does, the downloads of Twilio tip recordings and the partner webhooks whose jobs were lost."""
    key = f"{rt.config['QUEUE_PREFIX']}:sweeper"
    while not stop.wait(SWEEP_EVERY_S):
        try:
            if rt.redis.set(key, "1", nx=True, ex=SWEEP_EVERY_S - 1):
                sweep()
                requeue_pending_recordings(rt)
                requeue_partner_deliveries(rt)
        except RedisError:
            log.warning("sweeper: Redis unavailable, trying again in %ss", SWEEP_EVERY_S)
        except Exception:  # the sweeper must outlive one bad round; the error is logged in full
            log.exception("sweeper round failed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rt = runtime.get()
    stop = threading.Event()
    if not args.burst:
        threading.Thread(target=sweeper_loop, args=(rt, stop), daemon=True, name="sweeper").start()
    # SimpleWorker runs jobs in this process: no fork per job, and the database pool stays valid.
    worker = SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis)
    try:
        worker.work(burst=args.burst, with_scheduler=not args.burst, logging_level="WARNING")
    finally:
        stop.set()


if __name__ == "__main__":
    main()
