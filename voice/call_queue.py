"""Calls waiting for a trunk slot, in Redis: the hand-over from RQ workers to the call dispatcher.

A worker's `send` only validates and enqueues here (milliseconds); the dispatcher in the
call-events service pops calls as channels free up. Each delivery waits at most once: its
member is keyed by delivery, so a delivery sent again (after a lost job) replaces its entry.
Time-critical calls come first, then first come, first served.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from redis import Redis

# KEYS[1]: waiting set, KEYS[2]: call specs. Pops the first waiting call and its spec.
_POP = """
local first = redis.call('ZPOPMIN', KEYS[1])
if #first == 0 then return false end
local spec = redis.call('HGET', KEYS[2], first[1])
redis.call('HDEL', KEYS[2], first[1])
return spec
"""

URGENT, NORMAL = 0, 1


@dataclass(frozen=True)
class PendingCall:
    """Everything the dispatcher needs to place one call, decided when the job ran.

    `delivery_id` is None for a direct message (a confirmation code), which plays
    `playback` (its `audio_file`) and hangs up instead of running the alert flow.
    """

    call_id: str  # the Asterisk ChannelId (Uniqueid) of this attempt
    trunk: str
    channel: str  # Originate channel, e.g. PJSIP/0201234567@provider
    caller_id: str
    variables: dict = field(default_factory=dict)
    delivery_id: int | None = None
    claim_token: str | None = None
    playback: str | None = None
    audio_file: str | None = None  # this call's own audio (voice.call_audio), deleted when it ends
    priority: int = NORMAL

    @property
    def member(self) -> str:
        return f"d{self.delivery_id}" if self.delivery_id is not None else f"c{self.call_id}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> PendingCall:
        return cls(**json.loads(text))


class CallQueue:
    """The waiting calls of each trunk."""

    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = prefix
        self._pop = redis.register_script(_POP)

    def _keys(self, trunk: str) -> tuple[str, str, str]:
        base = f"{self._prefix}:voice:{trunk}"
        return f"{base}:waiting", f"{base}:specs", f"{base}:wake"

    def push(self, call: PendingCall) -> None:
        waiting, specs, wake = self._keys(call.trunk)
        score = call.priority * 10**13 + int(time.time() * 1000)
        with self._redis.pipeline() as pipe:
            pipe.hset(specs, call.member, call.to_json())
            pipe.zadd(waiting, {call.member: score})
            pipe.rpush(wake, 1)
            pipe.ltrim(wake, -1, -1)
            pipe.execute()

    def pop(self, trunk: str, wait_s: float = 0.0) -> PendingCall | None:
        """The first waiting call, waiting up to `wait_s` for one to arrive."""
        waiting, specs, wake = self._keys(trunk)
        spec = self._pop(keys=[waiting, specs])
        if spec is None and wait_s > 0:
            self._redis.blpop([wake], timeout=wait_s)
            spec = self._pop(keys=[waiting, specs])
        return PendingCall.from_json(spec) if spec else None

    def waiting(self, trunk: str) -> int:
        return int(self._redis.zcard(self._keys(trunk)[0]))

    def waiting_deliveries(self, trunk: str) -> list[int]:
        """Delivery ids of the waiting calls (for renewing their ledger leases)."""
        members = self._redis.zrange(self._keys(trunk)[0], 0, -1)
        return [int(m[1:]) for m in (m.decode() for m in members) if m.startswith("d")]
