"""The process-wide wiring (database, Redis, queues, transports) built from one configuration.

Web app, worker, CLI and tests each configure it once; RQ jobs find it here because a job
only receives ids.
"""
import logging
import threading

from redis import Redis

from .config import load_config
from .db import Database
from .keys import check_keys

log = logging.getLogger(__name__)
_lock = threading.Lock()
_current = None


class Runtime:
    def __init__(self, config):
        check_keys(config)  # every process (web, worker, call service, FastAGI) builds its runtime here
        self.config = config
        if getattr(config, "unknown", ()):
            log.warning("unknown configuration variables, ignored (a typo?): %s", ", ".join(config.unknown))
        self.db = Database(config["DATABASE_URL"])
        self.redis = Redis.from_url(config["REDIS_URL"])
        from .queues import Queues
        from .transports import build_transports
        self.queues = Queues(self.redis, config["QUEUE_PREFIX"])
        self.transports = build_transports(config)
        from .publication import load_publisher
        self.publisher = load_publisher(config)
        for channel, transport in self.transports.items():
            if transport.name.startswith("console"):
                log.warning("%s messages go to the outbox (console transport %s), not to phones",
                            channel, transport.name)

    def close(self):
        self.db.engine.dispose()
        self.redis.close()


def configure(config=None):
    """Install a runtime for this process and return it."""
    global _current
    with _lock:
        if _current is not None:
            _current.close()
        _current = Runtime(load_config(config))
        return _current


def get():
    """The runtime of this process, built from the environment on first use (e.g. in a worker)."""
    global _current
    with _lock:
        if _current is None:
            _current = Runtime(load_config())
        return _current
