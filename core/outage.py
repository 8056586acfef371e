"""Riding out an outage of a dependency (Redis, the database, AMI): one log line when it goes down, one when
it is back, and pauses that grow while it stays away, so a long outage neither floods the log nor spins."""
import logging
import threading
import time

log = logging.getLogger(__name__)


class Outage:
    """The up/down state of one dependency, shared by the threads of a process."""

    def __init__(self, what, logger=None, first_wait_s=0.5, longest_wait_s=10.0):
        self.what = what
        self.log = logger or log
        self.first_wait_s = first_wait_s
        self.longest_wait_s = longest_wait_s
        self._lock = threading.Lock()
        self._since = None  # monotonic time the current outage began, None while up
        self.count = 0  # outages seen by this process

    @property
    def down(self):
        return self._since is not None

    def went_down(self, exc):
        """Note a failure; logs only the first of an outage."""
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
            self.count += 1
        self.log.warning("%s unavailable (%s); retrying until it is back", self.what, exc.__class__.__name__)

    def came_back(self):
        """Note a success; logs only the first after an outage. A success within first_wait_s of the failure
        is a command that was already under way as the dependency went: the outage is not over yet."""
        with self._lock:
            if self._since is None or time.monotonic() - self._since < self.first_wait_s:
                return
            lasted, self._since = time.monotonic() - self._since, None
        self.log.warning("%s is back after %.1f s", self.what, lasted)

    def wait_until(self, check, stop, errors):
        """Call check() until it raises none of `errors`, with growing pauses; False when stop was set first."""
        pause = self.first_wait_s
        while not stop.is_set():
            try:
                check()
            except errors as exc:
                self.went_down(exc)
                stop.wait(pause)
                pause = min(pause * 2, self.longest_wait_s)
                continue
            self.came_back()
            return True
        return False
