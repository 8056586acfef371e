"""Helpers for the admin web tests: accounts, municipalities, CSRF tokens and signing in."""
import re

from sqlalchemy import select

from core.accounts import create_user
from core.models import Municipality

PASSWORD = "correct horse battery"


def municipality(session, code, name=None):
    found = session.scalar(select(Municipality).where(Municipality.code == code))
    if found is None:
        found = Municipality(code=code, name=name or f"Gemeente {code}")
        session.add(found)
        session.flush()
    return found


def make_user(app, role, email=None, municipality_code=None, password=PASSWORD, operator_id=None):
    """Create an account and return its e-mail address."""
    with app.extensions["uitkijk"].db.session() as session:
        municipality_id = municipality(session, municipality_code).id if municipality_code else None
        user = create_user(session, email or f"{role}-{municipality_code or 'x'}@example.org", role.title(),
                           password, role, municipality_id, operator_id)
        return user.email


def csrf_token(client, path="/login"):
    """The CSRF token a page carries in its meta tag (the same token every form posts)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF meta tag on {path}"
    return match.group(1)


def login(client, email, password=PASSWORD):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post(client, path, data=None, **kwargs):
    """POST a form with a valid CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/signup")}, **kwargs)
