"""Alert calls through the lab Asterisk: 1,000 participants who answer and listen 10 s, on a trunk of
30 channels and 10 calls per second.

The figure is the time from launch to the last hang-up against the theoretical minimum
(calls / channels × listening time), and the peak number of concurrent calls, counted from
Asterisk's own Newchannel/Hangup events (not from the project's counters). The project's FastAGI server
runs beside it (benchmarks.fastagi_process), so each answered call goes through the alert flow (its prompts,
its keypad menu), not the dialplan's fallback. The naive baseline, measured in the same run on the same lab
with the same number of calls, is what a worker does without the dispatcher: a call that finds the trunk
full is retried after a fixed pause (a job's TransientFailure retry_after).

Environment: UITKIJK_BENCH_CALLS (1000), UITKIJK_BENCH_PG (PostgreSQL admin URL), UITKIJK_BENCH_REDIS.
"""
import heapq
import os
import time
import uuid

from rq import SimpleWorker
from sqlalchemy import select

from lab.asterisk import LAB_TRUNK, AsteriskLab, ensure_root
from core import runtime
from core.actions import ActionService, parse_launch
from core.models import Delivery
from lab import factories
from voice.call_events import CallService
from voice.trunk_limiter import TrunkLimiter

from .dataset import scratch_database
from .fastagi_process import fastagi_process, render_prompts

CALLS = int(os.environ.get("UITKIJK_BENCH_CALLS", 1000))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
CHANNELS, CPS, LISTEN_S = 30, 10.0, 10
RETRY_AFTER_S = 5.0  # the naive worker's pause when the trunk is full
WAIT_LIMIT_S = 1800  # a bound on each run, far above what it needs


def bench_dispatcher(lab, url, log):
    """The project's path: launch → RQ send jobs → call queue → dispatcher → Asterisk → ledger."""
    prefix = f"benchcalls{uuid.uuid4().hex[:6]}"
    rt = runtime.configure({
        "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": prefix, "VOICE_TRANSPORT": "asterisk",
        "AMI_HOST": lab.ami_host, "AMI_PORT": lab.ami_port, "AMI_USER": lab.ami_user,
        "AMI_SECRET": lab.ami_secret, "PROMPT_DIR": str(lab.sound_dir_host / "bench"),
        "ASTERISK_PROMPT_DIR": f"{lab.sound_dir}/bench", "TRUNK_NAME": "lab",
        "TRUNK_DIAL_TEMPLATE": LAB_TRUNK.dial_template, "TRUNK_CALLER_ID": LAB_TRUNK.caller_id,
        "TRUNK_CHANNEL_LIMIT": CHANNELS, "TRUNK_CPS": CPS, "TRUNK_CHANNEL_VARIABLES": {"LAB_LISTEN": LISTEN_S}})
    log(f"  registering {CALLS} landline participants")
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        for i in range(CALLS):
            factories.participant(session, f"+31201{i:04d}01", distance_m=50 + i % 900)
        body = factories.launch_body(room, operators[0], radius_m=1000)
    render_prompts(lab.sound_dir_host / "bench", [body["title"]], log)
    tips = f"{lab.instance_dir}/spool/tips"
    agi = {"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": prefix, "AGI_PORT": lab.agi_port,
           "PROMPT_DIR": rt.config["PROMPT_DIR"], "ASTERISK_PROMPT_DIR": rt.config["ASTERISK_PROMPT_DIR"],
           "RECORDINGS_DIR": str(lab.host_path(tips)), "ASTERISK_RECORDINGS_DIR": tips}
    service = CallService(rt)
    client, counter = lab.count_calls(f"{prefix}-")
    try:
        with fastagi_process(agi, "alert flow"):
            service.start()
            log(f"  launching; {CALLS} calls of {LISTEN_S} s on {CHANNELS} channels at {CPS:g} calls/s")
            started = time.monotonic()
            with rt.db.session() as session:
                action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "bench")
            SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis).work(burst=True,
                                                                                 logging_level="ERROR")
            counter.wait_ended(CALLS, WAIT_LIMIT_S)
            elapsed = counter.last_end - started
            setup = counter.first_start - started
            time.sleep(2)  # the last hang-ups reach the ledger
        with rt.db.session() as session:
            calls = session.scalars(select(Delivery).where(Delivery.action_id == action.id,
                                                           Delivery.purpose == "alert")).all()
        answered = sum(1 for d in calls if d.state == "answered")
        # What the flow told the ledger over AGI: the alert played at least once.
        through_flow = sum(1 for d in calls if (d.detail or {}).get("alert_plays"))
    finally:
        client.close()
        service.stop()
        runtime.uninstall()
    log(f"  {answered} answered in the ledger, {through_flow} heard the alert through the FastAGI flow; "
        f"peak {counter.peak} concurrent (Asterisk's events)")
    return elapsed, setup, counter.peak, through_flow


def bench_retry_when_full(lab, log):
    """The naive baseline: a call that finds no free channel is tried again RETRY_AFTER_S later."""
    from redis import Redis
    prefix = f"benchnaive{uuid.uuid4().hex[:6]}"
    limiter = TrunkLimiter(Redis.from_url(REDIS_URL), prefix)
    client, counter = lab.count_calls(f"{prefix}-")
    ami = lab.ami_client()

    def on_hangup(event):
        uniqueid = event.get("Uniqueid") or ""
        if uniqueid.startswith(f"{prefix}-") and ";" not in uniqueid:
            limiter.release("lab", uniqueid)

    ami.subscribe("Hangup", on_hangup)
    ami.connect()
    try:
        log(f"  naive: {CALLS} calls, retried after {RETRY_AFTER_S:g} s when the trunk is full")
        started = time.monotonic()
        due = [(started, n) for n in range(CALLS)]
        heapq.heapify(due)
        while due:
            when, n = heapq.heappop(due)
            time.sleep(max(0.0, when - time.monotonic()))
            call_id = f"{prefix}-{n:05d}"  # fixed width: Asterisk matches Uniqueids by prefix
            decision = limiter.acquire("lab", call_id, CHANNELS, CPS, 120)
            if not decision.granted:
                heapq.heappush(due, (time.monotonic() + (RETRY_AFTER_S if decision.full else decision.wait_s), n))
                continue
            ami.originate(f"Local/31201{n:04d}01@lab-pstn", context="lab-hold", ring_timeout=30,
                          variables={"LAB_LISTEN": LISTEN_S, "LAB_HOLD": LISTEN_S + 5},
                          action_id=call_id, channel_id=call_id)
        counter.wait_ended(CALLS, WAIT_LIMIT_S)
        elapsed = counter.last_end - started
    finally:
        ami.close()
        client.close()
    log(f"  naive: peak {counter.peak} concurrent")
    return elapsed, counter.peak


def run(report, log=print):
    lab = AsteriskLab(ensure_root())
    lab.start()  # from the main thread: Asterisk gets SIGTERM when the starting thread ends
    try:
        with scratch_database("calls", log) as url:
            elapsed, setup, peak, through_flow = bench_dispatcher(lab, url, log)
        naive_elapsed, naive_peak = bench_retry_when_full(lab, log)
    finally:
        lab.close()
    minimum = CALLS / CHANNELS * LISTEN_S
    report(f"{CALLS} alert calls, {CHANNELS} channels, {CPS:g} calls/s, {LISTEN_S} s each, through the alert "
           f"flow: time vs minimum {minimum:.0f} s (+ setup {setup:.1f} s)",
           f"{elapsed:.0f} s = {elapsed / minimum:.2f}x min, peak {peak}; {through_flow} heard the alert flow",
           f"{naive_elapsed:.0f} s = {naive_elapsed / minimum:.2f}x min, peak {naive_peak}",
           naive_elapsed / elapsed)
