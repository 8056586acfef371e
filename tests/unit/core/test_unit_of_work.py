"""Database.unit_of_work does a unit again only when the server went away, never for an error of the SQL."""
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.db import Database
from lab.servers import free_port


def test_an_error_of_the_sql_is_raised_at_once_not_retried(tmp_path):
    """SQLite's OperationalError for a missing table is the statement's fault: raised on the first try."""
    db = Database(f"sqlite:///{tmp_path / 'u.db'}")
    tries = []

    def work(session):
        tries.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(OperationalError):
        db.unit_of_work(work)
    assert len(tries) == 1 and not db.outage.down


def test_an_unreachable_server_is_waited_for_until_stopped():
    """A PostgreSQL nobody answers on is an outage: retried (noted once) until the stop is set."""
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    stop = threading.Event()
    tries = []

    def work(session):
        tries.append(1)
        if len(tries) == 3:
            stop.set()
        session.execute(text("SELECT 1"))

    with pytest.raises(OperationalError):
        db.unit_of_work(work, stop=stop)
    assert len(tries) == 3 and db.outage.down and db.outage.count == 1
