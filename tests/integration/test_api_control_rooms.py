"""The control-room API: rooms, operators, trunks, calls and tips, paged deliveries; every path attacked
without a token, with the wrong scope and from another control room (SQLite and PostgreSQL).

Every response here is also checked against the OpenAPI document by the suite's test client.
"""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api import PUBLIC_ENDPOINTS, SCOPE_OF
from api.openapi import SPEC
from core import configuration
from core.models import AuditEvent, Delivery, InboundCall, Tip, Trunk, utcnow
from core.tokens import SCOPES, create_token
from lab import factories

TWILIO_SID = "AC" + "0" * 32


def token(app, scopes, room_id=None, days=30, now=None):
    with app.extensions["uitkijk"].db.session() as s:
        value = create_token(s, f"t-{uuid.uuid4().hex[:8]}", scopes, "test", days, room_id, now=now)
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def rooms(app):
    """Two control rooms with two operators each: (room id, [operator ids]) for north and south."""
    with app.extensions["uitkijk"].db.session() as s:
        north, north_ops = factories.control_room(s, "Meldkamer Noord")
        south, south_ops = factories.control_room(s, "Meldkamer Zuid")
        return (north.id, [o.id for o in north_ops]), (south.id, [o.id for o in south_ops])


def audit_rows(app, **where):
    with app.extensions["uitkijk"].db.session() as s:
        query = select(AuditEvent)
        for field, value in where.items():
            query = query.where(getattr(AuditEvent, field) == value)
        return [(e.actor, e.verb, e.subject_type, e.subject_id, e.detail) for e in s.scalars(query)]


def document_path(rule):
    """A Flask rule as the document writes its path: the first id is {id}, other parameters keep their names."""
    first = re.match(r"[^<]*<int:", rule) is not None
    path = re.sub(r"<int:\w+>", "{id}", rule, count=1) if first else rule
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def test_every_api_endpoint_needs_a_scope_and_the_document_names_the_same(app):
    """A route without @requires would be refused (403) for everyone; the document's x-scope is the view's."""
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(endpoints) - PUBLIC_ENDPOINTS <= set(SCOPE_OF)
    documented = {}
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and operation.get("security") != []:
                documented[(method.upper(), path)] = operation["x-scope"]
    for endpoint, rule in endpoints.items():
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        path = document_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert documented.get((method, path)) == SCOPE_OF[endpoint], (method, path)
    assert set(SCOPE_OF.values()) <= set(SCOPES)


@pytest.mark.parametrize("method, path, scope", [
    ("get", "/api/actions", "actions"), ("get", "/api/participants/1", "participants:read"),
    ("delete", "/api/participants/1", "participants:write"), ("get", "/api/outbox", "outbox"),
    ("get", "/api/control-rooms", "control-rooms"), ("post", "/api/control-rooms", "configuration"),
    ("get", "/api/trunks", "configuration"), ("post", "/api/trunks", "configuration"),
    ("patch", "/api/operators/1", "configuration"), ("put", "/api/operators/1/availability", "control-rooms"),
    ("get", "/api/actions/1/tips", "tips"), ("get", "/api/actions/1/tips/1/recording", "tips"),
    ("post", "/api/webhooks", "webhooks"), ("delete", "/api/webhooks/1", "webhooks"),
    ("get", "/api/webhooks/1/deliveries", "webhooks"),
])
def test_a_token_without_the_scope_is_refused_and_changes_nothing(app, client, rooms, method, path, scope):
    """Wrong role: a token with every scope but the one needed gets 403; no token gets 401."""
    others = token(app, [s for s in SCOPES if s != scope])
    before = audit_rows(app, subject_type="control_room")
    response = getattr(client, method)(path, json={"name": "X", "available": False}, headers=others)
    assert response.status_code == 403 and scope in response.json["reason"]
    assert getattr(client, method)(path, json={}).status_code == 401
    assert audit_rows(app, subject_type="control_room") == before


def test_expired_and_revoked_tokens_are_refused(app, client):
    expired = token(app, ["actions"], days=1, now=utcnow() - timedelta(days=2))
    assert client.get("/api/actions", headers=expired).status_code == 401
    assert client.get("/api/actions", headers=token(app, ["actions"], days=1)).status_code == 200


def test_rate_limit_per_token_answers_429_with_retry_after(config):
    """Past API_RATE_PER_MINUTE a token gets 429 with Retry-After; another token is not held up."""
    from tests.conftest import app_for
    app_gen = app_for({**config, "API_RATE_PER_MINUTE": 3})
    app = next(app_gen)
    client = app.test_client()
    hammer, other = token(app, ["actions"]), token(app, ["actions"])
    statuses = [client.get("/api/actions", headers=hammer).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    refused = client.get("/api/actions", headers=hammer)
    assert refused.json["error"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/actions", headers=other).status_code == 200
    # The use is audited once for the minute, not once per request.
    name = next(e for e in audit_rows(app, verb="use") if e[4]["request"] == "GET /api/actions")[0]
    assert len([e for e in audit_rows(app, verb="use") if e[0] == name]) == 1
    next(app_gen, None)


def test_control_rooms_create_change_and_room_bound_tokens(app, client, rooms):
    (north, north_ops), (south, _) = rooms
    admin = token(app, ["configuration", "control-rooms"])
    created = client.post("/api/control-rooms", headers=admin,
                          json={"name": "Meldkamer Oost", "free_number": "0800 0022", "voice_backend": "asterisk"})
    assert created.status_code == 201 and created.json["free_number"] == "0800 0022"
    room_id = created.json["id"]
    changed = client.patch(f"/api/control-rooms/{room_id}", headers=admin, json={"free_number": "0800 0033"})
    assert changed.status_code == 200 and changed.json["name"] == "Meldkamer Oost"
    assert changed.json["free_number"] == "0800 0033"
    bad = client.patch(f"/api/control-rooms/{room_id}", headers=admin, json={"voice_backend": "pigeon"})
    assert bad.status_code == 400 and bad.json["field"] == "voice_backend"
    duplicate = client.post("/api/control-rooms", headers=admin,
                            json={"name": "Meldkamer Oost", "free_number": "0800 0022", "voice_backend": "asterisk"})
    assert duplicate.status_code == 409
    assert ("token:" in audit_rows(app, subject_type="control_room", subject_id=str(room_id))[0][0])

    bound = token(app, ["configuration", "control-rooms"], room_id=north)
    assert [r["id"] for r in client.get("/api/control-rooms", headers=bound).json] == [north]
    assert client.post("/api/control-rooms", headers=bound, json={"name": "Eigen", "free_number": "0800 0044",
                                                                  "voice_backend": "asterisk"}).status_code == 403
    assert client.patch(f"/api/control-rooms/{south}", headers=bound, json={"name": "Overgenomen"}).status_code == 404
    assert client.patch(f"/api/control-rooms/{north}", headers=bound, json={"name": "Noord"}).status_code == 200


def test_operators_and_availability_stay_in_the_token_room(app, client, rooms):
    (north, north_ops), (south, south_ops) = rooms
    bound = token(app, ["configuration", "control-rooms"], room_id=north)
    listed = client.get("/api/operators", headers=bound).json
    assert sorted(o["id"] for o in listed) == sorted(north_ops)
    off = client.put(f"/api/operators/{north_ops[0]}/availability", headers=bound, json={"available": False})
    assert off.status_code == 200 and off.json["available"] is False
    assert client.put(f"/api/operators/{north_ops[0]}/availability", headers=bound,
                      json={"available": "no"}).json["field"] == "available"
    assert client.put(f"/api/operators/{south_ops[0]}/availability", headers=bound,
                      json={"available": False}).status_code == 404
    created = client.post("/api/operators", headers=bound, json={"name": "Nieuw", "dial_string": "PJSIP/nieuw"})
    assert created.status_code == 201 and created.json["control_room_id"] == north
    moved = client.patch(f"/api/operators/{created.json['id']}", headers=bound, json={"control_room_id": south})
    assert moved.status_code == 400 and moved.json["field"] == "control_room_id"
    assert client.post("/api/operators", headers=bound, json={"name": "Spion", "dial_string": "PJSIP/spion",
                                                              "control_room_id": south}).status_code == 400
    renamed = client.patch(f"/api/operators/{created.json['id']}", headers=bound, json={"name": "Anna"})
    assert renamed.json["name"] == "Anna" and renamed.json["dial_string"] == "PJSIP/nieuw"
    assert renamed.json["available"] is True
    assert ("availability" in [e[1] for e in audit_rows(app, subject_type="operator",
                                                          subject_id=str(north_ops[0]))])


def test_trunk_secrets_are_write_only_and_sealed(app, client, rooms):
    """A trunk's auth token goes in, is stored sealed, and never comes back out of the API."""
    (north, _), (south, _) = rooms
    admin = token(app, ["configuration"])
    secret = "twilio-auth-token-very-secret"
    created = client.post("/api/trunks", headers=admin, json={
        "name": "twilio-noord", "backend": "twilio", "control_room_id": north, "caller_id": "+31201234567",
        "channel_limit": 20, "calls_per_second": 5, "enabled": True, "account_sid": TWILIO_SID,
        "auth_token": secret})
    assert created.status_code == 201, created.json
    trunk_id = created.json["id"]
    assert created.json["settings"]["auth_token"] == "stored encrypted"
    for response in (created, client.get("/api/trunks", headers=admin), client.get(f"/api/trunks/{trunk_id}",
                                                                                   headers=admin)):
        assert secret not in response.get_data(as_text=True)
    changed = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"channel_limit": 40})
    assert changed.status_code == 200 and changed.json["channel_limit"] == 40
    with app.extensions["uitkijk"].db.session() as s:
        trunk = s.get(Trunk, trunk_id)
        assert secret not in str(trunk.settings)
        assert configuration.trunk_secret(trunk, "auth_token", app.config) == secret  # kept by the change
    assert secret not in str(audit_rows(app, subject_type="trunk"))
    missing = client.post("/api/trunks", headers=admin, json={
        "name": "zonder", "backend": "twilio", "caller_id": "+31201234567", "channel_limit": 1,
        "calls_per_second": 1, "account_sid": TWILIO_SID})
    assert missing.status_code == 400 and missing.json["field"] == "auth_token"
    nested = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"settings": {"a": 1}})
    assert nested.status_code == 400 and nested.json["field"] == "settings"

    south_token = token(app, ["configuration"], room_id=south)
    assert client.get(f"/api/trunks/{trunk_id}", headers=south_token).status_code == 404
    assert client.patch(f"/api/trunks/{trunk_id}", headers=south_token, json={"enabled": False}).status_code == 404
    assert client.get("/api/trunks", headers=south_token).json == []

    assert client.delete(f"/api/trunks/{trunk_id}", headers=south_token).status_code == 404
    assert client.delete(f"/api/trunks/{trunk_id}", headers=admin).status_code == 204
    assert client.get(f"/api/trunks/{trunk_id}", headers=admin).status_code == 404
    assert client.delete(f"/api/trunks/{trunk_id}", headers=admin).status_code == 404
    assert [verb for _, verb, *_ in audit_rows(app, subject_type="trunk")][-1] == "delete"


def _action_with_tip(app, client, room_id, operator_id, tmp_path):
    body = factories.launch_body(type("R", (), {"id": room_id}), type("O", (), {"id": operator_id}))
    action = client.post("/api/actions", json=body, headers=token(app, ["actions"])).json
    recordings = tmp_path / "recordings"
    recordings.mkdir(exist_ok=True)
    (recordings / "tip-1.wav").write_bytes(b"RIFF0000WAVEfmt fake-audio")
    with app.extensions["uitkijk"].db.session() as s:
        call = InboundCall(backend="asterisk", call_ref=uuid.uuid4().hex, caller_e164="+31612345678",
                           action_id=action["id"], alerted=True, outcome="connected")
        s.add(call)
        s.flush()
        tip = Tip(action_id=action["id"], inbound_call_id=call.id, source="voice", from_e164="+31612345678",
                  recording="tip-1.wav", duration_s=4.0)
        s.add(tip)
        s.flush()
        return action["id"], tip.id


def test_calls_tips_and_recordings_of_an_action(app, client, rooms, tmp_path):
    (north, north_ops), (south, _) = rooms
    app.config["RECORDINGS_DIR"] = str(tmp_path / "recordings")
    action_id, tip_id = _action_with_tip(app, client, north, north_ops[0], tmp_path)
    reader = token(app, ["tips"])
    calls = client.get(f"/api/actions/{action_id}/calls", headers=reader)
    assert calls.status_code == 200 and calls.json[0]["caller"] != "+31612345678" and calls.json[0]["alerted"]
    tips = client.get(f"/api/actions/{action_id}/tips", headers=reader).json
    assert tips[0]["from"] != "+31612345678" and tips[0]["has_recording"]
    url = tips[0]["recording_url"]
    assert url == f"/api/actions/{action_id}/tips/{tip_id}/recording"
    download = client.get(url, headers=reader)
    assert download.status_code == 200 and download.data == b"RIFF0000WAVEfmt fake-audio"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=token(app, ["actions"])).status_code == 403
    assert client.get(url, headers=token(app, ["tips"], room_id=south)).status_code == 404
    assert client.get(f"/api/actions/{action_id}/tips", headers=token(app, ["tips"], room_id=south)).status_code == 404
    assert client.get(f"/api/actions/{action_id}/tips/{tip_id + 99}/recording", headers=reader).status_code == 404
    listens = audit_rows(app, verb="listen", subject_type="tip")
    assert len(listens) == 1 and listens[0][0].startswith("token:")
    assert audit_rows(app, verb="view", subject_type="tips")


def test_room_bound_token_sees_and_ends_only_its_own_actions(app, client, rooms):
    (north, north_ops), (south, south_ops) = rooms
    national = token(app, ["actions"])
    body = factories.launch_body(type("R", (), {"id": south}), type("O", (), {"id": south_ops[0]}))
    south_action = client.post("/api/actions", json=body, headers=national).json["id"]
    north_token = token(app, ["actions"], room_id=north)
    refused = client.post("/api/actions", json=body, headers=north_token)
    assert refused.status_code == 400 and refused.json["field"] == "control_room_id"
    assert client.get(f"/api/actions/{south_action}", headers=north_token).status_code == 404
    assert client.get(f"/api/actions/{south_action}/deliveries", headers=north_token).status_code == 404
    assert client.post(f"/api/actions/{south_action}/end", json={"result": "not_found"},
                       headers=north_token).status_code == 404
    assert client.get("/api/actions", headers=north_token).json == []
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(Delivery.id).where(Delivery.state == "cancelled")) is None


def test_delivery_pages_are_stable_while_deliveries_are_added(app, client, auth, work):
    """Paging by cursor gives every delivery once, in order, even as rows are written between pages."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(7):
            factories.participant(s, f"06123456{n:02d}", 100 + 50 * n)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth).json
    work()
    seen, url, pages = [], f"/api/actions/{action['id']}/deliveries?limit=3&channel=sms", 0
    while url:
        page = client.get(url, headers=auth)
        assert page.status_code == 200
        seen += [d["id"] for d in page.json]
        pages += 1
        if pages == 1:  # rows written meanwhile: one before the cursor (not shown), one after it (shown)
            with app.extensions["uitkijk"].db.session() as s:
                for n, rank in ((90, -1), (91, 10_000)):
                    late = factories.participant(s, f"06123456{n}", 20_000)
                    s.add(Delivery(action_id=action["id"], participant_id=late.id,
                                   phone_number_id=late.numbers[0].id, to_e164=late.numbers[0].e164, channel="sms",
                                   purpose="alert", rank=rank, distance_m=20_000, state="queued"))
        cursor = page.headers.get("X-Next-Cursor")
        url = page.headers["Link"].split(";")[0].strip("<>") if cursor else None
    assert len(seen) == len(set(seen)) == 8
    with app.extensions["uitkijk"].db.session() as s:
        ranks = dict(s.execute(select(Delivery.id, Delivery.rank).where(Delivery.id.in_(seen))).all())
    assert sorted(ranks.values())[-1] == 10_000 and -1 not in ranks.values()
    only_queued = client.get(f"/api/actions/{action['id']}/deliveries?state=queued&channel=sms", headers=auth).json
    assert sorted(d["rank"] for d in only_queued) == [-1, 10_000]
    for bad in ("nonsense", "W10=", "WyJhbGVydCIsIjEiLDJd"):
        refused = client.get(f"/api/actions/{action['id']}/deliveries?cursor={bad}", headers=auth)
        assert refused.status_code == 400 and refused.json["field"] == "cursor"


def test_reading_the_outbox_is_an_audited_personal_data_read(app, client, rooms, work):
    """The outbox holds full numbers and texts: who read which messages is in the audit trail."""
    (north, north_ops), _ = rooms
    with app.extensions["uitkijk"].db.session() as s:
        factories.participant(s, "0612345601", 100)
    body = factories.launch_body(type("R", (), {"id": north}), type("O", (), {"id": north_ops[0]}))
    client.post("/api/actions", json=body, headers=token(app, ["actions"]))
    work()
    reader = token(app, ["outbox"])
    messages = client.get("/api/outbox", headers=reader).json
    assert messages and messages[0]["to"] == "+31612345601"
    [(actor, verb, subject, _, detail)] = audit_rows(app, verb="view", subject_type="outbox")
    assert actor.startswith("token:t-") and detail["ids"] == [messages[0]["id"], messages[-1]["id"]]


def test_trunk_answering_machine_detection_through_the_api(app, client, rooms):
    """Detection of an Asterisk trunk is turned on and tuned by amd_* fields; a change leaving them out keeps
    them; a value that is no whole number is refused naming its field."""
    (north, _), _ = rooms
    admin = token(app, ["configuration"])
    created = client.post("/api/trunks", headers=admin, json={
        "name": "lab-amd", "backend": "asterisk", "control_room_id": north, "caller_id": "+31201234567",
        "channel_limit": 10, "calls_per_second": 5, "ami_host": "127.0.0.1", "ami_user": "uitkijk",
        "ami_secret": "geheim-123", "dial_template": "Local/{number}@pstn", "amd_enabled": True,
        "amd_greeting_ms": 2000})
    assert created.status_code == 201, created.json
    amd = created.json["settings"]["amd"]
    assert amd["enabled"] is True and amd["greeting_ms"] == 2000 and amd["initial_silence_ms"] == 5000
    trunk_id = created.json["id"]
    changed = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"channel_limit": 12})
    assert changed.status_code == 200 and changed.json["settings"]["amd"] == amd
    refused = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"amd_greeting_ms": "lang"})
    assert refused.status_code == 400 and refused.json["field"] == "amd_greeting_ms"
    assert client.get(f"/api/trunks/{trunk_id}", headers=admin).json["settings"]["amd"] == amd


def test_twilio_trunk_answering_machine_detection_through_the_api(app, client, rooms):
    """A Twilio trunk has Twilio's own detection parameters: on and tuned by amd_*, kept by a change leaving
    them out, one out of Twilio's bounds refused naming its field."""
    (north, _), _ = rooms
    admin = token(app, ["configuration"])
    created = client.post("/api/trunks", headers=admin, json={
        "name": "twilio-amd", "backend": "twilio", "control_room_id": north, "caller_id": "+31201234567",
        "channel_limit": 10, "calls_per_second": 5, "account_sid": "AC" + "4d" * 16, "auth_token": "geheim-123",
        "amd_enabled": True, "amd_timeout_s": 45})
    assert created.status_code == 201, created.json
    amd = created.json["settings"]["amd"]
    assert amd == {"enabled": True, "timeout_s": 45, "speech_threshold_ms": 2400, "speech_end_threshold_ms": 1200,
                   "silence_timeout_ms": 5000}
    trunk_id = created.json["id"]
    changed = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"channel_limit": 12})
    assert changed.status_code == 200 and changed.json["settings"]["amd"] == amd
    refused = client.patch(f"/api/trunks/{trunk_id}", headers=admin, json={"amd_timeout_s": 2})
    assert refused.status_code == 400 and refused.json["field"] == "amd_timeout_s"
    assert client.get(f"/api/trunks/{trunk_id}", headers=admin).json["settings"]["amd"] == amd
