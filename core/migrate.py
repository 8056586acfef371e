"""Bring a database to the newest schema with Alembic (used by the CLI, `make run` and the tests)."""
from alembic import command
from alembic.config import Config

from .config import BASE_DIR


def upgrade(database_url, revision="head"):
    config = Config(str(BASE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BASE_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)
