"""Fixtures shared by every test: a migrated database (SQLite and PostgreSQL), real Redis, the app."""
import os
import shutil
import uuid

import pytest
from flask import Flask
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import create_engine, text

from core import ledger_rings, runtime
from core.db import make_engine
from core.models import Base
from tests.openapi_check import OpenApiCheckedClient

# Every Flask test client of the suite checks API responses against the OpenAPI document.
Flask.test_client_class = OpenApiCheckedClient

PG_ADMIN_URL = os.environ.get("UITKIJK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("UITKIJK_TEST_REDIS", "redis://127.0.0.1:6379/15")
DATABASES = ("sqlite", "postgresql")


def require(condition, reason):
    """Skip locally when a real service is missing; in CI a missing service is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


def create_schema(url):
    """The schema from the models; tests/integration/test_migrations.py proves the migrations match it."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def _pg_url(name):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    create_schema(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template():
    """A migrated template database; each test gets a copy (CREATE DATABASE ... TEMPLATE is fast)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any connection failure means "no PostgreSQL here"
        admin.dispose()
        require(False, f"PostgreSQL at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    name = f"uitkijk_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    create_schema(_pg_url(name))
    yield admin, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A fresh, migrated database: once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "uitkijk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin, template = request.getfixturevalue("pg_template")
    name = f"uitkijk_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    runtime.uninstall()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DATABASES)
def empty_database(request, tmp_path):
    """An empty database with no schema (for migration tests): once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"uitkijk_m_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here
        require(False, f"PostgreSQL: {exc.__class__.__name__}")
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_url():
    redis = Redis.from_url(TEST_REDIS_URL)
    try:
        redis.ping()
    except Exception as exc:  # connection refused, timeout, ...
        require(False, f"Redis at {TEST_REDIS_URL}: {exc.__class__.__name__}")
    redis.close()
    return TEST_REDIS_URL


@pytest.fixture
def queue_prefix(redis_url):
    """A queue and key prefix of this test's own, so test runs sharing a Redis never meet."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*{prefix}*", count=1000):
        redis.delete(key)
    redis.close()


@pytest.fixture
def config(database_url, redis_url, queue_prefix, tmp_path):
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "QUEUE_PREFIX": queue_prefix,
            "TESTING": True, "SECRET_KEY": "test-secret", "PROMPT_DIR": str(tmp_path / "prompts"),
            "WEBHOOK_PRIVATE_ADDRESSES": True,  # the tests' webhook receivers listen on loopback
            "CLI_LANGUAGE": "nl"}  # not the machine's LANG: the commands' Dutch is what the tests read


@pytest.fixture
def rt(config):
    """The process runtime wired to this test's database and Redis."""
    current = runtime.configure(config)
    yield current
    runtime.uninstall()


def app_for(config):
    """The body of an app fixture: create_app(config), and the process runtime closed afterwards."""
    from app import create_app
    application = create_app(config)
    yield application
    runtime.uninstall()


@pytest.fixture
def app(config):
    yield from app_for(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_token(app):
    from core.tokens import SCOPES, create_token
    with app.extensions["uitkijk"].db.session() as session:
        return create_token(session, f"test-{uuid.uuid4().hex[:6]}", SCOPES, "test")


@pytest.fixture
def auth(api_token):
    return {"Authorization": f"Bearer {api_token}"}


@pytest.fixture
def work():
    """Write the rest of launched actions' ledgers and run the project's queues to empty with a real RQ
    worker, as worker.py's ledger writer and worker do."""
    def run():
        rt = runtime.get()
        with rt.db.session() as session:
            unfinished = ledger_rings.unfinished(session)
        for action_id in unfinished:
            ledger_rings.extend(rt, action_id)
        SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis).work(burst=True, logging_level="ERROR")
    return run


@pytest.fixture
def signup_clock(monkeypatch):
    """The sign-up's clock, at noon in Amsterdam (code calls ring only in daytime); `.set(datetime)`
    moves it."""
    import core.signup
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo
    clock = SimpleNamespace(now=datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam")))
    clock.set = lambda when: setattr(clock, "now", when)
    monkeypatch.setattr(core.signup, "local_now", lambda zone: clock.now)
    return clock
