"""Alembic environment: the URL comes from the project's configuration (DATABASE_URL)."""
from alembic import context

from core import reach_points
from core.config import load_config
from core.db import make_engine
from core.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_config()["DATABASE_URL"]


def run_migrations_offline():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True,
                      include_name=reach_points.include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          include_name=reach_points.include_name)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
