"""Accounts pages (admins only) and the create-user command."""
from sqlalchemy import select

from core.models import AuditEvent, User
from tests.integration.admin_web import PASSWORD, csrf_token, login, make_user, municipality, post


def user_by_email(app, email):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalar(select(User).where(User.email == email))


def audit_events(app, verb):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.verb == verb,
                                                        AuditEvent.subject_type == "user")).all()


def test_admin_creates_a_municipality_account(app, client):
    """An admin creates a staff account linked to a municipality; the change is audited."""
    with app.extensions["uitkijk"].db.session() as session:
        weesp = municipality(session, "0457", "Weesp").id
    admin = make_user(app, "admin")
    login(client, admin)
    response = post(client, "/accounts/new", {"email": "staff@weesp.nl", "name": "Sam Staff", "role": "municipality",
                                              "municipality_id": str(weesp), "password": "a long enough pass"})
    assert response.status_code == 302
    created = user_by_email(app, "staff@weesp.nl")
    assert created.role == "municipality" and created.municipality_id == weesp
    events = audit_events(app, "create")
    assert events and events[-1].actor == f"user:{admin}" and events[-1].subject_id == str(created.id)


def test_account_form_reports_bad_input(app, client):
    """A short password, a taken address or staff without a municipality are refused with a message."""
    admin = make_user(app, "admin")
    login(client, admin)
    short = post(client, "/accounts/new", {"email": "a@example.org", "name": "A", "role": "operator", "password": "short"})
    assert short.status_code == 400 and "minstens 12 tekens" in short.get_data(as_text=True)
    taken = post(client, "/accounts/new", {"email": admin, "name": "B", "role": "operator", "password": PASSWORD})
    assert taken.status_code == 400 and "heeft al een account" in taken.get_data(as_text=True)
    orphan = post(client, "/accounts/new", {"email": "c@example.org", "name": "C", "role": "municipality",
                                            "password": PASSWORD})
    assert orphan.status_code == 400 and "verplicht voor gemeentemedewerkers" in orphan.get_data(as_text=True)


def test_admin_cannot_remove_own_admin_role(app, client):
    """An admin cannot demote or deactivate themself (no lock-out by accident)."""
    admin = make_user(app, "admin")
    login(client, admin)
    own_id = user_by_email(app, admin).id
    response = post(client, f"/accounts/{own_id}", {"name": "Admin", "role": "operator", "active": "on"})
    assert response.status_code == 400
    assert user_by_email(app, admin).role == "admin"


def test_password_change_ends_other_sessions(app, client):
    """When an admin sets a new password for an account, that account's open session ends."""
    admin = make_user(app, "admin")
    operator = make_user(app, "operator")
    other = app.test_client()
    login(other, operator)
    assert other.get("/").status_code == 200
    login(client, admin)
    operator_id = user_by_email(app, operator).id
    response = post(client, f"/accounts/{operator_id}", {"name": "Operator", "role": "operator", "active": "on",
                                                        "password": "a brand new password"})
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert audit_events(app, "update")[-1].detail["changed"] == ["password"]


def test_account_change_without_csrf_is_refused(app, client):
    """Changing an account without the CSRF token is refused with 400 and changes nothing."""
    admin = make_user(app, "admin")
    operator = make_user(app, "operator")
    login(client, admin)
    operator_id = user_by_email(app, operator).id
    response = client.post(f"/accounts/{operator_id}", data={"name": "X", "role": "admin", "active": "on"})
    assert response.status_code == 400
    assert user_by_email(app, operator).role == "operator"


def test_create_user_command(app):
    """`flask create-user` makes an account that can sign in."""
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "first@example.org", "--name", "First",
                                                "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "account first@example.org (beheerder) aangemaakt" in result.output  # the role as the form names it
    client = app.test_client()
    login(client, "first@example.org")
    assert client.get("/accounts").status_code == 200


def test_create_user_command_marks_a_supervisor(app):
    """`--supervisor` marks an admin or operator; on any other role it is refused naming the field."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "chef@example.org", "--name", "Chef", "--role", "admin",
                                 "--supervisor", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert user_by_email(app, "chef@example.org").supervisor is True
    assert audit_events(app, "create")[-1].detail["supervisor"] is True
    result = runner.invoke(args=["create-user", "--email", "agent@example.org", "--name", "Agent", "--role", "police",
                                 "--supervisor", "--password", PASSWORD])
    assert result.exit_code != 0 and "supervisor: alleen een account van een centralist" in result.output
    assert user_by_email(app, "agent@example.org") is None


def test_create_user_command_reports_bad_input(app):
    """`flask create-user` with an unknown municipality exits with a clear message."""
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "s@example.org", "--name", "S",
                                                "--role", "municipality", "--municipality", "9999",
                                                "--password", PASSWORD])
    assert result.exit_code != 0 and "municipality: onbekende gemeente" in result.output  # the commands speak Dutch
    assert csrf_token(app.test_client())
