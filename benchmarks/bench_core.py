"""Core figures: area selection among 2,000,000 participants (a circle, a province's polygon), time to first send
with a real worker.py (50,000 participants, and a national action whose whole ledger is written), console sends
per second.

UITKIJK_BENCH_CORE=selection,polygon,first-send,national,worker picks parts (all by default),
UITKIJK_BENCH_DATABASES=sqlite,postgresql the databases, UITKIJK_BENCH_PARTICIPANTS the data set's size
(2,000,000; another size is built and cached beside it)."""
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

from rq import Worker
from sqlalchemy import and_, delete, func, null, select, text

from core import ledger, ledger_rings, polygons, runtime
from core.actions import ActionService, LaunchRequest
from core.demo import ensure_control_room
from core.geo import bounding_box
from core.jobs import enqueue_batches, send_one
from core.messages import message_for
from core.publication import page_urls
from core.models import (Action, AuditEvent, Delivery, Operator, OutboxMessage, Participant, ParticipantLocation,
                         PhoneNumber, utcnow)
from core.selection import alerts_query, participants_in_circle, select_recipients, validate_area

from . import dataset

PARTICIPANTS = int(os.environ.get("UITKIJK_BENCH_PARTICIPANTS", 2_000_000))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
AMSTERDAM = (52.3728, 4.8936)


def configure(url):
    return runtime.configure({"DATABASE_URL": url, "REDIS_URL": REDIS_URL,
                              "QUEUE_PREFIX": f"bench{uuid.uuid4().hex[:8]}"})


def register_by_box(session, area):
    """The baseline: the register's own join (location, participant, usable number) with the reach points'
    columns, read by an ordinary B-tree on (lat, lon) and the circle's bounding box; (points, conditions)."""
    session.execute(text("CREATE INDEX IF NOT EXISTS bench_location_lat_lon ON participant_locations (lat, lon)"))
    session.commit()
    loc = ParticipantLocation
    points = (select(loc.participant_id, loc.lat, loc.lon, loc.cell, PhoneNumber.id.label("phone_number_id"),
                     PhoneNumber.e164, PhoneNumber.channel, Participant.quiet_start, Participant.quiet_end,
                     null().label("address"))
              .join(Participant, Participant.id == loc.participant_id)
              .join(PhoneNumber, PhoneNumber.participant_id == loc.participant_id)
              .where(and_(Participant.active.is_(True), PhoneNumber.confirmed.is_(True),
                          PhoneNumber.unsubscribed.is_(False)))).subquery()
    if area["type"] == "polygon":
        south, north, west, east = polygons.bbox(area["polygons"])
    else:
        south, north, west, east = bounding_box(area["lat"], area["lon"], area["radius_m"])
    return points, [and_(points.c.lat.between(south, north), points.c.lon.between(west, east))]


# The province of Utrecht, coarsely (lat, lon): about 60 by 40 km.
UTRECHT_PROVINCE = ((52.28, 4.95), (52.25, 5.05), (52.21, 5.15), (52.23, 5.25), (52.30, 5.35), (52.28, 5.45),
                    (52.20, 5.55), (52.10, 5.62), (52.00, 5.60), (51.96, 5.45), (51.97, 5.20), (52.00, 5.00),
                    (52.05, 4.82), (52.17, 4.80), (52.25, 4.85), (52.28, 4.95))


def bench_polygon(rt, report, runs=5):
    """An AMBER alert's province-sized polygon (select_recipients: the estimate's and the preview's rows, the
    whole area a launch's rings write), read by the spatial index and the exact polygon test in the database,
    against the register's join read by a (lat, lon) B-tree and the polygon's bounding box with the same test."""
    area = validate_area({"type": "polygon", "geometry": {"type": "Polygon", "coordinates": [
        [[lon, lat] for lat, lon in UTRECHT_PROVINCE]]}}, "amber_alert", 5000)
    timings, sizes = ([], []), []
    with rt.db.session() as session:
        points, box = register_by_box(session, area)
        assert select_recipients(session, area) == select_recipients(session, area, points=points, conditions=box)
        for _ in range(runs):  # alternated, so both see the same state of the machine
            for i, baseline in enumerate(({}, {"points": points, "conditions": box})):
                started = time.perf_counter()
                found = select_recipients(session, area, **baseline)
                timings[i].append(time.perf_counter() - started)
            sizes.append(len(found))
    figure, baseline = timings
    report(f"select_recipients, the province of Utrecht as a polygon ({len(UTRECHT_PROVINCE) - 1} corners; "
           f"{rt.db.dialect}, {PARTICIPANTS:,} participants, {sizes[0]:,} alerts)",
           f"median {_median_ms(figure):.0f} ms, {runs} runs",
           f"register's join, B-tree (lat, lon) + bounding box, same exact test: median {_median_ms(baseline):.0f} ms",
           statistics.median(baseline) / statistics.median(figure))


def _median_ms(timings):
    return statistics.median(timings) * 1000


def _p95_ms(timings):
    return sorted(timings)[int(len(timings) * 0.95) - 1] * 1000


def _ranked(session, area, **baseline):
    """The launch's selection run whole in the database, as its INSERT ... SELECT runs it (ranks included);
    returns how many rows (with a participant's extra rows, which the ledger's unique key drops)."""
    alerts = alerts_query(session, area, **baseline).subquery()
    return session.execute(select(func.count(), func.max(alerts.c.rank))).one()[0]


def _ledger_write(rt, session, area, action_id, **baseline):
    """The launch's ledger write of the whole area (one INSERT ... SELECT), rolled back; returns how many."""
    due, _ = ledger.write_alerts(session, action_id, alerts_query(session, area, **baseline), hold_quiet=False,
                                 tz=rt.config["TIMEZONE"])
    session.rollback()
    return len(due)


def bench_selection(rt, report):
    """The selection a launch's ring runs (alerts_query, in the database), the ledger write it is part of, and
    select_recipients (the same rows handed to Python: the estimate, the impact preview), each against the same
    over the register's join read by a (lat, lon) box."""
    rng = random.Random(7)
    areas = [{"type": "circle", "lat": AMSTERDAM[0] + rng.uniform(-0.01, 0.01),
              "lon": AMSTERDAM[1] + rng.uniform(-0.015, 0.015), "radius_m": 2000} for _ in range(15)]
    with rt.db.session() as session:
        room, operator_id = _room_and_operator(session)
        action = Action(code="9998", kind="burglary", time_critical=True, title="bench", message="bench",
                        area=areas[0], operator_id=operator_id, control_room_id=room.id, launched_by="bench")
        session.add(action)
        session.commit()
        action_id = action.id
    parts = (("selection", lambda s, a, **b: _ranked(s, a, **b)),
             ("ledger write", lambda s, a, **b: _ledger_write(rt, s, a, action_id, **b)),
             ("select_recipients", lambda s, a, **b: len(select_recipients(s, a, **b))))
    timings = {name: ([], []) for name, _ in parts}
    sizes = []
    with rt.db.session() as session:
        points, box = register_by_box(session, areas[0])
        assert select_recipients(session, areas[0]) == select_recipients(session, areas[0], points=points,
                                                                         conditions=box)
        for i, area in enumerate(areas):  # alternated, so both see the same state of the machine
            points, conditions = register_by_box(session, area)
            for name, run in parts:
                if name == "ledger write" and i >= 3:  # seconds each (see the README): three are enough
                    continue
                started = time.perf_counter()
                found = run(session, area)
                timings[name][0].append(time.perf_counter() - started)
                if name == "select_recipients":  # the others count a participant's extra rows too
                    sizes.append(found)
                started = time.perf_counter()
                run(session, area, points=points, conditions=conditions)
                timings[name][1].append(time.perf_counter() - started)
    _cleanup(rt)
    where = (f"2 km circle in Amsterdam ({rt.db.dialect}, {PARTICIPANTS:,} participants, "
             f"~{int(statistics.median(sizes)):,} alerts)")
    whats = {"selection": f"a launch's selection (alerts_query run whole in the database, ranked), {where}",
             "ledger write": f"a launch's ledger write of it (one INSERT ... SELECT, rolled back), {where}",
             "select_recipients": f"select_recipients (the same alerts as rows in Python: estimate, preview), {where}"}
    for name, (figure, baseline) in timings.items():
        spread = f"p95 {_p95_ms(figure):.0f} ms" if len(figure) >= 10 else f"{len(figure)} runs"
        report(whats[name], f"median {_median_ms(figure):.0f} ms, {spread}",
               f"register's join, B-tree (lat, lon) + bounding box: median {_median_ms(baseline):.0f} ms",
               statistics.median(baseline) / statistics.median(figure))


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


CLEARED = (OutboxMessage, Delivery, AuditEvent, Action)  # in an order their keys allow deleting


def _cleanup(rt):
    """Leave the cached data set as it was built: participants only, no actions or messages. On PostgreSQL
    by TRUNCATE: a national ledger's 2,000,000 rows deleted leave dead rows and bloated indexes that the
    next part's worker read through (one run: 672 sends/s, 2,941 on fresh tables)."""
    with rt.db.session() as session:
        if rt.db.dialect == "postgresql":
            session.execute(text("TRUNCATE " + ", ".join(m.__tablename__ for m in CLEARED) + " CASCADE"))
        else:
            for model in CLEARED:
                session.execute(delete(model))
    for queue in rt.queues.in_priority_order():
        queue.empty()


def _start_worker(rt):
    """A real worker.py (sends, sweeper and ledger writer), ready once RQ lists it."""
    env = dict(os.environ, DATABASE_URL=rt.config["DATABASE_URL"], REDIS_URL=REDIS_URL,
               QUEUE_PREFIX=rt.config["QUEUE_PREFIX"])
    log_path = dataset.BENCH_DIR / "worker.log"
    with open(log_path, "ab") as log:  # why a worker did not start or send is read there
        process = subprocess.Popen([sys.executable, "worker.py"], env=env, stderr=log)
    deadline = time.monotonic() + 60
    while not Worker.all(queue=rt.queues.urgent) and time.monotonic() < deadline:
        time.sleep(0.1)
    return process


def _stop_worker(process):
    process.terminate()
    process.wait(timeout=60)


def _first_sent(rt, action_id, launched_at, timeout_s=120):
    """Seconds from launched_at to the first alert of the action in the outbox."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with rt.db.session() as session:
            first = session.scalar(select(func.min(OutboxMessage.created_at)).join(
                Delivery, Delivery.id == OutboxMessage.delivery_id).where(Delivery.action_id == action_id))
        if first is not None:
            return (first - launched_at).total_seconds()
        time.sleep(0.02)
    raise TimeoutError(f"action {action_id}: nothing sent within {timeout_s} s")


def _ledger_done(rt, action_id, launched_at, timeout_s=1800):
    """Seconds from launched_at to the ledger complete, and its rows (a national ledger may take long: its
    figure is reported however long, and only a ledger stuck for half an hour stops the run)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with rt.db.session() as session:
            action = session.get(Action, action_id)
            if action.ledger_done_at is not None:
                return (action.ledger_done_at - launched_at).total_seconds(), action.ledger_rows
        time.sleep(0.2)
    raise TimeoutError(f"action {action_id}: ledger not complete within {timeout_s} s")


def _whole_ledger_first(rt, session, request):
    """The baseline: the launch as written before streaming (select all, write all, commit, then enqueue)."""
    action = Action(code="9999", kind=request.kind, time_critical=True, title=request.title, message=request.message,
                    area=request.area, operator_id=request.operator_id, control_room_id=request.control_room_id,
                    launched_by="bench", ledger_m=request.area.get("radius_m"), ledger_done_at=utcnow())
    session.add(action)
    session.flush()
    due, _ = ledger.write_alerts(session, action.id, alerts_query(session, request.area), hold_quiet=False,
                                 tz=rt.config["TIMEZONE"])
    session.commit()
    enqueue_batches(rt, action, due)
    return action


def bench_first_send(rt, report, area, baseline=True):
    """Launch request to the first alert in the outbox, with a real worker.py running; for a region also
    until its whole ledger is written."""
    with rt.db.session() as session:
        room, operator_id = _room_and_operator(session)
    kind = "burglary" if area["type"] == "circle" else "amber_alert"
    request = LaunchRequest(kind, True, "Inbraak", "Man in donkere jas op een rode fiets.", area, operator_id, room.id)
    figures, answered = {}, {}
    for mode in ("streaming", "whole ledger first") if baseline else ("streaming",):
        worker = _start_worker(rt)
        try:
            with rt.db.session() as session:
                launched_at = utcnow()
                if mode == "streaming":
                    action, _ = ActionService(rt).launch(session, request, "bench")
                    planned = action.planned
                else:
                    action = _whole_ledger_first(rt, session, request)
                answered[mode] = (utcnow() - launched_at).total_seconds()
            figures[mode] = _first_sent(rt, action.id, launched_at)
            if mode == "streaming":
                complete, rows = _ledger_done(rt, action.id, launched_at)
        finally:
            _stop_worker(worker)
            _cleanup(rt)
    what = (f"time to first send, {planned:,} alerts ({rt.db.dialect}, console, one worker.py running)"
            if area["type"] == "circle" else
            f"time to first send, national action, {planned:,} alerts ({rt.db.dialect}, one worker.py running)")
    # The launch's own answer: the baseline's came only with its first send, once its whole ledger was written.
    figure = f"{figures['streaming']:.2f} s (answer {answered['streaming']:.2f} s, ledger complete {complete:.1f} s)"
    if baseline:
        report(what, figure, f"whole ledger first: {figures['whole ledger first']:.2f} s",
               figures["whole ledger first"] / figures["streaming"])
    else:
        figure += f"; its ledger writer alone, nothing sent beside it: {_writer_alone(rt, request):.1f} s"
        report(what, figure, "whole ledger first: not run (it holds every recipient in one process)")


def _writer_alone(rt, request):
    """Seconds from the launch request to the whole ledger written with no worker sending beside the writer (in
    this process): how much of the figure above is the machine shared with the sends."""
    try:
        with rt.db.session() as session:
            launched_at = time.perf_counter()
            action, _ = ActionService(rt).launch(session, request, "bench")
        ledger_rings.extend(rt, action.id)
        return time.perf_counter() - launched_at
    finally:
        _cleanup(rt)


@runtime.job
def send_one_by_one(rt, delivery_ids):
    """The worker baseline's job: the same claim and batch, each send its own statements (the outbox row and the
    ledger's state, one at a time), as the worker sent before its sends were batched."""
    with rt.db.session() as session:
        claimed = ledger.claim(session, delivery_ids)
        pages = page_urls(session, {action.id for _, _, action, _ in claimed}, rt.config)
    with rt.db.session() as session:
        for delivery, language, action, free_number in claimed:
            text = message_for(action, delivery.channel, delivery.purpose, language, free_number,
                               pages.get(action.id))
            send_one(rt, session, delivery, text)


def bench_worker(rt, report, count=20_000):
    """One worker process (worker.py --burst) drains `count` console sends in the launch's batches: each batch's
    sends in a few statements, against the same batches sent one statement pair at a time."""
    with rt.db.session() as session:
        room, operator_id = _room_and_operator(session)
        radius = _radius_for(session, count)
    area = {"type": "circle", "lat": AMSTERDAM[0], "lon": AMSTERDAM[1], "radius_m": radius}
    results = {}
    for mode in ("batched statements", "one by one"):
        with rt.db.session() as session:
            request = LaunchRequest("burglary", True, "Inbraak", "Man in donkere jas.", area, operator_id, room.id)
            action, _ = ActionService(rt).launch(session, request, "bench")
        ledger_rings.extend(rt, action.id)
        if mode == "one by one":
            # The same batches, their jobs replaced by the baseline's before any worker runs.
            queue = rt.queues.urgent
            batches = [job.args[0] for job in queue.get_jobs()]
            queue.empty()
            enqueue_batch_jobs(queue, send_one_by_one, batches)
        with rt.db.session() as session:
            sent_total = session.scalar(select(text("count(*)")).select_from(Delivery)
                                        .where(Delivery.action_id == action.id))
        env = dict(os.environ, DATABASE_URL=rt.config["DATABASE_URL"], REDIS_URL=REDIS_URL,
                   QUEUE_PREFIX=rt.config["QUEUE_PREFIX"])
        started = time.perf_counter()
        subprocess.run([sys.executable, "worker.py", "--burst"], env=env, check=True)
        elapsed = time.perf_counter() - started
        with rt.db.session() as session:
            sent = session.scalar(select(text("count(*)")).select_from(Delivery)
                                  .where(Delivery.action_id == action.id, Delivery.state.in_(("sent", "answered"))))
        assert sent == sent_total, (sent, sent_total)
        results[mode] = sent / elapsed
        _cleanup(rt)
    report(f"one worker process, console sends ({rt.db.dialect}, {sent:,} deliveries, incl. start-up)",
           f"{results['batched statements']:,.0f} sends/s",
           f"same batches, one statement pair per send: {results['one by one']:,.0f} sends/s",
           results["batched statements"] / results["one by one"])


def enqueue_batch_jobs(queue, job, batches):
    with queue.connection.pipeline() as pipe:
        queue.enqueue_many([queue.prepare_data(job, args=(batch,), result_ttl=0) for batch in batches], pipeline=pipe)
        pipe.execute()


def run(report, log=print):
    parts = os.environ.get("UITKIJK_BENCH_CORE", "selection,polygon,first-send,national,worker").split(",")
    databases = os.environ.get("UITKIJK_BENCH_DATABASES", "sqlite,postgresql").split(",")
    for name, ensure in (("sqlite", dataset.ensure_sqlite), ("postgresql", dataset.ensure_postgres)):
        if name not in databases:
            continue
        log(f"[{name}] preparing {PARTICIPANTS:,} participants (cached after the first run)")
        rt = configure(ensure(PARTICIPANTS, log))
        _cleanup(rt)
        if "selection" in parts:
            bench_selection(rt, report)
        if "polygon" in parts:
            bench_polygon(rt, report)
        if "first-send" in parts:
            with rt.db.session() as session:
                radius = _radius_for(session, 50_000)
            bench_first_send(rt, report, {"type": "circle", "lat": AMSTERDAM[0], "lon": AMSTERDAM[1],
                                          "radius_m": radius})
        if "national" in parts:
            bench_first_send(rt, report, {"type": "country"}, baseline=False)
        if "worker" in parts:
            bench_worker(rt, report)
        rt.close()
