"""The API refuses bad input with a 4xx naming the field, and writes nothing."""
import pytest
from sqlalchemy import func, select

from core.models import Action, AuditEvent, Delivery, Participant, PhoneNumber
from lab import factories


def counts(app):
    """Rows of what a request could write; the token's own use is audited and not counted."""
    with app.extensions["uitkijk"].db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Participant, PhoneNumber, Action, Delivery)
                     ) + (s.scalar(select(func.count()).where(AuditEvent.subject_type != "api_token")),)


def test_missing_or_wrong_token_is_refused(client, auth):
    """Without a valid bearer token the API answers 401 and does nothing."""
    assert client.get("/api/actions").status_code == 401
    assert client.get("/api/actions", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/actions", headers={"Authorization": auth["Authorization"].replace("Bearer", "Basic")}
                      ).status_code == 401
    assert client.get("/api/actions", headers=auth).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"phones": ["0612"], "home": {"lat": 52.3, "lon": 5.0}}, "phones[0]"),
    ({"phones": ["0800 0011"], "home": {"lat": 52.3, "lon": 5.0}}, "phones[0]"),
    ({"phones": [], "home": {"lat": 52.3, "lon": 5.0}}, "phones"),
    ({"phones": ["0612345678"], "home": {"lat": 152.3, "lon": 5.0}}, "home.lat"),
    ({"phones": ["0612345678"], "home": {"lat": 52.3, "lon": -500}}, "home.lon"),
    ({"phones": ["0612345678"]}, "home"),
    ({"phones": [{"number": "0201234567", "channel": "sms"}], "home": {"lat": 52.3, "lon": 5.0}}, "phones[0].channel"),
    ({"phones": ["0612345678"], "home": {"lat": 52.3, "lon": 5.0}, "language": "fr"}, "language"),
    ({"phones": ["0612345678"], "home": {"lat": 52.3, "lon": 5.0}, "municipality": "GM9999"}, "municipality"),
    ({"phones": ["0612345678"], "home": {"lat": 52.3, "lon": 5.0}, "quiet_hours": {"start": "25:00", "end": "07:00"}},
     "quiet_hours.start"),
])
def test_bad_participant_is_refused(app, client, auth, body, field):
    """An invalid number, location, channel, language or municipality gives 400 naming the field."""
    before = counts(app)
    response = client.post("/api/participants", json=body, headers=auth)
    assert response.status_code == 400
    assert response.json["field"] == field and response.json["reason"]
    assert counts(app) == before


def test_participant_create_get_delete(app, client, auth):
    """A participant is stored in E.164 with the channel by kind, shown, and removed with their data."""
    body = {"name": "Anna", "phones": ["06 12345678", "020 1234567"], "language": "en",
            "home": {"lat": 52.3, "lon": 5.04, "address": "Nieuwstraat 1, Weesp"}}
    created = client.post("/api/participants", json=body, headers=auth)
    assert created.status_code == 201
    pid = created.json["id"]
    shown = client.get(f"/api/participants/{pid}", headers=auth).json
    assert [(p["number"], p["channel"]) for p in shown["phones"]] == [("+31612345678", "sms"), ("+31201234567", "voice")]
    assert client.post("/api/participants", json=body, headers=auth).status_code == 200
    assert client.delete(f"/api/participants/{pid}", headers=auth).status_code == 204
    assert client.get(f"/api/participants/{pid}", headers=auth).status_code == 404  # erased, not a tombstone
    assert client.delete(f"/api/participants/{pid}", headers=auth).status_code == 404
    assert client.get("/api/participants/999999", headers=auth).status_code == 404


def test_number_of_another_participant_is_refused(app, client, auth):
    """A number already registered to someone else cannot be claimed by a second participant."""
    client.post("/api/participants", json={"external_ref": "a", "phones": ["0612345678"],
                                           "home": {"lat": 52.3, "lon": 5.0}}, headers=auth)
    response = client.post("/api/participants", json={"external_ref": "b", "phones": ["0612345678"],
                                                      "home": {"lat": 52.3, "lon": 5.0}}, headers=auth)
    assert response.status_code == 400
    assert "another participant" in response.json["reason"]
    assert "+31612345678" not in response.json["reason"]


@pytest.mark.parametrize("change, field", [
    ({"area": {"lat": 52.3, "lon": 5.0, "radius_m": 0}}, "area.radius_m"),
    ({"area": {"lat": 52.3, "lon": 5.0, "radius_m": 60_000}}, "area.radius_m"),
    ({"message": ""}, "message"),
    ({"message": "x" * 1000}, "message"),
    ({"operator_id": 999}, "operator_id"),
    ({"control_room_id": 999}, "control_room_id"),
])
def test_bad_launch_is_refused(app, client, auth, change, field):
    """A bad radius, message, operator or control room gives 400 naming the field, and no action."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100)
    before = counts(app)
    body = factories.launch_body(room, operators[0])
    body.update(change)
    response = client.post("/api/actions", json=body, headers=auth)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert counts(app) == before


def test_non_json_body_is_refused(client, auth):
    """A body that is not JSON gives 400, not a crash."""
    response = client.post("/api/actions", data=b"\xff\x00junk", headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_end_with_unknown_result_is_refused(app, client, auth):
    """Ending with a result outside the list is refused and the action stays active."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth).json
    response = client.post(f"/api/actions/{action['id']}/end", json={"result": "party"}, headers=auth)
    assert response.status_code == 400 and response.json["field"] == "result"
    assert client.get(f"/api/actions/{action['id']}", headers=auth).json["status"] == "active"


def test_openapi_document_is_served(client):
    """The OpenAPI description lists every API path and needs no token."""
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/participants", "/api/participants/import", "/api/actions", "/api/actions/{id}/end",
                 "/api/actions/{id}/deliveries", "/api/outbox"):
        assert path in spec["paths"]
