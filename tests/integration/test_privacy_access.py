"""A participant's own data: the GDPR export (self-service and staff, audited), revocable self-service
links, and the audit row every read of personal data leaves."""
import time

import pytest
from sqlalchemy import select

from core.models import AuditEvent, Municipality, OutboxMessage
from core.signup import make_link_token
from lab import factories
from tests.integration.web_helpers import csrf_token, make_user, post, sign_in, web_app

NUMBER = "+31612340077"


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def person(app):
    """A participant of Weesp (0457) with an alert sent to them; another municipality (0363) exists."""
    with app.extensions["uitkijk"].db.session() as session:
        session.add_all([Municipality(code="0457", name="Weesp"), Municipality(code="0363", name="Amsterdam")])
        session.flush()
        found = factories.participant(session, NUMBER, 0, name="Fatima el Amrani", email="fatima@example.nl",
                                      municipality="0457")
        return found.id


def manage_link(app, participant_id, seconds_ago=0, monkeypatch=None):
    """The self-service link as texted `seconds_ago` (links carry their signing time)."""
    if seconds_ago:
        real = time.time
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - seconds_ago)
    token = make_link_token(app.config["SECRET_KEY"].encode(), participant_id, "manage")
    if seconds_ago:
        monkeypatch.undo()
    return f"/my/{token}"


def audit_rows(app, verb):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.actor, e.subject_type, e.subject_id) for e in
                session.scalars(select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id))]


def test_participant_exports_everything_held_on_them(app, person):
    client = app.test_client()
    link = manage_link(app, person)
    exported = client.get(link + "/data.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.headers["Cache-Control"] == "no-store"
    data = exported.get_json()
    assert data["participant"]["name"] == "Fatima el Amrani" and data["participant"]["email"] == "fatima@example.nl"
    assert [p["number"] for p in data["participant"]["phones"]] == [NUMBER]
    assert set(data) >= {"confirmations", "mail", "deliveries", "calls", "tips", "inquiry_replies", "messages", "history"}
    page = client.get(link + "/data")
    assert page.status_code == 200 and NUMBER in page.get_data(as_text=True)
    assert audit_rows(app, "export-personal-data") == [("self-service", "participant", str(person))] * 2
    # The export lists its own earlier reads: the history is part of what is held on them.
    assert [h["what"] for h in client.get(link + "/data.json").get_json()["history"]].count("export-personal-data") == 2


def test_staff_export_is_scoped_and_audited(app, person):
    with app.extensions["uitkijk"].db.session() as session:
        own, other = (session.scalar(select(Municipality.id).where(Municipality.code == c)) for c in ("0457", "0363"))
    staff, stranger = app.test_client(), app.test_client()
    sign_in(staff, make_user(app, "municipality", "staff@weesp.example", municipality_id=own))
    sign_in(stranger, make_user(app, "municipality", "staff@amsterdam.example", municipality_id=other))
    assert stranger.get(f"/participants/{person}/data.json").status_code == 404
    assert stranger.get(f"/participants/{person}/data").status_code == 404
    exported = staff.get(f"/participants/{person}/data.json")
    assert exported.status_code == 200 and exported.get_json()["participant"]["phones"][0]["number"] == NUMBER
    assert "Fatima el Amrani" in staff.get(f"/participants/{person}/data").get_data(as_text=True)
    assert audit_rows(app, "export-personal-data") == [("user:staff@weesp.example", "participant", str(person))] * 2


def test_viewing_a_participant_is_audited(app, person):
    with app.extensions["uitkijk"].db.session() as session:
        own = session.scalar(select(Municipality.id).where(Municipality.code == "0457"))
    staff = app.test_client()
    sign_in(staff, make_user(app, "municipality", "staff@weesp.example", municipality_id=own))
    assert staff.get(f"/participants/{person}").status_code == 200
    assert audit_rows(app, "view") == [("user:staff@weesp.example", "participant", str(person))]


def test_participant_revokes_a_leaked_link_and_gets_a_new_one(app, person, monkeypatch):
    leaked = manage_link(app, person, seconds_ago=60, monkeypatch=monkeypatch)
    owner, thief = app.test_client(), app.test_client()
    assert thief.get(leaked).status_code == 200
    revoked = owner.post(leaked + "/revoke", data={"csrf_token": csrf_token(owner, leaked)})
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("/signup/link")
    # Every use of the old link now fails: reading, the export, changing, leaving.
    assert thief.get(leaked).status_code == 410
    assert thief.get(leaked + "/data.json").status_code == 410
    token = csrf_token(thief, "/signup")
    assert thief.post(leaked, data={"csrf_token": token, "language": "en"}).status_code == 410
    assert thief.post(leaked + "/leave", data={"csrf_token": token, "confirm_leave": "on"}).status_code == 410
    assert audit_rows(app, "revoke-links") == [("self-service", "participant", str(person))]
    # A link sent afterwards works.
    assert owner.get(manage_link(app, person)).status_code == 200


def test_staff_revokes_links_and_the_participant_asks_for_a_new_one(app, person, monkeypatch):
    with app.extensions["uitkijk"].db.session() as session:
        own = session.scalar(select(Municipality.id).where(Municipality.code == "0457"))
    staff = app.test_client()
    token = sign_in(staff, make_user(app, "municipality", "staff@weesp.example", municipality_id=own))
    old = manage_link(app, person, seconds_ago=3600, monkeypatch=monkeypatch)
    assert post(staff, f"/participants/{person}/revoke-links", token).status_code == 302
    public = app.test_client()
    assert public.get(old).status_code == 410
    assert audit_rows(app, "revoke-links") == [("user:staff@weesp.example", "participant", str(person))]
    asked = public.post("/signup/link", data={"csrf_token": csrf_token(public, "/signup/link"), "number": NUMBER})
    assert asked.status_code == 200
    with app.extensions["uitkijk"].db.session() as session:
        body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_e164 == NUMBER)
                               .order_by(OutboxMessage.id.desc())).first()
    fresh = "/my/" + body.rsplit("/my/", 1)[1].split()[0]
    assert public.get(fresh).status_code == 200


def test_reading_a_participant_through_the_api_is_audited(app, person, auth):
    client = app.test_client()
    assert client.get(f"/api/participants/{person}", headers=auth).get_json()["phones"][0]["number"] == NUMBER
    [(actor, subject, subject_id)] = audit_rows(app, "view")
    assert actor.startswith("token:") and (subject, subject_id) == ("participant", str(person))
