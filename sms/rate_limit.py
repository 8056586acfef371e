"""A send-rate limit per sender, shared through Redis by every worker process.

Twilio (and the carriers behind it) accept a limited number of messages per second from one
number or Messaging Service; beyond it messages queue up at Twilio and arrive late. The
limiter paces grants: for a rate of R per second, consecutive grants for one key are at least
1/R seconds apart on Redis's clock, so no window of one second ever holds more than R grants,
however many processes ask. This is GCRA without burst tolerance, decided in one Lua script so
that checking and taking a slot is atomic.
"""
import math
import time
from typing import Callable

from redis import Redis

DEFAULT_PREFIX = "uitkijk:sms-rate"

# KEYS[1]: the sender's key. ARGV[1]: the emission interval (1/rate) in microseconds.
# Returns {microseconds to wait before asking again (0: granted now), Redis's clock in microseconds}.
_GCRA = """
local interval = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_free > now then
  return {next_free - now, now}
end
redis.call('SET', KEYS[1], string.format('%.0f', now + interval), 'PX', math.ceil(interval / 1000) + 1000)
return {0, now}
"""


class RedisRateLimiter:
    """``acquire(key, rate)`` grants at most ``rate`` sends per second per key across processes."""

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX):
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_GCRA)

    def acquire(self, key: str, rate: float) -> float:
        """Take a slot now and return 0.0, or return the seconds to wait before asking again."""
        return self.acquire_timed(key, rate)[0]

    def acquire_timed(self, key: str, rate: float) -> tuple[float, int]:
        """Like acquire, also returning Redis's clock (microseconds) at the decision, for audits."""
        if not key:
            raise ValueError("key: empty")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"rate: expected a positive number of sends per second, got {rate!r}")
        interval_us = max(1, round(1_000_000 / rate))
        wait_us, now_us = self._script(keys=[f"{self._prefix}:{key}"], args=[interval_us])
        return int(wait_us) / 1_000_000, int(now_us)

    def wait_for_slot(self, key: str, rate: float, sleep: Callable[[float], None] = time.sleep) -> float:
        """Block until a slot is granted; return the seconds spent waiting."""
        waited = 0.0
        while (wait := self.acquire(key, rate)) > 0:
            sleep(wait)
            waited += wait
        return waited
