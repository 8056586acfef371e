"""The reach report at the end of an exercise: the web page, its CSV and the API's, audited (SQLite and
PostgreSQL)."""
import csv
import io
import re

import pytest
from sqlalchemy import select, update

from core.models import AuditEvent, Delivery
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def exercise(app, client, auth, work):
    """An exercise reaching two test participants (an SMS and a call), ended; one real participant besides."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345679", 200, test=True)
        factories.participant(s, "0201234568", 400, test=True)
        factories.participant(s, "0612345678", 100)
        room_id, operator_id = room.id, operators[0].id
    body = factories.launch_body(room, operators[0], 1000, exercise=True)
    action = client.post("/api/actions", json=body, headers=auth).json
    work()
    client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "not_found"})
    work()
    return {"id": action["id"], "code": action["code"], "room_id": room_id, "operator_id": operator_id}


def test_the_api_reports_who_was_tried_and_reached_per_channel(app, client, auth, exercise):
    report = client.get(f"/api/actions/{exercise['id']}/report", headers=auth)
    assert report.status_code == 200, report.json
    body = report.json
    assert body["exercise"] is True and body["status"] == "ended"
    assert body["channels"]["sms"]["alert"]["total"] == 1 and body["channels"]["sms"]["alert"]["reached"] == 1
    assert body["channels"]["voice"]["alert"]["reached"] == 1
    assert body["channels"]["sms"]["closing"]["total"] == 1
    assert body["timeline"]["channels"]["sms"]["reached"] == 1

    exported = client.get(f"/api/actions/{exercise['id']}/report.csv", headers=auth)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    # An API client gets English unless its Accept-Language asks for Dutch (the web's copy: see below).
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["Message"], r["Channel"], r["State"]) for r in rows] == [
        ("Alert", "SMS", "sent"), ("Alert", "Voice call", "answered"),
        ("Closing message", "SMS", "sent"), ("Closing message", "Voice call", "answered")]
    assert all(r["Reached"] for r in rows if r["Message"] == "Alert")
    text = exported.get_data(as_text=True)
    assert "0612345679" not in text and "+31612345679" not in text and "+31******679" in text
    with app.extensions["uitkijk"].db.session() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.verb == "read_report")).all()
        assert [(e.subject_id, (e.detail or {}).get("format")) for e in reads] == [
            (str(exercise["id"]), None), (str(exercise["id"]), "csv")]


def test_the_report_page_shows_the_figures_and_the_rows_to_the_operator(app, client, auth, exercise):
    csrf = sign_in(client, make_user(app, "operator", operator_id=exercise["operator_id"]))
    assert "OEFENING" in client.get("/actions/").get_data(as_text=True)  # the list marks it too
    follow = client.get(f"/actions/{exercise['id']}").get_data(as_text=True)
    assert 'id="exercise-badge"' in follow and f'/actions/{exercise["id"]}/report' in follow
    page = client.get(f"/actions/{exercise['id']}/report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bereiksrapport" in text and "OEFENING" in text
    assert text.count("+31******") == 4 and "0612345679" not in text
    # Each delivery's state in words, not its identifier (sent, answered): the console reaches both.
    states = re.findall(r'<td class="num">\d+</td><td>([^<]*)</td><td class="num">', text)
    assert states == ["verstuurd", "opgenomen", "verstuurd", "opgenomen"]  # SMS and call, alert and closing
    assert post(client, "/language", csrf, {"language": "en"}).status_code == 302
    english = client.get(f"/actions/{exercise['id']}/report").get_data(as_text=True)
    assert re.findall(r'<td class="num">\d+</td><td>([^<]*)</td><td class="num">', english) == [
        "sent", "answered", "sent", "answered"]
    exported = client.get(f"/actions/{exercise['id']}/report.csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    # The CSV is the API's byte for byte in the same language: English once chosen, ...
    api_csv = f"/api/actions/{exercise['id']}/report.csv"
    assert exported.get_data(as_text=True) == client.get(api_csv, headers=auth).get_data(as_text=True)
    assert post(client, "/language", csrf, {"language": "nl"}).status_code == 302
    # ... Dutch by default: the column names and the channel, message and state in words, the times ISO.
    dutch = client.get(f"/actions/{exercise['id']}/report.csv").get_data(as_text=True)
    assert dutch == client.get(api_csv, headers={**auth, "Accept-Language": "nl"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(dutch)))
    assert rows[0] == ["Volgorde", "Deelnemer-id", "Kanaal", "Bericht", "Ontvanger", "Afstand (m)", "Toestand",
                       "Pogingen", "Laatst geprobeerd", "Bereikt", "Fout", "Opgeschaald vanaf bericht",
                       "Reden van opschalen", "Antwoordapparaatdetectie", "Oorzaak antwoordapparaatdetectie"]
    assert [row[2:4] + row[6:7] for row in rows[1:]] == [
        ["Sms", "Oproep", "verstuurd"], ["Gesproken oproep", "Oproep", "opgenomen"],
        ["Sms", "Afsluitbericht", "verstuurd"], ["Gesproken oproep", "Afsluitbericht", "opgenomen"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.+]+", row[9]) for row in rows[1:3])  # reached, ISO


def test_the_csv_says_what_machine_detection_heard_in_words_and_its_cause_as_given(app, client, auth, exercise):
    with app.extensions["uitkijk"].db.session() as s:
        s.execute(update(Delivery).where(Delivery.action_id == exercise["id"], Delivery.channel == "voice",
                                         Delivery.purpose == "alert")
                  .values(amd_status="machine", amd_cause="LONGGREETING-1500-1500"))
    api_csv = f"/api/actions/{exercise['id']}/report.csv"
    for language, words in (("nl", "een antwoordapparaat"), ("en", "a machine")):
        rows = list(csv.reader(io.StringIO(client.get(api_csv, headers={**auth, "Accept-Language": language})
                                           .get_data(as_text=True))))
        assert [row[-2:] for row in rows[1:]] == [["", ""], [words, "LONGGREETING-1500-1500"], ["", ""], ["", ""]]


def test_another_rooms_operator_gets_no_report(app, client, auth, exercise):
    with app.extensions["uitkijk"].db.session() as s:
        _, others = factories.control_room(s, name="Meldkamer Elders")
        other_operator = others[0].id
    sign_in(client, make_user(app, "operator", email="elders@example.org", operator_id=other_operator))
    assert client.get(f"/actions/{exercise['id']}/report").status_code == 404
    assert client.get(f"/actions/{exercise['id']}/report.csv").status_code == 404
