"""Exercises: only test participants are alerted, every message says OEFENING, CAP says Exercise, the dashboard
leaves them out (SQLite and PostgreSQL)."""
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select

from core import dashboard
from core.models import Action, AuditEvent, Participant
from lab import factories
from tests.conftest import app_for
from tests.publish_support import ATOM, amber_body, cap_fields, consume_cap, launch_approved, path_of, signed_config


@pytest.fixture
def app(config, signing):
    # The system itself is live (CAP_STATUS Actual): an exercise must say so in its own documents.
    yield from app_for(signed_config(config, signing, ESTIMATE_MIN_PARTICIPANTS=1))


def setup_area(app):
    """Two real participants and two test ones (a mobile and a landline) inside 1 km, one test one outside."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        real = [factories.participant(s, "0612345678", 100).id, factories.participant(s, "0201234567", 300).id]
        test = [factories.participant(s, "0612345679", 200, test=True).id,
                factories.participant(s, "0201234568", 400, test=True).id]
        factories.participant(s, "0612345670", 5000, test=True)
        return room, operators[0], real, test


def test_an_exercise_reaches_only_test_participants_and_every_message_says_oefening(app, client, auth, work):
    room, operator, real, test = setup_area(app)
    body = factories.launch_body(room, operator, 1000, exercise=True)
    preview = client.post("/api/actions", json={**body, "dry_run": True}, headers=auth).json["impact"]
    assert preview["exercise"] is True and preview["participants"] == 2
    assert preview["channels"]["sms"]["reached"] == 1 and preview["channels"]["voice"]["reached"] == 1

    launched = client.post("/api/actions", json=body, headers=auth)
    assert launched.status_code == 201, launched.json
    action = launched.json
    assert action["exercise"] is True and action["planned"] == 2
    work()
    deliveries = client.get(f"/api/actions/{action['id']}/deliveries", headers=auth).json
    assert sorted(d["participant_id"] for d in deliveries) == sorted(test)
    outbox = client.get("/api/outbox", headers=auth).json
    sms = [m["body"] for m in outbox if m["transport"] == "console-sms"]
    voice = [m["body"] for m in outbox if m["transport"] == "console-voice"]
    assert len(sms) == 1 and sms[0].startswith("OEFENING - Uitkijk: Man, ongeveer 30 jaar")
    assert len(voice) == 1 and voice[0].startswith("OEFENING. Dit is een oefening. Dit is Uitkijk")

    ended = client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "suspect_caught"})
    assert ended.status_code == 200
    work()
    closings = [m for m in client.get("/api/outbox", headers=auth).json if m not in outbox]
    assert len(closings) == 2
    assert all(m["body"].startswith("OEFENING") for m in closings), closings
    with app.extensions["uitkijk"].db.session() as s:
        launch = s.scalar(select(AuditEvent).where(AuditEvent.verb == "launch"))
        assert launch.detail["exercise"] is True


def test_a_real_action_reaches_test_participants_too_and_says_no_oefening(app, client, auth, work):
    room, operator, real, test = setup_area(app)
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 1000), headers=auth).json
    assert action["exercise"] is False
    work()
    deliveries = client.get(f"/api/actions/{action['id']}/deliveries", headers=auth).json
    assert sorted(d["participant_id"] for d in deliveries) == sorted(real + test)
    assert not any("OEFENING" in m["body"] for m in client.get("/api/outbox", headers=auth).json)


def test_an_exercise_preview_counts_its_few_test_participants(config, signing):
    """Below ESTIMATE_MIN_PARTICIPANTS a real preview says only 'fewer than'; an exercise's counts the staff."""
    for application in app_for(signed_config(config, signing, ESTIMATE_MIN_PARTICIPANTS=5)):
        client = application.test_client()
        from core.tokens import SCOPES, create_token
        with application.extensions["uitkijk"].db.session() as s:
            headers = {"Authorization": f"Bearer {create_token(s, 'few', SCOPES, 'test')}"}
        room, operator, _, _ = setup_area(application)
        body = {**factories.launch_body(room, operator), "dry_run": True}
        assert client.post("/api/actions", json=body, headers=headers).json["impact"]["participants"] is None
        drill = client.post("/api/actions", json={**body, "exercise": True}, headers=headers).json["impact"]
        assert drill["participants"] == 2 and drill["exercise"] is True


def test_exercise_must_be_true_or_false(app, client, auth):
    room, operator, _, _ = setup_area(app)
    refused = client.post("/api/actions", json=factories.launch_body(room, operator, exercise="ja"), headers=auth)
    assert refused.status_code == 400 and refused.json["field"] == "exercise"
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(Action.id)) is None


def test_the_dashboard_leaves_exercises_out(app, client, auth, work):
    """Neither the actions nor the alerts per participant count an exercise."""
    room, operator, _, _ = setup_area(app)
    for exercise in (False, True, True):
        body = factories.launch_body(room, operator, exercise=exercise)
        assert client.post("/api/actions", json=body, headers=auth).status_code == 201
    work()
    with app.extensions["uitkijk"].db.session() as s:
        stats = dashboard.compute(s, dashboard.Neighbourhood(), dashboard.Period(date(2000, 1, 1), date(2100, 1, 1)),
                                  frequent=3)
    assert stats.actions == 1 and stats.by_kind == {"burglary": 1}
    # All five live in the area; the four inside the circle were reached once, by the real action alone.
    assert stats.alert_load == {"0": 1, "1": 4, "2": 0, "3": 0, "4": 0, "5+": 0}


def latest_cap_link(client):
    """The CAP document of the Atom feed's first entry, as a feed reader finds it."""
    entry = etree.fromstring(client.get("/publiek/cap.atom").get_data()).findall(f"{ATOM}entry")[0]
    return next(link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate")


def test_an_amber_exercise_is_cap_status_exercise_and_its_page_says_oefening(app, client, auth, room, signing):
    launched = launch_approved(client, json=amber_body(room, exercise=True), headers=auth)
    assert launched.status_code == 201, launched.get_json()
    action = launched.get_json()
    assert client.get("/publiek/alerts.json").get_json()["alerts"][0]["title"].startswith("OEFENING: AMBER Alert")
    alert = cap_fields(consume_cap(client.get(path_of(latest_cap_link(client))).get_data(), signing[2]))
    assert alert["status"] == "Exercise"
    assert alert["info"]["nl-NL"]["headline"].startswith("OEFENING: AMBER Alert")
    assert alert["info"]["en-GB"]["headline"].startswith("EXERCISE: AMBER Alert")
    page = client.get(path_of(action["publication"]["page_url"])).get_data(as_text=True)
    assert "OEFENING: AMBER Alert: Sanne (8) vermist" in page

    client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
    cancel = cap_fields(consume_cap(client.get(path_of(latest_cap_link(client))).get_data(), signing[2]))
    assert cancel["msgType"] == "Cancel" and cancel["status"] == "Exercise"
    assert cancel["info"]["nl-NL"]["headline"].startswith("OEFENING")


def test_staff_mark_test_participants_by_the_api_and_csv(app, client, auth):
    created = client.post("/api/participants", headers=auth, json={
        "phones": ["0612340001"], "home": {"lat": 52.3, "lon": 5.04}, "test": True})
    assert created.status_code in (200, 201), created.json
    assert created.json["test"] is True
    refused = client.post("/api/participants", headers=auth, json={
        "phones": ["0612340002"], "home": {"lat": 52.3, "lon": 5.04}, "test": "ja"})
    assert refused.status_code == 400 and refused.json["field"] == "test"

    from core.csv_import import import_csv
    with app.extensions["uitkijk"].db.session() as s:
        report = import_csv(s, "phone,home_lat,home_lon,test\n0612340003,52.3,5.04,ja\n0612340004,52.3,5.04,\n"
                               "0612340005,52.3,5.04,misschien\n")
        s.commit()
        assert report.created == 2 and [e["field"] for e in report.errors] == ["test"]
        flags = dict(s.execute(select(Participant.id, Participant.test)).all())
    assert sorted(flags.values()) == [False, True, True]


def test_exercises_wear_nobody_out(app, client, auth, work):
    """Three exercises reaching the test participants count for neither the preview's alert fatigue nor the
    week's alerts kept when they leave."""
    from core import fatigue
    room, operator, _, test = setup_area(app)
    for _ in range(3):
        assert client.post("/api/actions", json=factories.launch_body(room, operator, exercise=True),
                           headers=auth).status_code == 201
    work()
    body = {**factories.launch_body(room, operator), "dry_run": True}
    impact = client.post("/api/actions", json=body, headers=auth).json["impact"]
    assert impact["channels"]["sms"]["fatigued"] == 0 and impact["channels"]["voice"]["fatigued"] == 0
    with app.extensions["uitkijk"].db.session() as s:
        assert fatigue.alerts_in_last_week(s, test[0]) == 0
