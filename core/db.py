"""Engine and session factory for the configured database (SQLite by default, PostgreSQL by URL)."""
import logging
import threading
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker

from . import polygons
from .outage import Outage
from .private_files import private_file

log = logging.getLogger(__name__)


# Execution option of the engine a reading session uses.
READ_ONLY = "uitkijk_read_only"


def normalise_url(url):
    """Let `postgresql://` URLs use psycopg 3, the driver this project installs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


SQLITE_CACHE_KB = 64 * 1024


def make_engine(url):
    url = normalise_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        # The whole register is in this file: 0600 before SQLite opens it (its WAL and shared-memory
        # files take the database file's mode).
        private_file(url[len("sqlite:///"):].split("?", 1)[0])
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # pysqlite's own transaction handling is switched off (SQLAlchemy's "serializable isolation /
            # savepoints" recipe): it begins no transaction before a SAVEPOINT, so releasing the savepoint
            # committed everything before it, and a launch that failed later left half an action behind.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # 64 MB of pages, not SQLite's 2 MB: a ledger's ring inserts into indexes in random order (the
            # participant, the number), and with the default cache most of those inserts read their page
            # again from the file (a national ring of 365,000 alerts: 9.2 s, 6.6 s with this).
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
            cur.close()
            # The exact polygon test of an area selection (core.selection), where PostgreSQL has PostGIS.
            dbapi_conn.create_function("uitkijk_in_polygons", 3, polygons.contains_json, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE takes the write lock at the start: a transaction that reads and then writes can then
            # never fail half-way because another writer committed in between (SQLITE_BUSY_SNAPSHOT); it
            # waits for the lock (timeout above) instead. Concurrent launches therefore run one after another.
            # A reading session (Database.reading) begins DEFERRED: a long read holds no lock a send waits on.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
        return engine
    # No JIT: the project's queries are short, and an area selection the planner misjudges (PostGIS's estimate
    # of ST_DWithin) spent more compiling (about 100 ms) than running. 32 MB to sort in: an area selection sorts
    # its rows to keep one per participant and rank them (a 2 km circle in Amsterdam: 70,000), which at the
    # default 4 MB went to disk and took twice as long.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         connect_args={"options": "-c jit=off -c work_mem=32MB"})


class Database:
    def __init__(self, url):
        self.url = normalise_url(url)
        self.engine = make_engine(url)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self.Reader = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # One per process and database: a restart of PostgreSQL is logged once, however many threads wait.
        self.outage = Outage("the database", log, first_wait_s=0.2, longest_wait_s=5.0)

    def lost_connection(self, exc):
        """True for an error that says the server went away (a restart, a failover, a cut network): the unit
        of work never committed, or its commit is unknown, and doing it again once the server is back is right.
        SQLite's OperationalErrors (a locked file, a missing table) are not that."""
        if not isinstance(exc, DBAPIError):
            return False
        return exc.connection_invalidated or (self.dialect == "postgresql" and isinstance(exc, OperationalError))

    def unit_of_work(self, work, stop=None):
        """work(session) in a transaction of its own, done again (growing pauses) while the database is
        unreachable; returns its result. `work` must be safe to do twice: a commit cut off half-way may have
        happened. With `stop` (a threading.Event) set, the last error is raised instead of waiting on."""
        stop = stop or threading.Event()
        pause = self.outage.first_wait_s
        while True:
            try:
                with self.session() as session:
                    result = work(session)
            except DBAPIError as exc:
                if not self.lost_connection(exc) or stop.is_set():
                    raise
                self.outage.went_down(exc)
                stop.wait(pause)
                pause = min(pause * 2, self.outage.longest_wait_s)
                continue
            self.outage.came_back()
            return result

    @contextmanager
    def session(self):
        """A session that commits on success and rolls back on any error."""
        session = self.Session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self):
        """A session for reads only (it must not write): on SQLite it takes no write lock, so a long read (a
        ring's selection, a count) never holds up the sends and launches that write meanwhile."""
        session = self.Reader()
        try:
            yield session
        finally:
            session.close()  # the pool rolls the transaction back; what was read stays loaded

    @property
    def dialect(self):
        return self.engine.dialect.name
