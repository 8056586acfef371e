"""A trunk's two limits, shared through Redis by every process that places calls.

* Concurrent channels: each call holds a lease (a member of a sorted set scored by its
  expiry on Redis's clock). The call-events service renews the leases of live calls and
  releases them on hangup; a lease whose holder crashed simply expires, so the slot
  comes back by itself.
* Calls per second: consecutive originates on one trunk are at least 1/cps apart
  (GCRA without burst, as in sms.rate_limit), so no second ever holds more than cps.

Both are decided in one Lua script: a slot is granted only when a channel is free *and*
the pacing allows it, so a caller never takes a CPS tick it cannot use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from redis import Redis

# KEYS[1]: the trunk's lease set, KEYS[2]: its next-free-originate time.
# ARGV: call id, channel limit, interval (µs), lease (µs).
# Returns {status, µs}: status 0 granted; 1 pacing, ask again after µs; 2 full, the
# earliest lease expires in µs (a release usually comes sooner).
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {0, 0}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {2, tonumber(first[2]) - now}
end
local next_free = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_free > now then
  return {1, next_free - now}
end
local interval = tonumber(ARGV[3])
redis.call('SET', KEYS[2], string.format('%.0f', now + interval), 'PX', math.ceil(interval / 1000) + 1000)
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], string.format('%.0f', now + lease), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000) + 1000)
return {0, 0}
"""

# KEYS[1]: lease set. ARGV[1]: lease (µs), ARGV[2..]: call ids. Extends only leases still held.
_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local expiry = string.format('%.0f', now + tonumber(ARGV[1]))
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
return renewed
"""

# KEYS[1]: lease set. ARGV[1]: lease (µs), ARGV[2..]: call ids. Holds each call's channel, held before or not.
_HOLD = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local expiry = string.format('%.0f', now + tonumber(ARGV[1]))
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], expiry, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
return #ARGV - 1
"""

_IN_USE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""


@dataclass(frozen=True)
class SlotDecision:
    """The answer to one request for a slot."""

    granted: bool
    # Seconds until asking again makes sense: the pacing interval left, or (when the trunk is
    # full) until the earliest lease would expire; a release normally comes much sooner.
    wait_s: float
    full: bool


class TrunkLimiter:
    """Channel leases and originate pacing per trunk, under one Redis key prefix."""

    def __init__(self, redis: Redis, prefix: str):
        if not prefix:
            raise ValueError("prefix: empty")
        self._redis = redis
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._hold = redis.register_script(_HOLD)
        self._in_use = redis.register_script(_IN_USE)

    def _keys(self, trunk: str) -> list[str]:
        if not trunk:
            raise ValueError("trunk: empty")
        return [f"{self._prefix}:trunk:{trunk}:leases", f"{self._prefix}:trunk:{trunk}:next"]

    def acquire(self, trunk: str, call_id: str, channel_limit: int, cps: float,
                lease_s: float) -> SlotDecision:
        """Take a channel and an originate tick for `call_id`, or say how long to wait."""
        if not isinstance(channel_limit, int) or channel_limit < 1:
            raise ValueError(f"channel_limit: expected a positive integer, got {channel_limit!r}")
        if isinstance(cps, bool) or not isinstance(cps, (int, float)) or not math.isfinite(cps) or cps <= 0:
            raise ValueError(f"cps: expected a positive number, got {cps!r}")
        if lease_s <= 0:
            raise ValueError(f"lease_s: expected a positive number, got {lease_s!r}")
        status, wait_us = self._acquire(
            keys=self._keys(trunk),
            args=[call_id, channel_limit, max(1, round(1_000_000 / cps)), round(lease_s * 1_000_000)])
        status = int(status)
        return SlotDecision(granted=status == 0, wait_s=max(0, int(wait_us)) / 1_000_000, full=status == 2)

    def release(self, trunk: str, call_id: str) -> bool:
        """Give the channel back; False when it was not held (already released or expired)."""
        return bool(self._redis.zrem(self._keys(trunk)[0], call_id))

    def renew(self, trunk: str, call_ids: list[str], lease_s: float) -> int:
        """Extend the leases of calls still up; returns how many were still held."""
        if not call_ids:
            return 0
        return int(self._renew(keys=self._keys(trunk)[:1], args=[round(lease_s * 1_000_000), *call_ids]))

    def hold(self, trunk: str, call_ids: list[str], lease_s: float) -> int:
        """Count calls taken over from a dead call service as using their channels again (their leases may
        have expired while the calls stayed up): they are, whatever the limit says now."""
        if not call_ids:
            return 0
        return int(self._hold(keys=self._keys(trunk)[:1], args=[round(lease_s * 1_000_000), *call_ids]))

    def in_use(self, trunk: str) -> int:
        """Channels held right now (expired leases not counted)."""
        return int(self._in_use(keys=self._keys(trunk)[:1]))
