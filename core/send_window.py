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

from .transports import TransientFailure

# KEYS[1]: the window (a sorted set: send token -> when it leaves the window, µs on Redis's clock).
# ARGV[1]: window (µs), ARGV[2]: limit, ARGV[3]: lease of a send in flight (µs), ARGV[4]: the token.
# Returns {1, 0} with the send admitted, or {0, µs until the earliest send leaves the window}.
_ADMIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local window, lease = tonumber(ARGV[1]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + lease + window), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((lease + window) / 1000) + 1000)
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now)}
"""

# The send ended now: it leaves the window `window` from now. ARGV[1]: window (µs), ARGV[2]: the token.
_DONE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
return 1
"""


class SendWindow:
    """One key's window: ``rate_per_s`` on average, never more than ``rate_per_s * window_s`` in a window."""

    def __init__(self, redis, key, rate_per_s, window_s=1.0, lease_s=60.0, max_wait_s=30.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        if isinstance(rate_per_s, bool) or not isinstance(rate_per_s, (int, float)) or not rate_per_s > 0:
            raise ValueError(f"rate: expected a positive number per second, got {rate_per_s!r}")
        if not window_s > 0 or not lease_s > 0:
            raise ValueError("window and lease: expected positive seconds")
        if not key:
            raise ValueError("key: empty")
        self.key = key
        self.rate_per_s = float(rate_per_s)
        self.window_s = float(window_s)
        # A rate below one per window: one send per 1/rate seconds, the window stretched to fit it.
        self.limit = max(1, math.floor(self.rate_per_s * self.window_s + 1e-9))
        self._window_us = round(max(self.window_s, self.limit / self.rate_per_s) * 1_000_000)
        self._lease_us = round(lease_s * 1_000_000)
        self.max_wait_s = max_wait_s
        self._admit = redis.register_script(_ADMIT)
        self._done = redis.register_script(_DONE)
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
            admitted, wait_us = self._admit(keys=[self.key],
                                            args=[self._window_us, self.limit, self._lease_us, token])
            if admitted:
                return token
            wait = int(wait_us) / 1_000_000
            if wait > self.span_s:
                wait = poll_s  # the earliest is in flight: it ends any moment
            if self._clock() + wait > deadline:
                raise TransientFailure(f"send rate of {self.rate_per_s:g}/s reached", retry_after=wait)
            self._sleep(wait)

    def done(self, token):
        """The send ended (whatever its outcome): it counts until a window from now."""
        self._done(keys=[self.key], args=[self._window_us, token])

    @contextmanager
    def sending(self):
        """`with window.sending():` around the moment the receiving side takes the message."""
        token = self.admit()
        try:
            yield
        finally:
            self.done(token)
