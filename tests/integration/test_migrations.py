"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core import migrate, reach_points
from core.db import make_engine
from core.models import Base


def test_migrations_match_the_models(empty_database):
    """After `upgrade head` Alembic finds no difference between the database and the models."""
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": reach_points.include_name})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []
