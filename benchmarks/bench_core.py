"""Core figures: area selection among 2,000,000 participants, launching for 50,000, console sends per second."""
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

from sqlalchemy import delete, insert, select, text

from core import runtime
from core.actions import ActionService, LaunchRequest
from core.demo import ensure_control_room
from core.geo import distance_m
from core.jobs import send_deliveries
from core.models import Action, AuditEvent, Delivery, Operator, OutboxMessage, ParticipantLocation, utcnow
from core.selection import participants_in_circle, select_recipients

from . import dataset

PARTICIPANTS = int(os.environ.get("UITKIJK_BENCH_PARTICIPANTS", 2_000_000))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
AMSTERDAM = (52.3728, 4.8936)


def configure(url):
    return runtime.configure({"DATABASE_URL": url, "REDIS_URL": REDIS_URL,
                              "QUEUE_PREFIX": f"bench{uuid.uuid4().hex[:8]}"})


def full_scan(session, lat, lon, radius_m):
    """The naive baseline: read every location and measure every distance."""
    found = {}
    for pid, plat, plon in session.execute(select(ParticipantLocation.participant_id, ParticipantLocation.lat,
                                                  ParticipantLocation.lon)):
        d = distance_m(lat, lon, plat, plon)
        if d <= radius_m and d < found.get(pid, float("inf")):
            found[pid] = d
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def bench_selection(rt, report):
    rng = random.Random(7)
    centres = [(AMSTERDAM[0] + rng.uniform(-0.01, 0.01), AMSTERDAM[1] + rng.uniform(-0.015, 0.015))
               for _ in range(25)]
    timings, sizes = [], []
    with rt.db.session() as session:
        participants_in_circle(session, *centres[0], 2000)  # warm the cache, as a running system has it
        for lat, lon in centres:
            started = time.perf_counter()
            sizes.append(len(participants_in_circle(session, lat, lon, 2000)))
            timings.append(time.perf_counter() - started)
        naive = []
        for lat, lon in centres[:3]:
            started = time.perf_counter()
            expected = full_scan(session, lat, lon, 2000)
            naive.append(time.perf_counter() - started)
        assert [p for p, _ in expected] == [p for p, _ in participants_in_circle(session, lat, lon, 2000)]
    median, naive_median = statistics.median(timings), statistics.median(naive)
    report(f"select 2 km circle in Amsterdam ({rt.db.dialect}, {PARTICIPANTS:,} participants, "
           f"~{int(statistics.median(sizes)):,} inside)",
           f"median {median * 1000:.1f} ms, p95 {sorted(timings)[int(len(timings) * 0.95) - 1] * 1000:.1f} ms",
           f"full scan {naive_median * 1000:.0f} ms", naive_median / median)


def _radius_for(session, target):
    low, high = 500, 15_000
    while high - low > 100:
        mid = (low + high) // 2
        if len(participants_in_circle(session, *AMSTERDAM, mid)) < target:
            low = mid
        else:
            high = mid
    return high


def _room_and_operator(session):
    room = ensure_control_room(session)
    return room, session.scalar(select(Operator.id).where(Operator.control_room_id == room.id).limit(1))


def _cleanup(rt):
    """Leave the cached data set as it was built: participants only, no actions or messages."""
    with rt.db.session() as session:
        for model in (OutboxMessage, Delivery, AuditEvent, Action):
            session.execute(delete(model))
    for queue in rt.queues.in_priority_order():
        queue.empty()


def _naive_launch(rt, session, action, recipients):
    """The naive baseline: one INSERT and one enqueue per participant."""
    queue = rt.queues.for_action(True)
    for rank, r in enumerate(recipients):
        delivery = Delivery(action_id=action.id, participant_id=r.participant_id, phone_number_id=r.phone_number_id,
                            to_e164=r.to_e164, channel=r.channel, purpose="alert", rank=rank,
                            distance_m=r.distance_m, state="queued")
        session.add(delivery)
        session.flush()
        queue.enqueue(send_deliveries, [delivery.id], result_ttl=0)
    session.commit()


def bench_launch(rt, report, target=50_000):
    with rt.db.session() as session:
        room, operator_id = _room_and_operator(session)
        radius = _radius_for(session, target)
    area = {"type": "circle", "lat": AMSTERDAM[0], "lon": AMSTERDAM[1], "radius_m": radius}
    request = LaunchRequest("burglary", True, "Inbraak", "Man in donkere jas op een rode fiets.", area,
                            operator_id, room.id)
    service = ActionService(rt)
    with rt.db.session() as session:
        started = time.perf_counter()
        action, _ = service.launch(session, request, "bench")
        fast = time.perf_counter() - started
        count = session.scalar(select(text("count(*)")).select_from(Delivery).where(Delivery.action_id == action.id))
    jobs = rt.queues.urgent.count
    _cleanup(rt)
    with rt.db.session() as session:
        started = time.perf_counter()
        naive_action = Action(code="9999", kind="burglary", time_critical=True, title="x", message="x", area=area,
                              operator_id=operator_id, control_room_id=room.id, launched_by="bench")
        session.add(naive_action)
        session.flush()
        _naive_launch(rt, session, naive_action, select_recipients(session, area))
        naive = time.perf_counter() - started
    _cleanup(rt)
    report(f"launch for {count:,} participants ({rt.db.dialect}; ledger written, {jobs} jobs enqueued)",
           f"{fast:.2f} s", f"insert+enqueue each {naive:.1f} s", naive / fast)


def bench_worker(rt, report, count=20_000):
    """One worker process (worker.py --burst) drains `count` console sends; batches vs one job per delivery."""
    with rt.db.session() as session:
        room, operator_id = _room_and_operator(session)
        radius = _radius_for(session, count)
    area = {"type": "circle", "lat": AMSTERDAM[0], "lon": AMSTERDAM[1], "radius_m": radius}
    results = {}
    for mode in ("batched", "one job per delivery"):
        with rt.db.session() as session:
            request = LaunchRequest("burglary", True, "Inbraak", "Man in donkere jas.", area, operator_id, room.id)
            if mode == "batched":
                action, _ = ActionService(rt).launch(session, request, "bench")
            else:
                action = Action(code="9998", kind="burglary", time_critical=True, title="x", message="x", area=area,
                                operator_id=operator_id, control_room_id=room.id, launched_by="bench")
                session.add(action)
                session.flush()
                rows = [dict(action_id=action.id, participant_id=r.participant_id, phone_number_id=r.phone_number_id,
                             to_e164=r.to_e164, channel=r.channel, purpose="alert", rank=rank, distance_m=r.distance_m,
                             state="queued", updated_at=utcnow()) for rank, r in enumerate(select_recipients(session, area))]
                session.execute(insert(Delivery), rows)
                session.commit()
                ids = session.scalars(select(Delivery.id).where(Delivery.action_id == action.id)).all()
                with rt.redis.pipeline() as pipe:
                    rt.queues.urgent.enqueue_many([rt.queues.urgent.prepare_data(send_deliveries, args=([i],),
                                                                                 result_ttl=0) for i in ids],
                                                  pipeline=pipe)
                    pipe.execute()
            sent_total = session.scalar(select(text("count(*)")).select_from(Delivery)
                                        .where(Delivery.action_id == action.id))
        env = dict(os.environ, DATABASE_URL=rt.config["DATABASE_URL"], REDIS_URL=REDIS_URL,
                   QUEUE_PREFIX=rt.config["QUEUE_PREFIX"])
        started = time.perf_counter()
        subprocess.run([sys.executable, "worker.py", "--burst"], env=env, check=True)
        elapsed = time.perf_counter() - started
        with rt.db.session() as session:
            sent = session.scalar(select(text("count(*)")).select_from(Delivery)
                                  .where(Delivery.action_id == action.id, Delivery.state == "sent"))
        assert sent == sent_total, (sent, sent_total)
        results[mode] = sent / elapsed
        _cleanup(rt)
    report(f"one worker process, console sends ({rt.db.dialect}, {sent:,} deliveries, incl. start-up)",
           f"{results['batched']:,.0f} sends/s", f"one job each {results['one job per delivery']:,.0f} sends/s",
           results["batched"] / results["one job per delivery"])


def run(report, log=print):
    for name, ensure in (("sqlite", dataset.ensure_sqlite), ("postgresql", dataset.ensure_postgres)):
        log(f"[{name}] preparing {PARTICIPANTS:,} participants (cached after the first run)")
        rt = configure(ensure(PARTICIPANTS, log))
        _cleanup(rt)
        bench_selection(rt, report)
        bench_launch(rt, report)
        bench_worker(rt, report)
        rt.close()
