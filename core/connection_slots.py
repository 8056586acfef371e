"""At most `limit` connections open at once to one peer (a mail relay), shared in Redis by every worker.

A holder takes a slot before it connects, renews it while it uses the connection, and gives it back
when it closes; a slot whose holder died frees itself when its lease runs out.
"""
import secrets
import time
from typing import Callable

from .transports import TransientFailure

# KEYS[1]: the holders (a sorted set: token -> lease end, µs on Redis's clock).
# ARGV[1]: limit, ARGV[2]: lease (µs), ARGV[3]: token. {1, 0} taken, or {0, µs until the earliest lease ends}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + lease), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000) + 1000)
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now)}
"""

# Renew a held slot (ARGV[1]: lease µs, ARGV[2]: token); 0 when the lease had run out and the slot is gone.
_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
return redis.call('ZADD', KEYS[1], 'XX', 'CH', string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
"""


class ConnectionSlots:
    """One peer's connection slots."""

    def __init__(self, redis, key, limit, lease_s, max_wait_s=30.0, poll_s=0.05,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit: expected a whole number of connections, at least 1, got {limit!r}")
        if not key:
            raise ValueError("key: empty")
        self.redis, self.key, self.limit = redis, key, limit
        self._lease_us = round(lease_s * 1_000_000)
        self.max_wait_s, self.poll_s = max_wait_s, poll_s
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)
        self._sleep, self._clock = sleep, clock

    def take(self):
        """Wait for a free slot and hold it; returns its token. TransientFailure when none frees within max_wait_s."""
        token = secrets.token_hex(8)
        deadline = self._clock() + self.max_wait_s
        while True:
            taken, wait_us = self._take(keys=[self.key], args=[self.limit, self._lease_us, token])
            if taken:
                return token
            # Slots are given back without a signal: look again soon, or when the earliest lease ends.
            wait = min(self.poll_s, int(wait_us) / 1_000_000)
            if self._clock() + wait > deadline:
                raise TransientFailure(f"all {self.limit} connection slots of {self.key} in use",
                                       retry_after=self.poll_s)
            self._sleep(wait)

    def renew(self, token):
        """Hold the slot for another lease; False when it had expired (another holder may have it now)."""
        if self._renew(keys=[self.key], args=[self._lease_us, token]):
            return True
        # An expired lease: take the slot again if one is free, else the caller must not use the connection.
        taken, _ = self._take(keys=[self.key], args=[self.limit, self._lease_us, token])
        return bool(taken)

    def give_back(self, token):
        self.redis.zrem(self.key, token)
