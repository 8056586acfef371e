"""Alert calls' outcomes on their way to the ledger, kept in Redis until they are written.

The AMI event thread only hands outcomes over (voice.call_events); a writer thread writes them in the order
Asterisk reported them. While the database is away they wait, and a call service killed meanwhile (kill -9, a
crashed machine) would take them with it: who answered, and for how long. So each outcome is first spooled
in Redis, in a list of its writer's own, and taken out once written. Every writer beats a heartbeat; the
spool of one whose heartbeat stopped is claimed, whole and at once (one Lua script), by the first call service
to look, and written in its order there. Every ledger write here may be done twice (a write whose removal
from the spool was cut off): the ledger ignores a second one.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from core import alert_calls

log = logging.getLogger(__name__)

BEAT_EVERY_S = 1.0
DEAD_AFTER_S = 15.0  # a writer silent this long died: its spool is claimed (far longer than any GC pause)

# KEYS[1]: the writers' heartbeats, KEYS[2]: the dead writer's spool, KEYS[3]: the claimer's.
# ARGV[1]: the dead writer, ARGV[2]: heartbeats older than this are dead. Returns the records moved.
_CLAIM = """
local beat = redis.call('ZSCORE', KEYS[1], ARGV[1])
if beat and tonumber(beat) >= tonumber(ARGV[2]) then
  return {}
end
redis.call('ZREM', KEYS[1], ARGV[1])
local records = redis.call('LRANGE', KEYS[2], 0, -1)
for _, record in ipairs(records) do
  redis.call('RPUSH', KEYS[3], record)
end
redis.call('DEL', KEYS[2])
return records
"""


@dataclass(frozen=True)
class CallOutcome:
    """One ledger write of a call's outcome (core.alert_calls), as data, so that it can wait in Redis."""

    kind: str  # "placed", "answered", "ended" or "not reached"
    delivery_id: int
    call_id: str
    at: datetime | None = None  # when Asterisk reported it (answered, ended)
    cause: int | None = None  # Q.850 hang-up cause (ended, not reached)
    outcome: str | None = None  # not reached: busy, no answer, ...
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def apply(self, rt, session):
        if self.kind == "placed":
            return alert_calls.placed(session, self.delivery_id, self.call_id)
        if self.kind == "answered":
            return alert_calls.answered(session, self.delivery_id, self.call_id, at=self.at)
        if self.kind == "ended":
            return alert_calls.ended(rt, session, self.delivery_id, self.call_id, self.cause, at=self.at)
        if self.kind == "not reached":
            return alert_calls.not_reached(rt, session, self.delivery_id, self.call_id, self.outcome, self.cause)
        raise ValueError(f"kind: unknown {self.kind!r}")

    def to_json(self) -> str:
        record = asdict(self)
        record["at"] = self.at.isoformat() if self.at else None
        return json.dumps(record)

    @classmethod
    def from_json(cls, text: str | bytes) -> CallOutcome:
        record = json.loads(text)
        record["at"] = datetime.fromisoformat(record["at"]) if record["at"] else None
        return cls(**record)


class OutcomeSpool:
    """One writer's outcomes in Redis (a list), its heartbeat, and the claim of dead writers' spools."""

    def __init__(self, redis: Redis, prefix: str, writer: str | None = None):
        self.redis = redis
        self.writer = writer or uuid.uuid4().hex
        self._writers = f"{prefix}:call-outcomes:writers"
        self._prefix = prefix
        self._claim = redis.register_script(_CLAIM)

    def _spool(self, writer: str) -> str:
        return f"{self._prefix}:call-outcomes:{writer}"

    def beat(self) -> None:
        self.redis.zadd(self._writers, {self.writer: time.time()})

    def add(self, outcome: CallOutcome) -> None:
        self.redis.rpush(self._spool(self.writer), outcome.to_json())

    def remove(self, outcome: CallOutcome) -> None:
        self.redis.lrem(self._spool(self.writer), 1, outcome.to_json())

    def leave(self) -> None:
        """A writer that stops with nothing spooled leaves no heartbeat behind (one with outcomes left
        goes silent instead, and its spool is claimed)."""
        if not self.redis.exists(self._spool(self.writer)):
            self.redis.zrem(self._writers, self.writer)

    def others(self) -> list[str]:
        return [w.decode() for w in self.redis.zrange(self._writers, 0, -1) if w.decode() != self.writer]

    def claim_dead(self) -> list[CallOutcome]:
        """The outcomes of every writer whose heartbeat stopped, now in this writer's spool, in their order."""
        claimed = []
        stale_before = time.time() - DEAD_AFTER_S
        for dead in self.redis.zrangebyscore(self._writers, "-inf", stale_before):
            dead = dead.decode()
            if dead == self.writer:
                continue
            records = self._claim(keys=[self._writers, self._spool(dead), self._spool(self.writer)],
                                  args=[dead, stale_before])
            claimed += [CallOutcome.from_json(record) for record in records]
        return claimed

    def calls_elsewhere(self) -> set[str]:
        """Calls with outcomes in other writers' spools: theirs to write (or a claimer's), not to take over."""
        return {CallOutcome.from_json(record).call_id for other in self.others()
                for record in self.redis.lrange(self._spool(other), 0, -1)}


class OutcomeWriter:
    """Writes the outcomes put here, in order, on a thread of its own, each done again until it is written
    while the database is away (a restart, or an outage longer than any delivery lease); the event thread
    goes on meanwhile (hang-ups free their trunk channels at once). Every outcome carries the time of its
    event, so a late write records the call as it was."""

    def __init__(self, rt, spool: OutcomeSpool):
        self.rt = rt
        self.spool = spool
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._waiting: Counter[str] = Counter()  # call id -> outcomes not yet written
        self._spool_down = False

    def put(self, outcome: CallOutcome) -> None:
        """Spool the outcome in Redis, then queue it for writing (with Redis away it waits in memory only)."""
        try:
            self.spool.add(outcome)
            self._spool_down = False
        except RedisError as exc:
            if not self._spool_down:
                log.warning("call outcomes not spooled (Redis unavailable: %s); they wait in memory",
                            exc.__class__.__name__)
            self._spool_down = True
        self._enqueue(outcome)

    def _enqueue(self, outcome: CallOutcome) -> None:
        with self._lock:
            self._waiting[outcome.call_id] += 1
        self._queue.put(outcome)

    def claim_dead(self) -> int:
        """Take on the outcomes dead call services left spooled; before any call of theirs is taken over."""
        claimed = self.spool.claim_dead()
        for outcome in claimed:
            self._enqueue(outcome)
        if claimed:
            log.warning("claimed %d call outcome(s) a stopped call service left unwritten", len(claimed))
        return len(claimed)

    def waiting(self, call_id: str) -> bool:
        """Whether an outcome of the call waits to be written (its takeover would be a second opinion)."""
        with self._lock:
            return call_id in self._waiting

    def pending(self) -> int:
        return self._queue.qsize()

    def stop(self) -> None:
        """Write what is waiting if the database is there, then end the threads (without waiting on an
        outage: what is left then stays spooled, and another call service claims it)."""
        self._stopping.set()

    def beat(self) -> None:
        """The heartbeat that keeps this writer's spool its own, beaten until the writer stops."""
        while True:
            try:
                self.spool.beat()
            except RedisError:
                pass  # the spool is away too; put() says so
            if self._stopping.wait(BEAT_EVERY_S):
                break
        try:
            if not self._queue.qsize():
                self.spool.leave()
        except RedisError:
            pass

    def run(self) -> None:
        while True:
            try:
                outcome = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            try:
                self.rt.db.unit_of_work(lambda session: outcome.apply(self.rt, session), stop=self._stopping)
            except DBAPIError as exc:
                log.warning("call %s: outcome not written while stopping (%s)", outcome.call_id,
                            exc.__class__.__name__)
                self._done(outcome)
                continue  # it stays spooled
            except Exception:  # one bad outcome must not stop the others; logged in full
                log.exception("call %s: outcome not written", outcome.call_id)
            self._unspool(outcome)
            self._done(outcome)

    def _unspool(self, outcome: CallOutcome) -> None:
        try:
            self.spool.remove(outcome)
        except RedisError:
            log.warning("call %s: written outcome left in the spool (Redis unavailable); a second write of it "
                        "changes nothing", outcome.call_id)

    def _done(self, outcome: CallOutcome) -> None:
        with self._lock:
            self._waiting[outcome.call_id] -= 1
            if self._waiting[outcome.call_id] <= 0:
                del self._waiting[outcome.call_id]
