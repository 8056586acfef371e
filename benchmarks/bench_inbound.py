"""The free number under load: 100 simultaneous inbound calls through the lab Asterisk into the
project's FastAGI server, each put through to the operator of the action that alerted the caller.

The data set is a register of 100,000 participants (every one a mobile, every fourth a landline
too) and a ledger of 100 active actions, each of which alerted 100 participants (a few deliveries
failed), plus 200 ended actions whose deliveries the lookup must pass over. The callers are one
alerted participant per active action, so each caller was alerted by exactly one action; every
action has its own handling operator, a lab phone that answers at once, so "routed right" is well
defined: the caller is bridged with the handler of their action, and no lease (bridge.leases)
sends a caller to a colleague. Caller IDs come as switches present them (0…, +31…, 0031…), and a
quarter of the callers ring from their other number than the one that was alerted.

The figure is the server's decision time (`CallServices.on_decision`: from the AGI session's start
to the first Dial, less the time spent waiting for Asterisk to play the greeting), p50 and p99 over
the burst; who was bridged with whom comes from Asterisk's own BridgeEnter events. The server
(`build_services`, `FastAgiServer`) runs in a process of its own, as in production, so the
benchmark's AMI client does not compete with it for the interpreter; before the burst it looks up a
few other callers, as a server that has been up a while has its statements compiled and its pool
filled. Each caller is hung up once bridged. The baseline, in the same run on the same lab and data,
is the same burst against a server reading the project's own database-backed directory
(core.caller_directory.InboundDirectory: indexed queries per call) instead of its in-memory snapshot
(core.directory_snapshot).

Environment: UITKIJK_BENCH_INBOUND_CALLS (100; also the number of active actions and operators),
UITKIJK_BENCH_INBOUND_PARTICIPANTS (100000), UITKIJK_BENCH_INBOUND_ALERTED (100 per active action),
UITKIJK_BENCH_INBOUND_HISTORY (200 ended actions), UITKIJK_BENCH_PG (PostgreSQL admin URL),
UITKIJK_BENCH_REDIS.
"""
import contextlib
import dataclasses
import math
import os
import random
import threading
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select, text

from lab.asterisk import AsteriskLab, ensure_root
from core.db import Database, make_engine
from core.demo import TOWNS
from core.models import Action, ControlRoom, Delivery, InboundCall, Operator, Participant, PhoneNumber, utcnow

from .dataset import scratch_database
from .fastagi_process import fastagi_process, render_prompts

CALLS = int(os.environ.get("UITKIJK_BENCH_INBOUND_CALLS", 100))
PARTICIPANTS = int(os.environ.get("UITKIJK_BENCH_INBOUND_PARTICIPANTS", 100_000))
ALERTED = int(os.environ.get("UITKIJK_BENCH_INBOUND_ALERTED", 100))
HISTORY = int(os.environ.get("UITKIJK_BENCH_INBOUND_HISTORY", 200))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
ROOMS = 10  # control rooms the actions and their operators are spread over
BATCH = 10_000  # rows per INSERT
BRIDGE_WAIT_S = 300  # a bound on waiting for the bridges, far above what the project needs
RECORD_WAIT_S = 60  # for the server to write the last call records (and free the operators)
TITLES = ("Inbraak", "Vermiste persoon", "Overval", "Gestolen auto", "Vermist kind")


def mobile(pid):
    return f"+316{10_000_000 + pid}"


def landline(pid):
    return f"+3120{5_000_000 + pid}"


def presented(e164, n):
    """The caller ID as a switch presents it: national, E.164 or international with 00, by turns."""
    return (f"0{e164[3:]}", e164, f"00{e164[1:]}")[n % 3]


@dataclasses.dataclass(frozen=True)
class Caller:
    caller_id: str  # as presented to the free number
    operator: str  # the dial string of the handler of the action that alerted them


# The data set -------------------------------------------------------------------------------

def _insert(conn, table, rows):
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[start:start + BATCH])


def populate(url, log):
    """Register, control rooms, actions and ledger; returns the callers, numbers of ten other alerted
    participants (to warm the server with) and the active actions' titles."""
    if CALLS * ALERTED > PARTICIPANTS:
        raise ValueError("the active actions must alert disjoint sets of participants: raise PARTICIPANTS")
    started = time.perf_counter()
    rng = random.Random(2026)
    now = utcnow()
    engine = make_engine(url)
    with engine.begin() as conn:
        _insert(conn, ControlRoom.__table__, [
            {"id": r + 1, "name": f"Meldkamer {r + 1}", "free_number": "0800 0011",
             "general_line": f"Local/3139{r:05d}07@lab-pstn"} for r in range(ROOMS)])
        _insert(conn, Operator.__table__, [
            {"id": k + 1, "control_room_id": k % ROOMS + 1, "name": f"Operator {k + 1}",
             "dial_string": f"Local/3130{k:05d}07@lab-pstn", "available": True} for k in range(CALLS)])
        _insert(conn, Participant.__table__, [
            {"id": pid, "external_ref": f"bench-{pid}", "language": "en" if pid % 20 == 0 else "nl",
             "active": True, "created_at": now} for pid in range(1, PARTICIPANTS + 1)])
        numbers = [{"participant_id": pid, "e164": mobile(pid), "kind": "mobile", "channel": "sms"}
                   for pid in range(1, PARTICIPANTS + 1)]
        numbers += [{"participant_id": pid, "e164": landline(pid), "kind": "landline", "channel": "voice"}
                    for pid in range(4, PARTICIPANTS + 1, 4)]
        _insert(conn, PhoneNumber.__table__, [{**n, "confirmed": True, "unsubscribed": False} for n in numbers])
        number_ids = dict(conn.execute(select(PhoneNumber.e164, PhoneNumber.id)).all())

        titles = [f"{TITLES[k % len(TITLES)]} {TOWNS[k % len(TOWNS)][1]}" for k in range(CALLS)]
        actions = [_action(k + 1, titles[k], "active", k % CALLS + 1, now - timedelta(minutes=k))
                   for k in range(CALLS)]
        actions += [_action(CALLS + h + 1, f"{TITLES[h % len(TITLES)]} {TOWNS[h % len(TOWNS)][1]}", "ended",
                            h % CALLS + 1, now - timedelta(days=1 + h)) for h in range(HISTORY)]
        _insert(conn, Action.__table__, actions)

        people = list(range(1, PARTICIPANTS + 1))
        rng.shuffle(people)
        deliveries, callers, warm_numbers = [], [], []
        for k in range(CALLS):
            alerted = people[k * ALERTED:(k + 1) * ALERTED]
            if k % 4 == 3:  # this caller rings from their mobile; their landline was alerted
                first = next(i for i, pid in enumerate(alerted) if pid % 4 == 0)
                alerted[0], alerted[first] = alerted[first], alerted[0]
            states = ["delivered"] + [rng.choice(("delivered", "delivered", "sent", "answered", "failed"))
                                      for _ in alerted[1:]]
            deliveries += _deliveries(k + 1, alerted, states, number_ids)
            called_from = mobile(alerted[0]) if k % 4 == 3 else alerted_on(alerted[0])[0]
            callers.append(Caller(presented(called_from, k), f"Local/3130{k:05d}07@lab-pstn"))
            warm_numbers.append(alerted_on(alerted[-1])[0])
        for h in range(HISTORY):
            alerted = rng.sample(people, ALERTED)
            deliveries += _deliveries(CALLS + h + 1, alerted, ["delivered"] * ALERTED, number_ids)
        _insert(conn, Delivery.__table__, deliveries)
        for table in ("control_rooms", "operators", "participants", "phone_numbers", "actions", "deliveries"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    with engine.connect() as conn:  # the planner's statistics, as autovacuum keeps them on a live system
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"  {PARTICIPANTS:,} participants ({len(numbers):,} numbers), {CALLS} active and {HISTORY} ended "
        f"actions, {len(deliveries):,} deliveries in {time.perf_counter() - started:.1f} s")
    return callers, warm_numbers[:10], titles


def _action(action_id, title, status, operator_id, launched_at):
    return {"id": action_id, "code": str(1000 + action_id % 9000), "kind": "burglary", "time_critical": True,
            "title": title, "message": f"{title}: let op en bel het gratis nummer.",
            "area": {"type": "circle", "lat": 52.3, "lon": 5.0, "radius_m": 1000}, "status": status,
            "operator_id": operator_id, "control_room_id": (operator_id - 1) % ROOMS + 1,
            "launched_by": "bench", "launched_at": launched_at,
            "ended_at": None if status == "active" else launched_at + timedelta(hours=2)}


def alerted_on(pid):
    """(number, channel) of a participant's alert: a voice call to a landline where they have one, else an SMS."""
    return (landline(pid), "voice") if pid % 4 == 0 else (mobile(pid), "sms")


def _deliveries(action_id, alerted, states, number_ids):
    rows = []
    for rank, (pid, state) in enumerate(zip(alerted, states)):
        to, channel = alerted_on(pid)
        rows.append({"action_id": action_id, "participant_id": pid, "phone_number_id": number_ids[to],
                     "to_e164": to, "channel": channel, "purpose": "alert", "rank": rank,
                     "distance_m": 50 + 10 * rank, "state": state, "attempts": 1})
    return rows


# The server and the calls -------------------------------------------------------------------

class Bridges:
    """The phone each call was first bridged with (BridgeEnter of a lab-pstn channel), per Linkedid."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.phone = {}
        self.last_at = None
        self.changed = threading.Condition()

    def __call__(self, event):
        linked, channel = event.get("Linkedid") or "", event.get("Channel") or ""
        if not linked.startswith(self.prefix) or "@lab-pstn-" not in channel:
            return
        with self.changed:
            if linked not in self.phone:
                self.phone[linked] = channel
                self.last_at = time.monotonic()
                self.changed.notify_all()

    def wait(self, count, timeout):
        with self.changed:
            self.changed.wait_for(lambda: len(self.phone) >= count, timeout)
            return len(self.phone)


def recorded(db, prefix):
    """Calls of this burst the server has finished and recorded (their operators' leases are free)."""
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(InboundCall).where(
            InboundCall.call_ref.startswith(prefix, autoescape=True), InboundCall.outcome.is_not(None)))


def burst(ami, db, callers, label, log):
    """All calls at once, each hung up once bridged; the number bridged with the right operator."""
    prefix = f"bench{label}{uuid.uuid4().hex[:6]}-"
    bridges = Bridges(prefix)
    ami.subscribe("BridgeEnter", bridges)
    try:
        started = time.monotonic()
        for n, caller in enumerate(callers):
            ami.originate(f"Local/{caller.caller_id}@lab-caller", context="lab-caller-phone", ring_timeout=30,
                          variables={"LAB_DTMF_DELAY": 0, "LAB_LISTEN": 3600}, channel_id=f"{prefix}{n:03d}")
        spread = time.monotonic() - started
        bridged = bridges.wait(len(callers), BRIDGE_WAIT_S)
        until_last = (bridges.last_at or time.monotonic()) - started
        ami.send("Hangup", {"Channel": "/@lab-caller-/", "Cause": 16})
        deadline = time.monotonic() + RECORD_WAIT_S
        while recorded(db, prefix) < bridged and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        ami.unsubscribe("BridgeEnter", bridges)
    right = sum(bridges.phone.get(f"{prefix}{n:03d}", "").startswith(caller.operator + "-")
                for n, caller in enumerate(callers))
    log(f"  {label}: {len(callers)} calls originated in {spread * 1000:.0f} ms; {bridged} bridged, the last "
        f"{until_last:.1f} s after the first; {right} with the right operator")
    return right


def measure(ami, db, config, callers, warm_numbers, naive, log):
    """One burst against a fresh server process; (decision times in s, calls routed right)."""
    label = "naive" if naive else "project"
    with fastagi_process(config, label, database_directory=naive, warm_numbers=warm_numbers) as times:
        right = burst(ami, db, callers, label, log)
    log(f"  {label}: {len(times)} decisions")
    return times, right


def percentile(values, q):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


@contextlib.contextmanager
def lab_and_database(kind, log):
    """A running lab Asterisk and a scratch database of the project's schema; yields (lab, database URL).
    Enter it from the main thread: Asterisk gets SIGTERM when the thread that started it ends."""
    lab = AsteriskLab(ensure_root())
    lab.start()
    try:
        with scratch_database(kind, log) as url:
            yield lab, url
    finally:
        lab.close()


def run(report, log=print):
    begun = time.perf_counter()
    with lab_and_database("inbound", log) as (lab, url):
        callers, warm_numbers, titles = populate(url, log)
        render_prompts(lab.sound_dir_host / "prompts", titles, log)
        tips = f"{lab.instance_dir}/spool/tips"
        config = {"DATABASE_URL": url, "REDIS_URL": REDIS_URL,
                  "QUEUE_PREFIX": f"benchinbound{uuid.uuid4().hex[:8]}", "AGI_PORT": lab.agi_port,
                  "PROMPT_DIR": str(lab.sound_dir_host / "prompts"),
                  "ASTERISK_PROMPT_DIR": f"{lab.sound_dir}/prompts", "RECORDINGS_DIR": str(lab.host_path(tips)),
                  "ASTERISK_RECORDINGS_DIR": tips, "OPERATOR_LEASE_S": 600}
        db = Database(url)
        ami = lab.ami_client()
        try:
            ami.connect()
            # Asterisk sends this client BridgeEnter only: parsing every event would cost the harness
            # more CPU than the decisions it measures.
            ami.send("Filter", {"Operation": "Add", "Filter": "Event: BridgeEnter"})
            times, right = measure(ami, db, config, callers, warm_numbers, False, log)
            naive_times, naive_right = measure(ami, db, config, callers, warm_numbers, True, log)
        finally:
            ami.close()
            db.engine.dispose()
    ms = {q: percentile(times, q) * 1000 for q in (0.5, 0.99)}
    naive_ms = {q: percentile(naive_times, q) * 1000 for q in (0.5, 0.99)}
    log("  decision times (ms): " + "; ".join(
        f"{label} p90 {percentile(values, 0.9) * 1000:.1f}, max {percentile(values, 1) * 1000:.1f}"
        for label, values in (("project", times), ("naive", naive_times))))
    log(f"  run {time.perf_counter() - begun:.0f} s")
    setting = f"{CALLS} simultaneous inbound calls, {PARTICIPANTS:,} participants, {CALLS} active actions"
    report(f"{setting}: decision time p50 (AGI start to Dial)",
           f"{ms[0.5]:.1f} ms", f"database-backed directory {naive_ms[0.5]:.1f} ms", naive_ms[0.5] / ms[0.5])
    report(f"{setting}: decision time p99, calls bridged with the right operator",
           f"{ms[0.99]:.1f} ms, {right}/{CALLS} right", f"{naive_ms[0.99]:.1f} ms, {naive_right}/{CALLS} right",
           naive_ms[0.99] / ms[0.99])
