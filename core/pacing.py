"""Send slots per sender (an SMS number, a Twilio account), reserved in Redis by
every worker process: at most a rate per second.

Each send reserves the next free slot of its key (slots lie exactly 1/rate apart on Redis's
clock) and sleeps until it. Slots follow one another from the previous slot, not from the
moment a waiting process woke up, so the late wake-ups of busy processes do not add up and
the rate is reached, never exceeded; a limiter that grants "now or later" from the moment of
asking loses a few percent of the rate to those wake-ups.

A slot further away than ``max_wait_s`` is not taken: the delivery goes back to the job as a
TransientFailure with ``retry_after``, so no worker holds a claimed batch past the ledger's
lease (when the sweeper would take it back and send it twice).
"""
import math
import time
from typing import Callable

from .config import default
from .transports import TransientFailure

# Pace a little below the configured rate: the limit counts where requests arrive (at Twilio, at the relay),
# and network jitter could otherwise push one request into the previous second there.
HEADROOM = 0.98

# KEYS[1]: the key's next free slot. ARGV[1]: interval (µs), ARGV[2]: longest wait (µs).
# Returns {1, µs to wait} with the slot reserved, or {0, µs} when the slot is too far away.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {0, wait} end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', math.ceil((wait + interval) / 1000) + 1000)
return {1, wait}
"""


class SendSchedule:
    """Slots per key under one Redis prefix, shared by every process using the same prefix."""

    def __init__(self, redis, prefix):
        self._prefix = prefix
        self._reserve = redis.register_script(_RESERVE)

    def reserve(self, key: str, rate_per_s: float, max_wait_s: float) -> tuple[bool, float]:
        """(True, seconds until the reserved slot) or (False, seconds until the next free one)."""
        interval_us = max(1, round(1_000_000 / rate_per_s))
        reserved, wait_us = self._reserve(keys=[f"{self._prefix}:{key}"],
                                          args=[interval_us, math.floor(max_wait_s * 1_000_000)])
        return bool(reserved), int(wait_us) / 1_000_000


class Pacer:
    """Waits for one sender's slots: ``rate_per_s`` at most, across every process."""

    def __init__(self, schedule: SendSchedule, key: str, rate_per_s: float,
                 max_wait_s: float = default("SMS_MAX_PACING_WAIT_S"), sleep: Callable[[float], None] = time.sleep):
        if isinstance(rate_per_s, bool) or not isinstance(rate_per_s, (int, float)) or not rate_per_s > 0:
            raise ValueError(f"rate: expected a positive number per second, got {rate_per_s!r}")
        if not key:
            raise ValueError("key: empty")
        self.schedule = schedule
        self.key = key
        self.rate_per_s = float(rate_per_s)
        self.max_wait_s = max_wait_s
        self._sleep = sleep

    def wait(self):
        """Return at this send's slot; TransientFailure when the next slot is too far away."""
        reserved, wait = self.schedule.reserve(self.key, self.rate_per_s * HEADROOM, self.max_wait_s)
        if not reserved:
            raise TransientFailure(f"send rate of {self.rate_per_s:g}/s reached", retry_after=wait)
        if wait > 0:
            self._sleep(wait)
