"""The senders neighbourhood mail leaves from, through the API as an admin keeps them on the web: added,
listed, changed; a header injection, a bad address or an unknown municipality refused naming the field and
nothing written; room-bound tokens kept from changing them (SQLite and PostgreSQL). Every API response here
is also checked against the OpenAPI document by the suite's test client."""
from sqlalchemy import func, select

from core.models import MailSender
from tests.integration.admin_web import municipality
from tests.integration.test_api_control_rooms import audit_rows, rooms, token  # noqa: F401  (rooms is a fixture)


def senders(app):
    with app.extensions["uitkijk"].db.session() as s:
        return s.scalar(select(func.count()).select_from(MailSender))


def test_senders_are_added_listed_and_changed(app, client):
    with app.extensions["uitkijk"].db.session() as s:
        municipality(s, "GM0457", "Weesp")
    admin = token(app, ["configuration"])
    police = client.post("/api/mail-senders", json={"display_name": "Politie Midden-Nederland",
                                                    "address": "buurtmail@politie.example.nl"}, headers=admin)
    assert police.status_code == 201 and police.json["municipality"] is None
    town = client.post("/api/mail-senders", json={"display_name": "Gemeente Weesp", "address": "info@weesp.example.nl",
                                                  "municipality": "GM0457"}, headers=admin)
    assert town.status_code == 201 and town.json["municipality"] == "GM0457"
    assert [s["display_name"] for s in client.get("/api/mail-senders", headers=admin).json] == [
        "Politie Midden-Nederland", "Gemeente Weesp"]
    changed = client.put(f"/api/mail-senders/{town.json['id']}", json={
        "display_name": "Weesp", "address": "buurt@weesp.example.nl", "municipality": "GM0457"}, headers=admin)
    assert changed.status_code == 200 and changed.json["address"] == "buurt@weesp.example.nl"
    assert [verb for _, verb, *_ in audit_rows(app, subject_type="mail_sender")] == [
        "mail-sender-added", "mail-sender-added", "mail-sender-changed"]


def test_bad_senders_are_refused_naming_the_field(app, client, rooms):
    admin = token(app, ["configuration"])
    good = {"display_name": "Politie", "address": "buurtmail@politie.example.nl"}
    for body, field in [({**good, "display_name": "Politie\r\nBcc: iedereen@example.nl"}, "display_name"),
                        ({**good, "display_name": ""}, "display_name"),
                        ({**good, "address": "geen adres"}, "address"),
                        ({**good, "municipality": "GM9999"}, "municipality"),
                        ({**good, "municipality": 457}, "municipality"),
                        ({**good, "reply_to": "x@example.nl"}, "reply_to")]:
        response = client.post("/api/mail-senders", json=body, headers=admin)
        assert response.status_code == 400 and response.json["field"] == field, body
    assert senders(app) == 0
    assert client.put("/api/mail-senders/999999", json=good, headers=admin).status_code == 404
    (north, _), _ = rooms
    assert client.post("/api/mail-senders", json=good, headers=token(app, ["configuration"], room_id=north)
                       ).status_code == 403
    assert client.get("/api/mail-senders", headers=token(app, ["actions"])).status_code == 403
    assert senders(app) == 0 and audit_rows(app, subject_type="mail_sender") == []
