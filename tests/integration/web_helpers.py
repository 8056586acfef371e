"""Signing in to the web in integration tests: real accounts, the real login form, real CSRF tokens."""
import re

from core.accounts import create_user
from core.models import Municipality
from tests.conftest import app_for

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def web_app(config):
    """An app for the test client, which speaks plain http: session cookies without the Secure flag."""
    yield from app_for({**config, "SECURE_COOKIES": False})


def make_user(app, role, email=None, municipality_id=None, operator_id=None):
    """Create an account with the test password; returns its e-mail address."""
    email = email or f"{role}@example.org"
    with app.extensions["uitkijk"].db.session() as session:
        create_user(session, email, role.capitalize(), PASSWORD, role, municipality_id, operator_id)
    return email


def make_municipality(app, code="GM0457", name="Weesp"):
    with app.extensions["uitkijk"].db.session() as session:
        municipality = Municipality(code=code, name=name)
        session.add(municipality)
        session.flush()
        return municipality.id


def csrf_token(client, path="/login"):
    """The CSRF token of the signed-in (or anonymous) session, read from a page's meta tag."""
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no csrf-token meta tag on {path}"
    return found.group(1)


def sign_in(client, email):
    """Sign in through the login form; returns a CSRF token for the signed-in session."""
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_token(client, "/")


def post(client, path, token, data=None, **kwargs):
    """POST a form with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)
