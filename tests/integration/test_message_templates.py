"""Message templates: kept by admins on the web and through the API (audited), rendered before launch as SMS,
spoken alert and mail, and the launch page started from one (SQLite and PostgreSQL)."""
import re
import wave
from html import unescape
from io import BytesIO
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.demo import ensure_templates
from core.models import Action, AuditEvent, MessageTemplate
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app

BURGLARY = {"name": "Inbraak: persoon", "kind": "burglary", "title": "Inbraak {plaats}",
            "message": "Gezocht: {omschrijving}. Gevlucht {richting}."}


@pytest.fixture
def app(config):
    yield from web_app({**config, "ESTIMATE_MIN_PARTICIPANTS": 1})


@pytest.fixture
def room(app):
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100)
        return {"id": room.id, "operators": [o.id for o in operators]}


def test_the_api_keeps_templates_with_their_previews_and_audits_each_change(app, client, auth, room):
    created = client.post("/api/templates", headers=auth, json={**BURGLARY, "control_room_id": room["id"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["placeholders"] == ["omschrijving", "plaats", "richting"]
    previews = body["previews"]
    assert previews["title"] == "Inbraak Weesp"
    nl = next(p for p in previews["sms"] if p["language"] == "nl")
    assert nl["text"].startswith("Uitkijk: Gezocht: man, ongeveer 30 jaar, donkere jas. Gevlucht richting station.")
    assert nl["segments"] == 1 and nl["encoding"] == "GSM-7" and "0800 0011" in nl["text"]
    assert previews["spoken"].startswith("Dit is Uitkijk met een oproep van de politie. Gezocht: man")
    assert previews["mail"]["subject"].startswith("Uitkijk: oproep van de politie")
    assert any("Gezocht: man" in p for p in previews["mail"]["paragraphs"])

    template_id = body["id"]
    changed = client.put(f"/api/templates/{template_id}", headers=auth,
                         json={**BURGLARY, "message": "Gezocht: {voertuig}, kenteken {kenteken}."})
    assert changed.status_code == 200 and changed.json["placeholders"] == ["kenteken", "plaats", "voertuig"]
    assert changed.json["control_room_id"] is None
    listed = client.get("/api/templates?kind=burglary", headers=auth).json
    assert [t["id"] for t in listed] == [template_id]
    assert client.get("/api/templates?kind=robbery", headers=auth).json == []
    assert client.delete(f"/api/templates/{template_id}", headers=auth).status_code == 204
    assert client.get(f"/api/templates/{template_id}", headers=auth).status_code == 404
    with app.extensions["uitkijk"].db.session() as s:
        verbs = [e.verb for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "message_template")
                                           .order_by(AuditEvent.id))]
    assert verbs == ["create", "update", "delete"]


@pytest.mark.parametrize("change, field, words", [
    ({"message": "Gezocht: {persoon}."}, "message", "{persoon}"),
    ({"title": "Inbraak {plaats!r}"}, "title", "{plaats}"),
    ({"message": "Gezocht: {omschrijving."}, "message", "{"),
    ({"kind": "brand"}, "kind", "burglary"),
    ({"control_room_id": 999}, "control_room_id", "999"),
    ({"name": ""}, "name", ""),
])
def test_bad_template_input_is_refused_naming_the_field_and_nothing_is_stored(app, client, auth, room, change,
                                                                             field, words):
    refused = client.post("/api/templates", headers=auth, json={**BURGLARY, **change})
    assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    assert words in refused.json["reason"]
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(MessageTemplate.id)) is None


def test_a_room_bound_token_sees_its_own_and_national_templates_only(app, client, auth, room):
    from core.tokens import SCOPES, create_token
    with app.extensions["uitkijk"].db.session() as s:
        other, _ = factories.control_room(s, name="Meldkamer Elders")
        other_id = other.id
        bound = create_token(s, "bound", list(SCOPES), "test", control_room_id=room["id"])
    national = client.post("/api/templates", headers=auth, json=BURGLARY).json
    elsewhere = client.post("/api/templates", headers=auth, json={**BURGLARY, "control_room_id": other_id}).json
    headers = {"Authorization": f"Bearer {bound}"}
    assert [t["id"] for t in client.get("/api/templates", headers=headers).json] == [national["id"]]
    assert client.get(f"/api/templates/{elsewhere['id']}", headers=headers).status_code == 404
    assert client.delete(f"/api/templates/{national['id']}", headers=headers).status_code == 404
    refused = client.post("/api/templates", headers=headers, json={**BURGLARY, "control_room_id": other_id})
    assert refused.status_code == 404


def test_admins_write_templates_on_the_web_and_hear_the_spoken_alert(app, client, room):
    token = sign_in(client, make_user(app, "admin"))
    refused = post(client, "/config/templates/", token, {**BURGLARY, "message": "Gezocht: {wie}."})
    assert refused.status_code == 400
    page = unescape(refused.get_data(as_text=True))
    assert "onbekende plaatshouder {wie}" in page and 'aria-invalid="true"' in page
    saved = post(client, "/config/templates/", token, BURGLARY)
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"])
    text = unescape(shown.get_data(as_text=True))
    assert "Uitkijk: Gezocht: man, ongeveer 30 jaar, donkere jas." in text
    assert re.search(r"1 segment\(en\), GSM-7", text)
    audio = client.get(saved.headers["Location"].rstrip("/") + "/spoken.wav")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    with wave.open(BytesIO(audio.get_data())) as heard:
        assert heard.getnframes() / heard.getframerate() > 3  # the whole alert, spoken


def test_operators_may_not_change_templates(app, client, room):
    token = sign_in(client, make_user(app, "operator", operator_id=room["operators"][0]))
    assert client.get("/config/templates/").status_code == 403
    assert post(client, "/config/templates/", token, BURGLARY).status_code == 403


def test_the_launch_page_starts_from_a_template_and_refuses_a_placeholder_left_in(app, client, room):
    with app.extensions["uitkijk"].db.session() as s:
        assert ensure_templates(s) == 2 and ensure_templates(s) == 0  # the demo's, once
        template = s.scalar(select(MessageTemplate).where(MessageTemplate.name == "Inbraak: gezochte persoon"))
        template_id = template.id
    token = sign_in(client, make_user(app, "operator", operator_id=room["operators"][0]))
    page = unescape(client.get(f"/actions/new?template={template_id}").get_data(as_text=True))
    assert 'value="Inbraak {plaats}"' in page and "Gezocht: {omschrijving}." in page
    assert client.get("/actions/new?template=9999").status_code == 404
    lat, lon = factories.CENTRE
    form = {"kind": "burglary", "urgency": "urgent", "title": "Inbraak {plaats}",
            "message": "Gezocht: {omschrijving}. Na een inbraak gevlucht.", "lat": str(lat), "lon": str(lon),
            "radius_m": "1000", "operator_id": str(room["operators"][0]), "control_room_id": str(room["id"]),
            "client_request_id": "tpl-1"}
    refused = post(client, "/actions/", token, form)
    assert refused.status_code == 400
    assert "{plaats}" in unescape(refused.get_data(as_text=True))
    launched = post(client, "/actions/", token, {**form, "title": "Inbraak Weesp",
                                                 "message": "Gezocht: man met rode pet. Na een inbraak gevlucht."})
    assert launched.status_code == 302
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(Action.title)) == "Inbraak Weesp"


def test_the_api_plays_a_templates_spoken_alert_as_the_web_does(app, client, auth, room):
    template = client.post("/api/templates", headers=auth, json={**BURGLARY, "control_room_id": room["id"]}).json
    audio = client.get(f"/api/templates/{template['id']}/spoken.wav", headers=auth)
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    with wave.open(BytesIO(audio.get_data())) as heard:
        assert heard.getnframes() / heard.getframerate() > 3  # the whole alert, spoken
    from tests.integration.test_api_control_rooms import token
    with app.extensions["uitkijk"].db.session() as s:
        other, _ = factories.control_room(s, "Meldkamer Elders")
        other_id = other.id
    elsewhere = token(app, ["actions"], room_id=other_id)
    assert client.get(f"/api/templates/{template['id']}/spoken.wav", headers=elsewhere).status_code == 404


def test_the_api_launches_from_a_template_with_its_placeholders_filled_in(app, client, auth, room, work):
    template = client.post("/api/templates", headers=auth, json=BURGLARY).json
    body = {key: value for key, value in factories.launch_body(SimpleNamespace(id=room["id"]),
                                                                SimpleNamespace(id=room["operators"][0])).items()
            if key not in ("kind", "title", "message")}
    for placeholders, field in (({"plaats": "Weesp"}, "placeholders.omschrijving"),
                                ({"plaats": "Weesp", "omschrijving": "man", "richting": "noord", "wie": "x"},
                                 "placeholders.wie"),
                                ({"plaats": "{plaats}", "omschrijving": "man", "richting": "noord"},
                                 "placeholders.plaats"),
                                ("Weesp", "placeholders")):
        refused = client.post("/api/actions", headers=auth,
                              json={**body, "template_id": template["id"], "placeholders": placeholders})
        assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    assert client.post("/api/actions", headers=auth, json={**body, "template_id": 999}).json["field"] == "template_id"
    launched = client.post("/api/actions", headers=auth, json={
        **body, "template_id": template["id"],
        "placeholders": {"plaats": "Weesp", "omschrijving": "man met rode pet", "richting": "richting station"}})
    assert launched.status_code == 201, launched.json
    assert launched.json["title"] == "Inbraak Weesp" and launched.json["kind"] == "burglary"
    assert launched.json["message"] == "Gezocht: man met rode pet. Gevlucht richting station."
    work()
    sms = [m["body"] for m in client.get("/api/outbox", headers=auth).json]
    assert sms and sms[0].startswith("Uitkijk: Gezocht: man met rode pet. Gevlucht richting station.")
