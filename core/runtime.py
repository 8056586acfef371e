"""The process-wide wiring (database, Redis, queues, transports) built from one configuration, and
the registry that holds it: one runtime per process.

Each process's entry point (the web app, worker.py, the call service, the FastAGI server, a test's
fixture) builds and installs its runtime once with `configure` and passes it on
explicitly. RQ jobs receive only ids, so they are declared with `@job`: the function takes the
runtime as its first argument and the registry hands it the one its worker process installed
(`get`). Nothing builds a runtime behind a caller's back: `get` without one installed is an error.
"""
import functools
import logging
import threading

from redis import Redis

from .config import load_config
from .db import Database
from .keys import check_keys

log = logging.getLogger(__name__)
_lock = threading.Lock()
_installed = None


class NoRuntime(RuntimeError):
    """A job or service ran in a process whose entry point installed no runtime."""


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
        from .launch_audio import LaunchAudio
        self.launch_audio = LaunchAudio()  # the processes register their renderers (core.launch_audio)
        for channel, transport in self.transports.items():
            if transport.name.startswith("console"):
                log.warning("%s messages go to the outbox (console transport %s), not to phones",
                            channel, transport.name)

    def close(self):
        self.db.engine.dispose()
        self.redis.close()


def configure(config=None):
    """Build a runtime from `config` (else the environment), install it for this process (closing the
    one before) and return it."""
    global _installed
    rt = Runtime(load_config(config))
    with _lock:
        if _installed is not None:
            _installed.close()
        _installed = rt
        return rt


def get():
    """The runtime this process installed; NoRuntime if its entry point installed none."""
    with _lock:
        if _installed is None:
            raise NoRuntime("no runtime installed: the process's entry point calls runtime.configure() first")
        return _installed


def uninstall():
    """Close and remove this process's runtime (between configurations, e.g. in tests)."""
    global _installed
    with _lock:
        if _installed is not None:
            _installed.close()
        _installed = None


def job(function):
    """An RQ job that works with the process's runtime: `function(rt, *ids)` is enqueued as `function(*ids)`
    and, when it runs, gets the runtime its worker installed. `.with_runtime(rt, *ids)` runs it with another."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        return function(get(), *args, **kwargs)
    run.with_runtime = function
    return run
