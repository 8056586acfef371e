"""Signing in to the web: argon2 passwords, rate limits, CSRF, cookies, roles and the audit trail."""
import pytest
from sqlalchemy import select

from app import create_app
from core.models import AuditEvent, User
from tests.integration.admin_web import PASSWORD, csrf_token, login, make_user, post


def audit_verbs(app):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.actor, e.verb) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_password_is_stored_as_argon2_hash(app):
    """An account's password is kept only as an argon2id hash."""
    email = make_user(app, "admin")
    with app.extensions["uitkijk"].db.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == email))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_redirects_to_the_page_asked_for_and_is_audited(app, client):
    """A correct password signs in, returns to `next` and writes a login audit event."""
    email = make_user(app, "admin")
    response = client.post("/login", data={"email": email.upper(), "password": PASSWORD, "next": "/accounts",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/accounts"
    assert client.get("/accounts").status_code == 200
    assert (f"user:{email}", "login") in audit_verbs(app)


def test_wrong_password_is_refused_and_audited(app, client):
    """A wrong password is refused with 401 and leaves a login-failed audit event."""
    email = make_user(app, "operator")
    response = client.post("/login", data={"email": email, "password": "not the password",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "onjuist" in response.get_data(as_text=True)
    assert ("anonymous", "login-failed") in audit_verbs(app)
    assert client.get("/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(app, client):
    """A login POST without the CSRF token is refused with 400, even with the right password."""
    email = make_user(app, "admin")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_account_is_locked_after_repeated_failures(app, client):
    """After five wrong passwords the account is throttled: even the right password gets 429."""
    email = make_user(app, "admin")
    for _ in range(5):
        client.post("/login", data={"email": email, "password": "wrong password!", "csrf_token": csrf_token(client)})
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 429
    assert ("anonymous", "login-throttled") in audit_verbs(app)


def test_one_address_guessing_many_accounts_is_throttled(config):
    """Failures spread over many accounts from one address hit the per-address limit."""
    application = create_app({**config, "LOGIN_MAX_FAILURES_ADDRESS": 3})
    client = application.test_client()
    email = make_user(application, "admin")
    for n in range(3):
        client.post("/login", data={"email": f"guess{n}@example.org", "password": "wrong password!",
                                    "csrf_token": csrf_token(client)})
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 429


def test_session_cookie_is_secure_httponly_and_samesite(app, client):
    """The session cookie is Secure, HttpOnly and SameSite=Lax by default."""
    email = make_user(app, "admin")
    cookie = login(client, email).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_flag_can_be_switched_off_for_plain_http(config):
    """SECURE_COOKIES=0 drops the Secure flag, for development over http."""
    application = create_app({**config, "SECURE_COOKIES": "0"})
    client = application.test_client()
    cookie = login(client, make_user(application, "admin")).headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_next_cannot_send_people_to_another_site(app, client):
    """An absolute or protocol-relative `next` lands on the start page instead."""
    email = make_user(app, "admin")
    for target in ("//evil.example", "https://evil.example/x"):
        response = client.post("/login", data={"email": email, "password": PASSWORD, "next": target,
                                               "csrf_token": csrf_token(client)})
        assert response.headers["Location"] == "/"


@pytest.mark.parametrize("role, path, status", [
    ("operator", "/accounts", 403), ("operator", "/participants", 403), ("operator", "/accounts/new", 403),
    ("municipality", "/accounts", 403), ("municipality", "/participants", 200),
    ("admin", "/accounts", 200), ("admin", "/participants", 200),
])
def test_each_role_reaches_only_its_pages(app, client, role, path, status):
    """Role checks: operators see no accounts or participants, staff no accounts, admins everything."""
    email = make_user(app, role, municipality_code="0457" if role == "municipality" else None)
    login(client, email)
    assert client.get(path).status_code == status


def test_navigation_shows_links_by_role(app, client):
    """The menu shows an operator Actions and Dashboard only."""
    login(client, make_user(app, "operator"))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/actions"' in html and 'href="/dashboard"' in html
    assert 'href="/accounts"' not in html and 'href="/config"' not in html and 'href="/participants"' not in html


def test_deactivated_account_loses_its_session(app, client):
    """Deactivating an account ends its open sessions at the next request."""
    email = make_user(app, "operator")
    login(client, email)
    assert client.get("/").status_code == 200
    with app.extensions["uitkijk"].db.session() as session:
        session.scalar(select(User).where(User.email == email)).active = False
    assert client.get("/").status_code == 302


def test_sign_out_needs_post_with_csrf_and_is_audited(app, client):
    """Signing out is a CSRF-protected POST; afterwards pages ask to sign in again."""
    email = make_user(app, "admin")
    login(client, email)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    assert post(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert (f"user:{email}", "logout") in audit_verbs(app)
