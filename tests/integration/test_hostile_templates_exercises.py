"""The hostile table (tests/integration/test_hostile_input.py) run against message templates (API and the admin
form) and the exercise and test fields: a 4xx naming the field, nothing written when refused, never a 500."""
import json

from lab import factories
from tests.integration.admin_web import csrf_token
from tests.integration.test_hostile_input import (  # noqa: F401  (hostile_app, world: fixtures)
    HOSTILE_JSON, SimpleRoom, check, check_named, few_variants, hostile_app, login_as, variants, world)

TEMPLATE = {"name": "Inbraak: persoon", "kind": "burglary", "control_room_id": None, "title": "Inbraak {plaats}",
            "message": "Gezocht: {omschrijving}."}


def test_the_template_api_survives_the_hostile_table(hostile_app, world):
    client, auth = hostile_app.test_client(), world["auth"]
    headers = {**auth, "Content-Type": "application/json"}
    template_id = client.post("/api/templates", json=TEMPLATE, headers=auth).json["id"]
    for path, send in (("/api/templates", client.post), (f"/api/templates/{template_id}", client.put)):
        for field, body in variants({**TEMPLATE, "control_room_id": world["room"]}):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: send(path, data=raw, headers=headers), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)
    for ident in ("9" * 400, str(2 ** 63)):
        assert check(hostile_app, lambda: client.get(f"/api/templates/{ident}", headers=auth), ident).status_code == 404
    for value in ("\x00", "x" * 5000, "brand"):
        assert check(hostile_app, lambda: client.get("/api/templates", query_string={"kind": value}, headers=auth),
                     value).status_code == 400


def test_the_template_form_survives_the_hostile_table(hostile_app, world):
    client = hostile_app.test_client()
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/config/templates/")
    base = {"name": "Inbraak: persoon", "kind": "burglary", "control_room_id": str(world["room"]),
            "title": "Inbraak {plaats}", "message": "Gezocht: {omschrijving}."}
    for field, form in few_variants(base):
        check_named(hostile_app, lambda: client.post("/config/templates/", data={**form, "csrf_token": token}),
                    field, base, f"template {field}={form[field][:20]!r}")
    for value in ("9" * 400, "x"):
        assert check(hostile_app, lambda: client.get(f"/actions/new?template={value}"), value).status_code == 404
    assert check(hostile_app, lambda: client.get("/actions/new?template=%00"), "NUL").status_code == 400


def test_the_exercise_and_test_fields_survive_the_hostile_table(hostile_app, world):
    client, auth = hostile_app.test_client(), world["auth"]
    headers = {**auth, "Content-Type": "application/json"}
    launch = factories.launch_body(SimpleRoom(world["room"]), SimpleRoom(world["operator"]), exercise=True)
    participant = {"phones": ["0612345671"], "home": {"lat": 52.3, "lon": 5.04}, "test": True}
    for path, base, field in (("/api/actions", launch, "exercise"), ("/api/participants", participant, "test")):
        for bad in HOSTILE_JSON:
            if bad is None or isinstance(bad, bool):
                continue  # absent (None) and either truth are valid
            raw = json.dumps({**base, field: bad})
            response = check(hostile_app, lambda: client.post(path, data=raw, headers=headers), f"{path} {raw[-60:]!r}")
            assert response.status_code == 400 and response.json["field"].startswith(field), (path, raw[-60:])
