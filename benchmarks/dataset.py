"""The 2,000,000-participant data set the core benchmarks share, built once and cached outside the repo.

SQLite: a file under UITKIJK_BENCH_DIR; PostgreSQL: a database `uitkijk_bench_<n>_<schema>` beside `test`.
Rows come from core.demo's generator (people spread like the Dutch population) and are loaded
with the fastest path each database has (executemany on SQLite, COPY on PostgreSQL).
"""
import contextlib
import hashlib
import os
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from core import reach_points
from core.db import make_engine
from core.demo import TOWNS, generate_people
from core.geo import cell_of
from core.models import Base, Municipality

BENCH_DIR = Path(os.environ.get("UITKIJK_BENCH_DIR", "/var/cache/uitkijk/bench"))
PG_ADMIN_URL = os.environ.get("UITKIJK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _rows(count):
    """(participants, numbers, locations) tuples in insert order, ids from 1."""
    for pid, person in enumerate(generate_people(count, seed=2026), start=1):
        number = (pid, person["phone"], person["kind"], "voice" if person["kind"] == "landline" else "sms")
        locations = [(pid, kind, lat, lon, cell_of(lat, lon))
                     for kind in ("home", "work") if person[kind] for lat, lon in [person[kind]]]
        yield (pid, person["municipality"], person["external_ref"], person["language"]), number, locations


def _populated(engine, count):
    """Whether the data set holds its `count` participants and the last one's locations (everyone has a home):
    a build cut short after its last participants but before their locations (one was, while another
    process wrote to the same SQLite file) is built again, not measured."""
    try:
        with engine.connect() as conn:
            return (conn.execute(text("SELECT count(*) FROM participants")).scalar() == count
                    and conn.execute(text("SELECT max(participant_id) FROM participant_locations")).scalar() == count)
    except Exception:  # no such table yet
        return False


def _municipality_ids(engine):
    with engine.begin() as conn:
        for code, name, *_ in TOWNS:
            conn.execute(Municipality.__table__.insert().values(code=code, name=name))
        return dict(conn.execute(text("SELECT code, id FROM municipalities")).all())


# The tables the cached data set fills; every other table is empty and is rebuilt from the models on use
# (but for the reach points, derived from these by the migration's own backfill: see _reach_points).
PARTICIPANT_TABLES = ("municipalities", "participants", "phone_numbers", "participant_locations")
KEPT_TABLES = PARTICIPANT_TABLES + (reach_points.TABLE,)


def schema_fingerprint():
    """Short hash of the participant tables' DDL: a data set built for another schema of them is never reused."""
    ddl = "\n".join(str(CreateTable(Base.metadata.tables[name]).compile(dialect=postgresql.dialect()))
                    for name in PARTICIPANT_TABLES)
    return hashlib.sha256(ddl.encode()).hexdigest()[:8]


def _refresh_other_tables(engine):
    """Drop and recreate the tables the data set leaves empty, so a change to them needs no rebuild."""
    others = [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]
    Base.metadata.drop_all(engine, tables=others)
    Base.metadata.create_all(engine, tables=others)


def _load_without_triggers(engine):
    """Drop the reach points' triggers for a bulk load (a trigger per row would take hours)."""
    with engine.begin() as conn:
        reach_points.uninstall(conn)


def _reach_points(engine, log):
    """The reach points as the migration writes them (triggers, spatial index, backfill in cell order), once;
    an index the model added since the data set was built is added to it (the schema's fingerprint covers
    the register's tables, not these points derived from them)."""
    with engine.begin() as conn:
        reach_points.install(conn)
        table = Base.metadata.tables[reach_points.TABLE]
        present = {index["name"] for index in inspect(conn).get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)
        if conn.exec_driver_sql(f"SELECT 1 FROM {reach_points.TABLE} LIMIT 1").scalar():
            return
        started = time.perf_counter()
        rows = reach_points.backfill(conn)
    log(f"  wrote {rows:,} reach points in {time.perf_counter() - started:.0f} s")


def sqlite_url(count):
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{BENCH_DIR / f'participants-{count}-{schema_fingerprint()}.db'}"


def pg_url(count):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/uitkijk_bench_{count}_{schema_fingerprint()}"


def ensure_sqlite(count, log=print):
    url = sqlite_url(count)
    engine = make_engine(url)
    if _populated(engine, count):
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[reach_points.TABLE]])
        _reach_points(engine, log)
        _refresh_other_tables(engine)
        engine.dispose()
        return url
    engine.dispose()
    Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    _load_without_triggers(engine)
    municipalities = _municipality_ids(engine)
    started = time.perf_counter()
    raw = engine.raw_connection()
    cur = raw.cursor()
    batch_p, batch_n, batch_l = [], [], []

    def flush():
        cur.executemany("INSERT INTO participants (id, municipality_id, external_ref, language, active, created_at)"
                        " VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP)", batch_p)
        cur.executemany("INSERT INTO phone_numbers (participant_id, e164, kind, channel, confirmed, unsubscribed)"
                        " VALUES (?, ?, ?, ?, 1, 0)", batch_n)
        cur.executemany("INSERT INTO participant_locations (participant_id, kind, lat, lon, cell)"
                        " VALUES (?, ?, ?, ?, ?)", batch_l)
        batch_p.clear(), batch_n.clear(), batch_l.clear()

    for (pid, code, ref, lang), number, locations in _rows(count):
        batch_p.append((pid, municipalities[code], ref, lang))
        batch_n.append(number)
        batch_l.extend(locations)
        if len(batch_p) >= 50_000:
            flush()
    flush()
    raw.commit()
    cur.execute("ANALYZE")
    raw.close()
    _reach_points(engine, log)
    engine.dispose()
    log(f"  built SQLite data set of {count:,} participants in {time.perf_counter() - started:.0f} s")
    return url


def ensure_postgres(count, log=print):
    url = pg_url(count)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
    engine = make_engine(url) if exists else None
    if engine is not None and _populated(engine, count):
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[reach_points.TABLE]])
        _reach_points(engine, log)
        _refresh_other_tables(engine)
        engine.dispose()
        admin.dispose()
        return url
    if engine is not None:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    _load_without_triggers(engine)
    municipalities = _municipality_ids(engine)
    started = time.perf_counter()
    raw = engine.raw_connection()
    # One COPY stream at a time per connection: each table is loaded in its own pass over the generator.
    with raw.cursor() as cur:
        with cur.copy("COPY participants (id, municipality_id, external_ref, language, active, created_at)"
                      " FROM STDIN") as copy:
            for (pid, code, ref, lang), _, _ in _rows(count):
                copy.write_row((pid, municipalities[code], ref, lang, True, "2026-01-01T00:00:00+00"))
        with cur.copy("COPY phone_numbers (participant_id, e164, kind, channel, confirmed, unsubscribed)"
                      " FROM STDIN") as copy:
            for _, number, _ in _rows(count):
                copy.write_row(number + (True, False))
        with cur.copy("COPY participant_locations (participant_id, kind, lat, lon, cell) FROM STDIN") as copy:
            for _, _, locations in _rows(count):
                for loc in locations:
                    copy.write_row(loc)
        cur.execute("SELECT setval(pg_get_serial_sequence('participants', 'id'), %s)", (count,))
    raw.commit()
    raw.close()
    _reach_points(engine, log)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"  built PostgreSQL data set of {count:,} participants in {time.perf_counter() - started:.0f} s")
    return url


@contextlib.contextmanager
def scratch_database(kind, log=print):
    """A PostgreSQL database of the project's schema for one benchmark run, dropped afterwards;
    yields its URL."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"uitkijk_bench_{kind}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        log(f"  database {name}")
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
