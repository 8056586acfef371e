"""At most `limit` connections open at once to one peer (a mail relay), shared in Redis by every worker.

A holder takes a slot before it connects and gives it back when it closes. While it holds one, a
thread of its own renews the slot's short lease, whatever the holder is waiting for (the rate
window, a slow relay, the ledger): a holder killed outright (-9, the machine gone) stops renewing,
and its slot frees itself within one lease.
"""
import logging
import secrets
import threading
import time
from typing import Callable

from .redis_leases import Leases
from .transports import TransientFailure

log = logging.getLogger(__name__)


class ConnectionSlots:
    """One peer's connection slots."""

    def __init__(self, redis, key, limit, lease_s, max_wait_s=30.0, poll_s=0.05,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit: expected a whole number of connections, at least 1, got {limit!r}")
        if not lease_s > 0:
            raise ValueError("lease: expected positive seconds")
        self.leases = Leases(redis, key)
        self.key, self.limit, self.lease_s = key, limit, float(lease_s)
        self._lease_us = round(lease_s * 1_000_000)
        self.max_wait_s, self.poll_s = max_wait_s, poll_s
        self._sleep, self._clock = sleep, clock
        self._keepers = {}

    def take(self):
        """Wait for a free slot and hold it, renewed until give_back; returns its token.

        TransientFailure when none frees within max_wait_s.
        """
        token = secrets.token_hex(8)
        deadline = self._clock() + self.max_wait_s
        while True:
            taken, wait_us = self.leases.take(self.limit, self._lease_us, token)
            if taken:
                self._keepers[token] = _Keeper(self, token)
                return token
            # Slots are given back without a signal: look again soon, or when the earliest lease ends.
            wait = min(self.poll_s, wait_us / 1_000_000)
            if self._clock() + wait > deadline:
                raise TransientFailure(f"all {self.limit} connection slots of {self.key} in use",
                                       retry_after=self.poll_s)
            self._sleep(wait)

    def renew(self, token):
        """Hold the slot for another lease; False when it was lost (another holder may have it now): the
        caller must not use the connection then."""
        if token not in self._keepers:
            return False
        if self.leases.extend(self._lease_us, token):
            return True
        # Its lease ran out (the keeper could not reach Redis in time): take a slot again if one is free.
        taken, _ = self.leases.take(self.limit, self._lease_us, token)
        if taken:
            self._keepers.pop(token).stop()
            self._keepers[token] = _Keeper(self, token)
        return taken

    def give_back(self, token):
        keeper = self._keepers.pop(token, None)
        if keeper is not None:
            keeper.stop()
        self.leases.redis.zrem(self.key, token)


class _Keeper(threading.Thread):
    """Renews one held slot three times a lease until stopped, or until a renewal finds it gone."""

    def __init__(self, slots, token):
        super().__init__(name=f"slot-{token}", daemon=True)
        self.slots, self.token = slots, token
        self._stopped = threading.Event()
        self.start()

    def run(self):
        while not self._stopped.wait(self.slots.lease_s / 3):
            try:
                if not self.slots.leases.extend(self.slots._lease_us, self.token):
                    return
            except Exception:  # noqa: BLE001 - Redis away a moment: the next round tries again, the lease decides
                log.warning("renewing connection slot of %s failed", self.slots.key, exc_info=True)

    def stop(self):
        self._stopped.set()
