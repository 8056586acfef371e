"""One database session per request, closed when the request ends."""
from flask import current_app, g


def runtime():
    return current_app.extensions["uitkijk"]


def session():
    if "db_session" not in g:
        g.db_session = runtime().db.Session()
    return g.db_session


def _close(exc):
    db = g.pop("db_session", None)
    if db is not None:
        if exc is not None:
            db.rollback()
        db.close()


def init_app(app):
    app.teardown_appcontext(_close)
