"""The call service: places the waiting calls as trunk slots free up, and turns Asterisk's
AMI events into ledger outcomes.

One process (`python -m voice.call_events`, beside the RQ workers) runs a CallService per trunk
(TrunkServices), each with three threads:
* the dispatcher pops the trunk's waiting calls (voice.call_queue), takes a channel lease
  and an originate tick (voice.trunk_limiter), checks with the ledger that the call is
  still wanted, and Originates into `uitkijk-alert` (a confirmation code: Playback of the call's
  own audio, deleted when the call ends: voice.call_audio);
* pyst2's event thread hands OriginateResponse / Newstate / Hangup to this module, which
  records answered, busy, no answer, congestion, not in service (core.alert_calls) and
  releases the channel at once, waking the dispatcher: the trunk stays full;
* the supervisor reconnects to AMI, renews the leases of live and waiting calls, gives up
  on Originates that never got a response, and after a reconnect retries the calls that
  no longer exist in Asterisk (it restarted), instead of forgetting them.

Several services may run against one trunk: the Redis leases and pacing are shared. Outcomes not
yet written wait in Redis (voice.call_outcomes), so a service that dies (kill -9), even while the
database is away, loses none of them: the others, or the same one started again, write them, then
take its calls over once their leases go unrenewed (core.alert_calls.take_over_orphans) and settle
them from what Asterisk says: a call still up is followed to its hang-up, one that ended by the
events every service receives (RecentCalls) and the facts the ledger holds.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from core import alert_calls
from core.config import effective
from core.health import serve_probes, standard_checks
from core.log_redaction import configure_logging
from core.metrics import ALERT_CALLS, TRUNK_CHANNELS
from core.models import utcnow
from core.secrets import SecretUnavailable
from voice.ami import AmiActionFailed, AmiClient, AmiEvent, AmiTimeout, AmiUnavailable

from .call_audio import CallAudio
from .call_outcomes import CallOutcome, OutcomeSpool, OutcomeWriter
from .call_queue import CallQueue, PendingCall
from .settings import VoiceSettings
from .trunk_limiter import TrunkLimiter
from .trunks import enabled_asterisk_trunks, voice_settings

log = logging.getLogger(__name__)

# OriginateResponse Reason -> outcome of a call that reached nobody (4 = answered).
REASON_OUTCOMES = {"1": "no answer", "3": "no answer", "5": "busy", "8": "congestion"}
# Q.850 causes that mean the number itself is wrong: no use trying it again.
NOT_IN_SERVICE_CAUSES = {1, 3, 22, 28}
# Q.850 causes of an unanswered call's hang-up -> its outcome (an orphaned call, RecentCalls).
HANGUP_OUTCOMES = {17: "busy", 18: "no answer", 19: "no answer", 21: "no answer", 34: "congestion",
                   38: "congestion", 41: "congestion", 42: "congestion"}
CAUSE_WAIT_S = 2.0  # after a Reason 0, how long to wait for the hang-up cause that explains it
RENEW_EVERY_S = 10.0  # at most; four renewals fit in a delivery's lease (DELIVERY_LEASE_S)
ORPHAN_AFTER_RENEWALS = 2.5  # a call whose lease went unrenewed this many rounds lost its call service
RECENT_CALLS = 20_000  # calls of other services whose end this one remembers
RECONNECT_WAIT_S = (0.2, 5.0)  # first and longest pause between AMI connection attempts
TRUNK_REFRESH_S = 30.0  # how soon a trunk an admin adds, changes or disables is served accordingly


@dataclass
class LiveCall:
    """A call placed (or being placed) by this service, until its outcome is known."""

    call: PendingCall
    deadline: float  # monotonic time by which Asterisk must have answered the Originate
    acknowledged: bool = False  # Asterisk answered the Originate action (it took the call)
    responded: bool = False
    answered: bool = False
    cause: int | None = None
    awaiting_cause_since: float | None = None
    # Its OriginateResponse may have gone elsewhere (to a dead call service, or a connection cut by a
    # timeout): its hang-up cause tells its outcome.
    settled_by_hangup: bool = False


@dataclass
class SeenCall:
    """What Asterisk's events said of a call this service did not place."""

    answered_at: datetime | None = None
    ended_at: datetime | None = None
    cause: int | None = None


class RecentCalls:
    """The answers and hang-ups of the calls other call services placed: AMI sends every event to every
    connection, so when one of those services dies the others still know how its calls went."""

    def __init__(self, size=RECENT_CALLS):
        self._calls: OrderedDict[str, SeenCall] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def note(self, call_id: str, event: AmiEvent) -> None:
        with self._lock:
            seen = self._calls.get(call_id)
            if seen is None:
                if event.name not in ("Newstate", "Hangup"):
                    return
                seen = self._calls[call_id] = SeenCall()
                if len(self._calls) > self._size:
                    self._calls.popitem(last=False)
            if event.name == "Newstate" and event.get("ChannelStateDesc") == "Up" and seen.answered_at is None:
                seen.answered_at = utcnow()
            elif event.name == "Hangup":
                seen.ended_at, seen.cause = utcnow(), _int(event.get("Cause"))

    def get(self, call_id: str) -> SeenCall | None:
        with self._lock:
            return self._calls.get(call_id)


class CallService:
    def __init__(self, rt, settings: VoiceSettings | None = None, ami: AmiClient | None = None):
        self.rt = rt
        self.settings = settings or VoiceSettings.from_config(rt.config)
        s = self.settings
        self.trunk = s.trunk
        self.limiter = TrunkLimiter(rt.redis, s.prefix)
        self.queue = CallQueue(rt.redis, s.prefix)
        self.call_audio = CallAudio.from_settings(s)
        self.ami = ami or AmiClient(s.ami_host, s.ami_port, s.ami_user, s.ami_secret)
        for name in ("OriginateResponse", "Newstate", "HangupRequest", "Hangup"):
            self.ami.subscribe(name, self._on_event)
        self._live: dict[str, LiveCall] = {}
        self._lock = threading.Lock()
        self._slot_freed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ever_connected = False
        self._ready = threading.Event()  # logged in; AmiClient.connected is already true mid-login
        self.reconnects = 0
        self.recent = RecentCalls()
        self.outcomes = OutcomeWriter(rt, OutcomeSpool(rt.redis, s.prefix))
        self.renew_every_s = min(RENEW_EVERY_S, effective(rt.config)["DELIVERY_LEASE_S"] / 4)
        self.taken_over = 0

    # -- life cycle -------------------------------------------------------
    def start(self) -> None:
        """Connect (or keep trying in the background) and start dispatching."""
        self._connect()
        for target, name in ((self._supervise, "call-supervisor"), (self._dispatch, "call-dispatcher"),
                             (self.outcomes.run, "call-outcomes"), (self.outcomes.beat, "call-outcomes-beat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.outcomes.stop()
        with self._slot_freed:
            self._slot_freed.notify_all()
        for thread in self._threads:
            thread.join(10)
        self.ami.close()

    @property
    def connected(self) -> bool:
        """Logged in to AMI and able to place calls."""
        return self._ready.is_set() and self.ami.connected

    def live_calls(self) -> int:
        with self._lock:
            return len(self._live)

    def channels_in_use(self) -> float:
        """The trunk's channel leases held by every call service (NaN while Redis is away)."""
        try:
            return self.limiter.in_use(self.trunk.name)
        except RedisError:
            return float("nan")

    # -- placing calls ----------------------------------------------------
    def _dispatch(self) -> None:
        while not self._stop.is_set():
            if not self.connected:
                self._stop.wait(0.2)
                continue
            try:
                call = self.queue.pop(self.trunk.name, wait_s=0.5)
            except RedisError as exc:
                log.warning("call queue unavailable (%s); trying again", exc.__class__.__name__)
                self._stop.wait(1.0)
                continue
            if call is None:
                continue
            try:
                if self._wait_for_slot(call):
                    self._place(call)
                else:
                    self.queue.push(call)  # stopping: leave it for the next service
            except Exception:  # one bad call must not stop the dispatcher; the sweeper retries it
                log.exception("placing call %s failed", call.call_id)
                self._forget(call.call_id)

    def _wait_for_slot(self, call: PendingCall) -> bool:
        while not self._stop.is_set():
            decision = self.limiter.acquire(self.trunk.name, call.call_id, self.trunk.channel_limit,
                                            self.trunk.cps, self.settings.lease_s)
            if decision.granted:
                return True
            if decision.full:
                # A release by this service wakes us at once; one by another service, or an
                # expired lease, is seen at the next look.
                with self._slot_freed:
                    self._slot_freed.wait(min(decision.wait_s, 0.25))
            else:
                self._stop.wait(decision.wait_s)
        return False

    def _place(self, call: PendingCall) -> None:
        if call.delivery_id is not None:
            verdict = self._record(lambda session: alert_calls.dialling(
                session, call.delivery_id, call.claim_token, call.call_id, prompt=call.variables.get("UITKIJK_PROMPT"),
                trunk=call.trunk))
            if verdict != "call":
                log.info("call %s not placed: delivery %s", call.call_id, verdict)
                self._release(call)
                return
        ring = self.settings.ring_timeout_s
        with self._lock:
            self._live[call.call_id] = LiveCall(call, time.monotonic() + ring + self.settings.response_grace_s)
        try:
            if call.playback:
                self.ami.send("Originate", {
                    "Channel": call.channel, "Application": "Playback", "Data": call.playback,
                    "Timeout": int(ring * 1000), "CallerID": call.caller_id, "Async": "true",
                    "ActionID": call.call_id, "ChannelId": call.call_id})
            else:
                self.ami.originate(call.channel, context="uitkijk-alert", exten="s", ring_timeout=ring,
                                   caller_id=call.caller_id, variables=call.variables,
                                   action_id=call.call_id, channel_id=call.call_id)
            self._acknowledged(call)
        except AmiTimeout:
            # Asterisk may have taken it: whether its channel exists decides, after the reconnect or at the
            # deadline (_adopt_if_up); retrying it blindly could ring the participant twice.
            log.warning("call %s: Asterisk did not acknowledge the Originate", call.call_id)
        except AmiActionFailed as exc:
            log.warning("call %s: Originate refused: %s", call.call_id, exc)
            self._settle(call.call_id, "not set up")
        except AmiUnavailable:
            # The connection is gone and the call was not placed: it waits for the reconnect.
            self._forget(call.call_id)
            self.queue.push(call)

    def _acknowledged(self, call: PendingCall) -> None:
        """Asterisk took the call: from now on the sweeper must not place it again (alert_calls.placed)."""
        with self._lock:
            live = self._live.get(call.call_id)
            if live is None or live.acknowledged:
                return
            live.acknowledged = True
        if call.delivery_id is not None:
            self.outcomes.put(CallOutcome("placed", call.delivery_id, call.call_id))

    # -- events -----------------------------------------------------------
    def _on_event(self, event: AmiEvent) -> None:
        uniqueid = event.get("ActionID") if event.name == "OriginateResponse" else event.get("Uniqueid")
        if not uniqueid:
            return
        call_id, _, half = uniqueid.partition(";")
        with self._lock:
            live = self._live.get(call_id)
        if live is None:
            if not half:
                self.recent.note(call_id, event)
            return
        if event.name == "OriginateResponse":
            self._on_originate_response(live, event)
        elif event.name == "Newstate":
            if not half and event.get("ChannelStateDesc") == "Up":
                self._on_answered(live)
        else:
            cause = _int(event.get("Cause"))
            if cause and live.cause is None:
                live.cause = cause
            if event.name == "Hangup" and not half:
                self._on_hangup(live)

    def _on_originate_response(self, live: LiveCall, event: AmiEvent) -> None:
        live.responded = True
        reason = event.get("Reason")
        if reason == "4":
            self._on_answered(live)
        elif reason in REASON_OUTCOMES:
            self._settle(live.call.call_id, REASON_OUTCOMES[reason])
        elif live.cause is not None:
            self._settle(live.call.call_id, _setup_outcome(live.cause))
        else:
            live.awaiting_cause_since = time.monotonic()  # the hang-up (or the supervisor) decides

    def _on_answered(self, live: LiveCall) -> None:
        live.responded = True
        if live.answered:
            return
        live.answered = True
        call, at = live.call, utcnow()
        if call.delivery_id is not None:
            self.outcomes.put(CallOutcome("answered", call.delivery_id, call.call_id, at=at))

    def _on_hangup(self, live: LiveCall) -> None:
        if live.answered:
            self._forget(live.call.call_id)
            self._release(live.call)
            self._remove_audio(live.call)
            call, at = live.call, utcnow()
            if call.delivery_id is not None:
                self.outcomes.put(CallOutcome("ended", call.delivery_id, call.call_id, at=at, cause=live.cause))
        elif live.awaiting_cause_since is not None:
            self._settle(live.call.call_id, _setup_outcome(live.cause))
        elif live.settled_by_hangup:
            self._settle(live.call.call_id, _hangup_outcome(live.cause))

    # -- outcomes ---------------------------------------------------------
    def _settle(self, call_id: str, outcome: str) -> None:
        """The call reached nobody: free its channel and record the outcome (retried or failed)."""
        live = self._forget(call_id)
        if live is None:
            return
        self._release(live.call)
        if live.call.delivery_id is None:
            self._remove_audio(live.call)  # a direct call is not retried
            log.info("direct call %s: %s", call_id, outcome)
            return
        self.outcomes.put(CallOutcome("not reached", live.call.delivery_id, call_id, cause=live.cause,
                                      outcome=outcome))

    def _remove_audio(self, call: PendingCall) -> None:
        """A call's own audio (a spoken code) is gone with the call."""
        if call.audio_file:
            try:
                self.call_audio.remove(call.audio_file)
            except OSError as exc:
                log.warning("call %s: its audio was not removed (%s); the sweep will", call.call_id,
                            exc.__class__.__name__)

    def _forget(self, call_id: str) -> LiveCall | None:
        with self._lock:
            return self._live.pop(call_id, None)

    def _release(self, call: PendingCall) -> None:
        try:
            self.limiter.release(call.trunk, call.call_id)
        except RedisError:
            log.warning("call %s: lease not released (Redis unavailable); it expires by itself", call.call_id)
        with self._slot_freed:
            self._slot_freed.notify_all()

    def _record(self, work):
        """One unit of work on the ledger whose result is needed now (the dispatcher's and the supervisor's);
        while the database is away (a restart) it waits and does it again. Outcomes go to `self.outcomes`."""
        return self.rt.db.unit_of_work(work, stop=self._stop)

    # -- supervision ------------------------------------------------------
    def _supervise(self) -> None:
        next_renewal = next_connect = 0.0
        pause = RECONNECT_WAIT_S[0]
        while not self._stop.wait(0.2):
            try:
                if not self.connected and time.monotonic() >= next_connect:
                    if self._connect():
                        pause = RECONNECT_WAIT_S[0]
                    else:
                        next_connect = time.monotonic() + pause
                        pause = min(pause * 2, RECONNECT_WAIT_S[1])
                self._give_up_overdue()
                if time.monotonic() >= next_renewal:
                    self._renew_leases()
                    if self.connected:
                        self._claim_dead_outcomes()
                        self._take_over_orphans()
                    self.call_audio.sweep()
                    next_renewal = time.monotonic() + self.renew_every_s
            except Exception:  # the supervisor must outlive one bad round; logged in full
                log.exception("call supervisor round failed")

    def _connect(self) -> bool:
        """One attempt to (re)connect; after a reconnect the calls Asterisk lost are retried."""
        self._ready.clear()
        self.ami.close()
        try:
            self.ami.connect()
        except AmiUnavailable as exc:
            log.warning("AMI unavailable: %s", exc)
            return False
        if self._ever_connected:
            log.warning("AMI connection back; checking the calls that were up")
            if not self._retry_lost_calls():
                # Not ready until that check is done: a call placed meanwhile could be taken for lost.
                self.ami.close()
                return False
            self.reconnects += 1
        self._ever_connected = True
        self._ready.set()
        return True

    def _retry_lost_calls(self) -> bool:
        """After a reconnect: calls Asterisk no longer has were cut off (a restart): retry them.
        False when Asterisk cannot list its channels yet (it refuses CLI commands while it boots)."""
        try:
            alive = channel_states(self.ami)
        except (AmiUnavailable, AmiActionFailed) as exc:
            log.warning("could not list Asterisk's channels (%s); connecting again", exc)
            return False
        with self._lock:
            # An Originate that timed out may still be carried out (Asterisk was frozen, not restarted): its
            # channel can appear after this listing, so its deadline decides (_give_up_overdue), not this.
            lost = [call_id for call_id, live in self._live.items()
                    if call_id not in alive and (live.acknowledged or live.responded)]
            kept = [live for call_id, live in self._live.items() if call_id in alive]
        for call_id in lost:
            self._settle(call_id, "interrupted")
        if lost:
            log.warning("%d call(s) were lost with Asterisk's restart and will be retried", len(lost))
        for live in kept:
            self._adopt_if_up(live, alive)
        return True

    def _adopt_if_up(self, live: LiveCall, states: dict[str, str]) -> bool:
        """Follow a call whose events this connection may have missed, if Asterisk has its channel: an
        Originate that timed out was taken after all (placed), a channel Up was answered, and its hang-up
        settles it. False when Asterisk has no such channel."""
        state = states.get(live.call.call_id)
        if state is None:
            return False
        self._acknowledged(live.call)
        if not live.responded:
            live.responded = live.settled_by_hangup = True
        if state == "Up":
            self._on_answered(live)
        return True

    def _give_up_overdue(self) -> None:
        now = time.monotonic()
        with self._lock:
            overdue = [c for c in self._live.values() if not c.responded and now > c.deadline]
            unexplained = [c for c in self._live.values()
                           if c.awaiting_cause_since is not None and now - c.awaiting_cause_since > CAUSE_WAIT_S]
        states = {}
        if overdue:
            try:
                states = channel_states(self.ami)
            except (AmiUnavailable, AmiActionFailed) as exc:
                log.warning("could not list Asterisk's channels (%s)", exc)
        for live in overdue:
            if self._adopt_if_up(live, states):
                log.warning("call %s: no response to its Originate, but its channel is up; followed",
                            live.call.call_id)
            else:
                log.warning("call %s: no response from Asterisk to its Originate; retrying", live.call.call_id)
                self._settle(live.call.call_id, "no response")
        for live in unexplained:
            self._settle(live.call.call_id, _setup_outcome(live.cause))

    def _claim_dead_outcomes(self) -> None:
        """Write what dead call services left spooled (voice.call_outcomes), before taking their calls over:
        a call that ended while the database was away is known by its spooled outcomes only."""
        try:
            self.outcomes.claim_dead()
        except RedisError:
            log.warning("dead call services' outcomes not claimed (Redis unavailable)")

    def _take_over_orphans(self) -> None:
        """Settle the calls a dead call service left (see the module's docstring). An orphan is put among
        this service's live calls before Asterisk is asked about it, so a hang-up meanwhile is not missed:
        whoever takes it out of `_live` first (the event or this round) decides its outcome."""
        idle_since = utcnow() - timedelta(seconds=ORPHAN_AFTER_RENEWALS * self.renew_every_s)
        orphans = self._record(lambda session: alert_calls.take_over_orphans(session, self.trunk.name, idle_since))
        try:
            # Spooled by a call service that is alive, or died too recently to be claimed yet: its outcomes tell.
            elsewhere = self.outcomes.spool.calls_elsewhere() if orphans else set()
        except RedisError:
            elsewhere = {o.call_id for o in orphans}  # unknown: looked at again next round
        with self._lock:
            # Ours, only renewed late (a database outage): still up, or their outcome waits to be written.
            orphans = [o for o in orphans if o.call_id not in self._live and not self.outcomes.waiting(o.call_id)
                       and o.call_id not in elsewhere]
            for orphan in orphans:
                self._live[orphan.call_id] = LiveCall(
                    PendingCall(call_id=orphan.call_id, trunk=self.trunk.name, channel="", caller_id="",
                                delivery_id=orphan.delivery_id), deadline=float("inf"), responded=True,
                    answered=orphan.answered_at is not None, settled_by_hangup=True)
        if not orphans:
            return
        try:
            self.limiter.hold(self.trunk.name, [o.call_id for o in orphans], self.settings.lease_s)
        except RedisError:
            log.warning("orphaned calls' channels not held (Redis unavailable)")
        try:
            states = channel_states(self.ami)
        except (AmiUnavailable, AmiActionFailed) as exc:
            log.warning("could not list Asterisk's channels (%s); orphaned calls stay followed", exc)
            states = None
        still_up = 0
        for orphan in orphans:
            if states is not None and orphan.call_id in states:
                still_up += 1
                with self._lock:
                    live = self._live.get(orphan.call_id)
                if live is not None and (states[orphan.call_id] == "Up" or
                                         (self.recent.get(orphan.call_id) or SeenCall()).answered_at):
                    self._on_answered(live)  # its events (the hang-up) settle it
            elif states is not None:
                self._settle_ended_orphan(orphan)
        self.taken_over += len(orphans)
        log.warning("took over %d call(s) of a call service that stopped (%d still up)", len(orphans), still_up)

    def _settle_ended_orphan(self, orphan: alert_calls.OrphanedCall) -> None:
        """An orphan Asterisk no longer has: answered if the ledger or Asterisk's events say so, else not
        reached (by its hang-up cause; "interrupted", and so tried again, when nothing is known)."""
        live = self._forget(orphan.call_id)
        if live is None:
            return  # its hang-up arrived meanwhile and settled it
        self._release(live.call)
        seen = self.recent.get(orphan.call_id) or SeenCall()
        answered_at = orphan.answered_at or seen.answered_at
        delivery_id, call_id = orphan.delivery_id, orphan.call_id
        if answered_at is not None:
            if orphan.answered_at is None:
                self.outcomes.put(CallOutcome("answered", delivery_id, call_id, at=answered_at))
            self.outcomes.put(CallOutcome("ended", delivery_id, call_id, at=seen.ended_at, cause=seen.cause))
        else:
            outcome = "interrupted" if seen.ended_at is None else _hangup_outcome(seen.cause)
            self.outcomes.put(CallOutcome("not reached", delivery_id, call_id, cause=seen.cause, outcome=outcome))

    def _renew_leases(self) -> None:
        with self._lock:
            calls = [c.call for c in self._live.values()]
        try:
            self.limiter.renew(self.trunk.name, [c.call_id for c in calls], self.settings.lease_s)
            waiting = self.queue.waiting_deliveries(self.trunk.name)
        except RedisError:
            log.warning("leases not renewed: Redis unavailable")
            return
        deliveries = [c.delivery_id for c in calls if c.delivery_id is not None] + waiting
        for start in range(0, len(deliveries), 500):
            self._record(lambda session: alert_calls.renew_leases(session, deliveries[start:start + 500]))


def channel_states(ami: AmiClient) -> dict[str, str]:
    """{Uniqueid: state ("Up", "Ring", ...)} of every channel Asterisk has now (`core show channels
    concise`: the state is the fifth field, the Uniqueid the last)."""
    output = ami.command("core show channels concise")
    return {fields[-1]: fields[4] for fields in (line.split("!") for line in output.splitlines() if "!" in line)
            if len(fields) > 5}


def _setup_outcome(cause: int | None) -> str:
    return "not in service" if cause in NOT_IN_SERVICE_CAUSES else "not set up"


def _hangup_outcome(cause: int | None) -> str:
    """The outcome of a call that hung up unanswered, by its Q.850 cause."""
    return "not in service" if cause in NOT_IN_SERVICE_CAUSES else HANGUP_OUTCOMES.get(cause, "not set up")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class TrunkServices:
    """A call service per trunk in use (voice.trunks), kept in step with what admins configure."""

    def __init__(self, rt):
        self.rt = rt
        self.services: dict[str, CallService] = {}

    def wanted(self) -> dict[str, VoiceSettings]:
        """Every enabled Asterisk trunk, and the configured trunk while no shared trunk replaces it
        (rooms without a trunk of their own call through it)."""
        base = VoiceSettings.from_config(self.rt.config)
        wanted = {}
        with self.rt.db.session() as session:
            rows = enabled_asterisk_trunks(session)
            for row in rows:
                try:
                    wanted[row.name] = voice_settings(row, self.rt.config, base)
                except (SecretUnavailable, ValueError) as exc:
                    log.error("trunk %s not served: %s", row.name, exc)
        if not any(row.control_room_id is None for row in rows):
            wanted.setdefault(base.trunk.name, base)
        return wanted

    def refresh(self) -> None:
        wanted = self.wanted()
        for name, service in list(self.services.items()):
            if wanted.get(name) != service.settings:  # removed, disabled or changed: restarted below
                service.stop()
                del self.services[name]
        for name, settings in wanted.items():
            if name not in self.services:
                self.services[name] = service = CallService(self.rt, settings)
                service.start()
                ALERT_CALLS.labels(name).set_function(service.live_calls)
                TRUNK_CHANNELS.labels(name).set_function(service.channels_in_use)
                log.info("call service running for trunk %s (%d channels, %g calls/s)", name,
                         settings.trunk.channel_limit, settings.trunk.cps)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        self.services.clear()

    def checks(self) -> dict:
        """Readiness: the database, Redis, and AMI for every trunk served."""
        checks = standard_checks(self.rt)
        checks["ami"] = lambda: all(service.connected for service in list(self.services.values()))
        return checks


def main() -> None:
    """Run the call services until SIGTERM/SIGINT (reads the project's configuration and trunks)."""
    from core import runtime

    configure_logging()
    rt = runtime.configure()
    services = TrunkServices(rt)
    serve_probes(rt.config["PROBE_HOST"], rt.config["CALL_SERVICE_PROBE_PORT"], services.checks(), "call service")
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while True:
        try:
            services.refresh()
            rt.db.outage.came_back()
        except DBAPIError as exc:
            if not rt.db.lost_connection(exc):
                log.exception("could not read the trunks; trying again")
            rt.db.outage.went_down(exc)  # a restarting database: one line per outage, the trunks read again later
        except Exception:  # a database hiccup must not stop the calls already being served
            log.exception("could not read the trunks; trying again")
        if stopping.wait(TRUNK_REFRESH_S):
            break
    services.stop()


if __name__ == "__main__":
    main()
