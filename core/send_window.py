"""At most `limit` sends in any window of `window_s` seconds, per key, shared in Redis by every worker.

A sliding window counted by when a send *ends*: an admitted send holds its place from its admission
until `window_s` after it finished (the relay answered). The relay counts a message somewhere between
those two moments, so no window of `window_s` at the relay ever holds more than `limit`, however late
a loaded machine wakes a worker between admission and the relay's answer; the late send is only late,
never bunched with the next ones. (A schedule of slots, core.pacing, is kept at the sender and loses
that guarantee there.) A send whose worker dies holds its place until its lease ends.
"""
import math
import secrets
import time
from contextlib import contextmanager
from typing import Callable

from .redis_leases import Leases
from .transports import TransientFailure

class SendWindow:
    """One key's window: ``rate_per_s`` on average, never more than ``rate_per_s * window_s`` in a window."""

    def __init__(self, redis, key, rate_per_s, window_s=1.0, lease_s=60.0, max_wait_s=30.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        if isinstance(rate_per_s, bool) or not isinstance(rate_per_s, (int, float)) or not rate_per_s > 0:
            raise ValueError(f"rate: expected a positive number per second, got {rate_per_s!r}")
        if not window_s > 0 or not lease_s > 0:
            raise ValueError("window and lease: expected positive seconds")
        # The window is a set of leases: an admitted send's runs until a window after it ended.
        self.leases = Leases(redis, key)
        self.key = key
        self.rate_per_s = float(rate_per_s)
        self.window_s = float(window_s)
        # A rate below one per window: one send per 1/rate seconds, the window stretched to fit it.
        self.limit = max(1, math.floor(self.rate_per_s * self.window_s + 1e-9))
        self._window_us = round(max(self.window_s, self.limit / self.rate_per_s) * 1_000_000)
        self._lease_us = round(lease_s * 1_000_000)
        self.max_wait_s = max_wait_s
        self._sleep, self._clock = sleep, clock

    @property
    def span_s(self):
        """The window actually kept (longer than window_s only for rates below one per window)."""
        return self._window_us / 1_000_000

    def admit(self):
        """Wait for room in the window and take it; returns the send's token for done().

        TransientFailure (with retry_after) when there is no room within max_wait_s.
        """
        token = secrets.token_hex(8)
        deadline = self._clock() + self.max_wait_s
        # Poll no slower than this while every place is held by sends still in flight.
        poll_s = min(0.05, self.span_s / 20)
        while True:
            admitted, wait_us = self.leases.take(self.limit, self._lease_us + self._window_us, token)
            if admitted:
                return token
            wait = wait_us / 1_000_000
            if wait > self.span_s:
                wait = poll_s  # the earliest is in flight: it ends any moment
            if self._clock() + wait > deadline:
                raise TransientFailure(f"send rate of {self.rate_per_s:g}/s reached", retry_after=wait)
            self._sleep(wait)

    def done(self, token):
        """The send ended (whatever its outcome): it counts until a window from now."""
        self.leases.extend(self._window_us, token)

    @contextmanager
    def sending(self):
        """`with window.sending():` around the moment the receiving side takes the message."""
        token = self.admit()
        try:
            yield
        finally:
            self.done(token)
