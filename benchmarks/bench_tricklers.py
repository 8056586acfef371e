"""The FastAGI server's decision time while hundreds of hostile peers trickle their AGI environment,
beside the same calls to the same server with nobody trickling (the honest baseline, same run).

A real free-number call goes through the lab Asterisk into the project's FastAGI server (its own
process, started as `python -m ivr.fastagi` is, with the configured limits: AGI_ENVIRONMENT_TIMEOUT_S,
AGI_MAX_CALLS, AGI_MAX_WAITING); the caller was alerted by the one active action and is put through to
its operator. The calls go one after another (each is hung up once bridged and its record written, so
the operator is free again), first with no other peer, then with UITKIJK_BENCH_TRICKLERS peers each
sending one byte every two seconds, every one the server cuts replaced at once; each round begins with
one call that is not measured (the fresh server compiles its statements then). The figure is the
server's decision time (`CallServices.on_decision`: AGI session start to the first Dial, less the
greeting's playback), p50 and p99; the share of calls put through to the right operator comes from
Asterisk's own BridgeEnter events.

Environment: UITKIJK_BENCH_TRICKLERS (300), UITKIJK_BENCH_TRICKLE_CALLS (20 per round), UITKIJK_BENCH_PG,
UITKIJK_BENCH_REDIS.
"""
import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid

from sqlalchemy import update

from core import runtime
from core.config import load_config
from core.db import Database
from core.models import Delivery
from ivr.fastagi import FastAgiServer, build_services, server_limits
from lab import factories
from lab.tricklers import Swarm

from .bench_inbound import REDIS_URL, Caller, burst, lab_and_database, percentile, render_prompts

TRICKLERS = int(os.environ.get("UITKIJK_BENCH_TRICKLERS", 300))
CALLS = int(os.environ.get("UITKIJK_BENCH_TRICKLE_CALLS", 20))
CALLERS = 5  # alerted participants who call, by turns
TITLE = "Inbraak Weesp"


def populate(rt):
    """A control room, CALLERS alerted landline participants and the active action that alerted them;
    returns the callers and the operator's dial string."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        numbers = [f"+3120123{n:02d}01" for n in range(CALLERS)]
        for number in numbers:
            factories.participant(session, number, distance_m=100)
        room_id, operator_id, dial = room.id, operators[0].id, operators[0].dial_string
    action_id = factories.launch(rt, room_id, operator_id, TITLE)
    with rt.db.session() as session:  # as the workers would have left it: every alert sent
        session.execute(update(Delivery).where(Delivery.action_id == action_id).values(state="sent"))
    return [Caller(number, dial) for number in numbers], dial


def serve(config, decisions, ready, stop):
    """The FastAGI server's own process with the configured limits; decision times go to `decisions`."""
    logging.getLogger("core.runtime").setLevel(logging.ERROR)
    logging.getLogger("ivr.fastagi").setLevel(logging.ERROR)  # a line per trickler cut, thousands of them
    services = build_services(config, on_decision=lambda flow, seconds: decisions.put(seconds))
    rt = runtime.get()
    server = FastAgiServer(("127.0.0.1", int(config["AGI_PORT"])), services, **server_limits(rt.config))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    stop.wait()
    decisions.put(("counts", dict(server.counts)))
    server.shutdown()
    server.server_close()
    rt.close()


def round_of_calls(ami, db, config, callers, label, log, tricklers=0):
    """CALLS calls one after another against a fresh server process, with `tricklers` peers trickling
    meanwhile; (decision times in s, calls put through right, the server's counts)."""
    context = multiprocessing.get_context("spawn")
    decisions, ready, stop = context.Queue(), context.Event(), context.Event()
    server = context.Process(target=serve, args=(config, decisions, ready, stop), name=f"fastagi-{label}",
                             daemon=True)
    server.start()
    swarm = None
    try:
        while not ready.wait(0.5):
            if not server.is_alive():
                raise RuntimeError(f"the {label} FastAGI server failed to start (its error is above)")
        if tricklers:
            swarm = Swarm(int(config["AGI_PORT"]), tricklers)
            time.sleep(load_config(config)["AGI_ENVIRONMENT_TIMEOUT_S"] + 1)  # the first of them cut and replaced
        # One call first, not measured: its server compiles its statements and fills its pool then.
        right = sum([burst(ami, db, [callers[n % len(callers)]], f"{label}{n}", lambda _: None)
                     for n in range(CALLS + 1)][1:])
    finally:
        if swarm is not None:
            swarm.stop()
        stop.set()
        server.join(30)
        if server.is_alive():
            server.kill()
    times, counts = [], {}
    with contextlib.suppress(queue.Empty):
        while True:
            item = decisions.get(timeout=1)
            if isinstance(item, tuple):
                counts = item[1]
            else:
                times.append(item)
    times = times[1:]
    log(f"  {label}: {len(times)} decisions, {right}/{CALLS} put through right; server counts {counts}"
        + (f"; {swarm.connections} trickling connections made" if swarm else ""))
    return times, right, counts


def run(report, log=print):
    begun = time.perf_counter()
    with lab_and_database("tricklers", log) as (lab, url):
        tips = f"{lab.instance_dir}/spool/tips"
        settings = {
            "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": f"benchtrickle{uuid.uuid4().hex[:8]}",
            "AGI_PORT": lab.agi_port, "PROMPT_DIR": str(lab.sound_dir_host / "prompts"),
            "ASTERISK_PROMPT_DIR": f"{lab.sound_dir}/prompts", "RECORDINGS_DIR": str(lab.host_path(tips)),
            "ASTERISK_RECORDINGS_DIR": tips, "OPERATOR_LEASE_S": 600}
        rt = runtime.configure(settings)
        try:
            callers, _ = populate(rt)
        finally:
            runtime.uninstall()
        render_prompts(lab.sound_dir_host / "prompts", [TITLE], log)
        db = Database(url)
        ami = lab.ami_client()
        try:
            ami.connect()
            ami.send("Filter", {"Operation": "Add", "Filter": "Event: BridgeEnter"})
            quiet, quiet_right, _ = round_of_calls(ami, db, settings, callers, "quiet", log)
            busy, busy_right, counts = round_of_calls(ami, db, settings, callers, "tricklers", log,
                                                     TRICKLERS)
        finally:
            ami.close()
            db.engine.dispose()
    log(f"  run {time.perf_counter() - begun:.0f} s")
    setting = f"free-number calls one at a time, {TRICKLERS} peers trickling their AGI environment"
    ms = {q: percentile(busy, q) * 1000 for q in (0.5, 0.99)}
    quiet_ms = {q: percentile(quiet, q) * 1000 for q in (0.5, 0.99)}
    report(f"{setting}: decision time p50 (AGI start to Dial)", f"{ms[0.5]:.1f} ms",
           f"nobody trickling {quiet_ms[0.5]:.1f} ms")
    report(f"{setting}: decision time p99, calls put through right, tricklers cut",
           f"{ms[0.99]:.1f} ms, {busy_right}/{CALLS} right, {counts.get('cut', 0)} cut",
           f"nobody trickling {quiet_ms[0.99]:.1f} ms, {quiet_right}/{CALLS} right")
