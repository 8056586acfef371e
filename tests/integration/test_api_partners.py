"""Partners through the API as the admin keeps them on the web: registered (the secret shown once), a real
receiver gets the AMBER Alert signed, the delivery log read, paused so the next alert is not written for
it; bad input refused naming the field; room-bound tokens kept out (SQLite and PostgreSQL).

Every API response here is also checked against the OpenAPI document by the suite's test client."""
import pytest

from tests.conftest import app_for
from tests.integration.test_api_control_rooms import audit_rows, token
from tests.integration.test_partner_webhooks import log_rows
from tests.publish_support import WebhookReceiver, amber_body, launch_approved, signed_config, work_until


@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing))


def test_a_partner_registered_through_the_api_hears_alerts_until_paused(app, client, auth, room):
    admin = token(app, ["configuration"])
    with WebhookReceiver() as receiver:
        created = client.post("/api/partners", json={"name": "NS stationsschermen", "url": receiver.url},
                              headers=admin)
        assert created.status_code == 201 and created.json["secret"] == "stored encrypted"
        receiver.secret, partner_id = created.json["new_secret"], created.json["id"]
        launch_approved(client, json=amber_body(room), headers=auth)
        work_until(lambda: len(receiver.accepted) == 1)
    assert receiver.accepted[0]["type"] == "Alert" and receiver.attempts[0][1]["X-Uitkijk-Event"] == "Alert"

    listed, = client.get("/api/partners", headers=admin).json
    assert listed["deliveries"] == {"queued": 0, "delivered": 1, "failed": 0, "withdrawn": 0}
    assert receiver.secret not in str(client.get("/api/partners", headers=admin).json)
    log, = client.get(f"/api/partners/{partner_id}/deliveries", headers=admin).json
    assert (log["msg_type"], log["state"], log["attempts"], log["last_status"]) == ("Alert", "delivered", 1, 200)

    paused = client.put(f"/api/partners/{partner_id}/active", json={"active": False}, headers=admin)
    assert paused.status_code == 200 and paused.json["active"] is False
    launch_approved(client, json=amber_body(room), headers=auth)
    assert len(log_rows(app, partner_id)) == 1  # paused: the second alert wrote nothing for it
    assert [verb for _, verb, _, subject, _ in audit_rows(app, subject_type="partner")] == ["create", "deactivate"]


def test_bad_partner_input_is_refused_naming_the_field_and_writes_nothing(app, client, room):
    admin = token(app, ["configuration"])
    assert client.post("/api/partners", json={"name": "Schermen", "url": "https://schermen.example.nl/hook"},
                       headers=admin).status_code == 201
    for body, status, field in [({"name": "", "url": "https://x.example.nl"}, 400, "name"),
                                ({"name": "X", "url": "ftp://x.example.nl"}, 400, "url"),
                                ({"name": "X", "url": "https://x.example.nl", "secret": "mine"}, 400, "secret"),
                                (["X"], 400, "body"),
                                ({"name": "Schermen", "url": "https://y.example.nl"}, 409, None)]:
        response = client.post("/api/partners", json=body, headers=admin)
        assert response.status_code == status and response.json.get("field") == field, body
    partner_id = client.get("/api/partners", headers=admin).json[0]["id"]
    bad = client.put(f"/api/partners/{partner_id}/active", json={"active": "nee"}, headers=admin)
    assert bad.status_code == 400 and bad.json["field"] == "active"
    assert client.get(f"/api/partners/{partner_id}/deliveries?limit=0", headers=admin).json["field"] == "limit"
    assert client.put("/api/partners/999999/active", json={"active": False}, headers=admin).status_code == 404
    assert client.get("/api/partners/999999/deliveries", headers=admin).status_code == 404
    assert len(client.get("/api/partners", headers=admin).json) == 1
    assert [verb for _, verb, *_ in audit_rows(app, subject_type="partner")] == ["create"]


def test_partners_are_national_and_need_the_configuration_scope(app, client, room):
    room_row, _ = room
    bound, other = token(app, ["configuration"], room_id=room_row.id), token(app, ["actions", "webhooks"])
    for method, url, body in [("get", "/api/partners", None),
                              ("post", "/api/partners", {"name": "X", "url": "https://x.example.nl"}),
                              ("put", "/api/partners/1/active", {"active": False}),
                              ("get", "/api/partners/1/deliveries", None)]:
        for headers in (bound, other):
            assert getattr(client, method)(url, json=body, headers=headers).status_code == 403, (url, headers)
    assert audit_rows(app, subject_type="partner") == []
