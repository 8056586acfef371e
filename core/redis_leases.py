"""Leases in a Redis sorted set (member: a holder's token, score: when its lease ends, µs on Redis's clock).

The one script behind core.connection_slots (connections held open) and core.send_window (sends
counted in a window): take a place among at most `limit` unexpired leases, or learn how long until
the earliest ends; and move a held lease's end. Redis's own clock decides, so workers on machines
whose clocks differ agree on who holds what.
"""

# KEYS[1]: the leases. ARGV[1]: limit, ARGV[2]: lease (µs from now), ARGV[3]: token.
# {1, 0} taken (or already held: its end moved), or {0, µs until the earliest lease ends}.
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

# A held lease now ends ARGV[1] µs from now (ARGV[2]: token); 0 when it had already gone. One that ran out
# but is still there had no successor (a take removes every lapsed lease first): it is simply held again.
# The set itself outlives its latest lease, or its other holders' leases would vanish with it.
_EXTEND = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local held = redis.call('ZADD', KEYS[1], 'XX', 'CH', string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
if held == 1 then
  redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), math.ceil(tonumber(ARGV[1]) / 1000) + 1000))
end
return held
"""


class Leases:
    """One sorted set of leases."""

    def __init__(self, redis, key):
        if not key:
            raise ValueError("key: empty")
        self.redis, self.key = redis, key
        self._take = redis.register_script(_TAKE)
        self._extend = redis.register_script(_EXTEND)

    def take(self, limit, lease_us, token):
        """(True, 0) with the lease held for lease_us, or (False, µs until the earliest lease ends)."""
        taken, wait_us = self._take(keys=[self.key], args=[limit, lease_us, token])
        return bool(taken), int(wait_us)

    def extend(self, lease_us, token):
        """Let a held lease end lease_us from now; False when it had run out (and is gone)."""
        return bool(self._extend(keys=[self.key], args=[lease_us, token]))
