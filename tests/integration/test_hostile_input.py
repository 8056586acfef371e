"""A hostile table run against every API endpoint, web form and webhook that takes input, on SQLite and
PostgreSQL: each field of a valid request is replaced by each hostile value in turn. Nothing may give a
500, and a refused request (4xx) writes nothing."""
import base64
import html
import io
import json
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from admin.participant_form import error_label
from core.models import Base, Participant
from lab import factories
from tests.integration.admin_web import PASSWORD, csrf_token, make_user, municipality
from twilio_gateway.signatures import SIGNATURE_HEADER, sign

ACCOUNT_SID, AUTH_TOKEN, BASE_URL = "AC" + "0" * 32, "hostile-test-token", "https://uitkijk.example.org"

HOSTILE_JSON = [None, True, False, 0, -1, 10 ** 400, 2 ** 63, -(2 ** 63) - 1, 1.5e308, float("nan"), "", " ",
                "x" * 5000, "\x00", "a\x00b", "\ud800", "\udfff\ud800", "\x1b[31m", "\u2028", "0651000219a",
                "O651000084", "true", "NaN", [], {}, [1, 2], {"a": {"b": {"c": {}}}}, ["\x00"], {"\x00": 1}]
HOSTILE_TEXT = ["", " ", "x" * 5000, "\x00", "a\x00b", "\ufffd", "\x1b[31m", "\u2028", "9" * 400,
                str(2 ** 63), "-1", "true", "NaN", "inf", "0651000219a", "065abc0264", "1e400", "12:99", "<script>"]


def fingerprint(app):
    """Rows per table: a refused request must leave every count as it was."""
    with app.extensions["uitkijk"].db.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def hostile_app(config):
    from tests.conftest import app_for
    yield from app_for({**config, "SIGNUP_PER_HOUR": 100_000, "LINK_PER_HOUR": 100_000,
                        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                        "PUBLIC_BASE_URL": BASE_URL, "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
                        "API_RATE_PER_MINUTE": 1_000_000})


@pytest.fixture
def world(hostile_app):
    with hostile_app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100)
        municipality(s, "0457", "Weesp")
        ids = {"room": room.id, "operator": operators[0].id}
    ids["staff"] = make_user(hostile_app, "municipality", "staff@weesp.nl", "0457")
    ids["operator_user"] = make_user(hostile_app, "admin", "admin@example.org")
    from core.tokens import SCOPES, create_token
    with hostile_app.extensions["uitkijk"].db.session() as s:
        ids["auth"] = {"Authorization": f"Bearer {create_token(s, 'hostile', SCOPES, 'test')}"}
    return ids


def variants(base):
    """(field path, body) for each field of `base` replaced by each hostile value; nested one level."""
    for key, value in base.items():
        for bad in HOSTILE_JSON:
            yield key, {**base, key: bad}
        if isinstance(value, dict):
            for inner in value:
                for bad in HOSTILE_JSON:
                    yield f"{key}.{inner}", {**base, key: {**value, inner: bad}}
        if isinstance(value, list) and value:
            for bad in HOSTILE_JSON:
                yield f"{key}[0]", {**base, key: [bad, *value[1:]]}


def check(app, send, label, audited=False):
    """Send one request; assert no 500 and, when refused, nothing written (but the audit trail of a
    refusal that is `audited`, such as a failed login). Returns the response."""
    before = fingerprint(app)
    response = send()
    assert response.status_code < 500, f"{label}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        after = fingerprint(app)
        if audited:
            after["audit_events"] = before["audit_events"]
        assert after == before, f"{label}: refused ({response.status_code}) but wrote something"
    return response


def test_api_json_endpoints_survive_the_hostile_table(hostile_app, world):
    """Every field of every JSON body replaced by a hostile value: a 4xx naming a field, never a 500."""
    client, auth = hostile_app.test_client(), world["auth"]
    participant = {"external_ref": "H-1", "name": "Hans", "email": "h@example.org", "language": "nl",
                   "phones": [{"number": "0612345671", "channel": "sms"}], "home": {"lat": 52.3, "lon": 5.04,
                                                                                   "address": "Dorpsstraat 1"},
                   "quiet_hours": {"start": "22:00", "end": "07:00"}}
    launch = factories.launch_body(SimpleRoom(world["room"]), SimpleRoom(world["operator"]))
    action_id = client.post("/api/actions", json=launch, headers=auth).json["id"]
    launch = {**launch, "client_request_id": "hostile-1"}
    ending = {"result": "suspect_caught", "closing_text": "Dank", "result_from_response": False}
    for path, base in (("/api/participants", participant), ("/api/actions", launch),
                       (f"/api/actions/{action_id}/end", ending)):
        for field, body in variants(base):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: client.post(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)
        for raw, field in ((b"[]", "body"), (b'"text"', "body"), (b"1", "body"), (b"null", "body"),
                           (b"[" * 100_000 + b"]" * 100_000, "body"), (b"\xff\xfe", "body"),
                           (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "body"), (b'{"title": "\\ud800"}', "title")):
            response = check(hostile_app, lambda: client.post(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} raw {raw[:20]!r}")
            assert response.status_code == 400 and response.json["field"] == field, (path, raw[:20])


def test_api_query_strings_and_ids_survive_the_hostile_table(hostile_app, world):
    """Hostile query parameters and ids beyond 64 bits in URLs give 4xx, never a 500."""
    client, auth = hostile_app.test_client(), world["auth"]
    for value in HOSTILE_TEXT:
        for path in ("/api/actions?status={}", "/api/actions/1/deliveries?limit={}", "/api/outbox?limit={}",
                     "/api/actions/1/deliveries?state={}"):
            check(hostile_app, lambda: client.get(path.format(value.replace("\x00", "%00")), headers=auth), path)
    for path in ("/api/actions/{}", "/api/participants/{}", "/api/actions/{}/deliveries"):
        for ident in ("9" * 400, str(2 ** 63), str(2 ** 63 - 1), str(2 ** 31)):
            assert check(hostile_app, lambda: client.get(path.format(ident), headers=auth), path).status_code == 404


def test_the_genuine_alert_check_survives_the_hostile_table(hostile_app, world):
    """The public check's code (/echt?code=): every hostile value gives the page or a 4xx, never a 500."""
    client = hostile_app.test_client()
    for value in HOSTILE_TEXT:
        response = check(hostile_app, lambda: client.get(f"/echt?code={quote(value)}"), f"/echt code={value[:20]!r}")
        assert response.status_code in (400, 404), value[:20]


@pytest.mark.parametrize("row, field", [
    ("H-1,Hans\x00,0612345671,52.3,5.04", "name"),
    ("H-1,Hans,06123\x0045671,52.3,5.04", "phones[0]"),
    ("H-1,Hans,0612345671,52.3\x00,5.04", "home"),
    ("H-1,Hans,0651000219a,52.3,5.04", "phones[0]"),
    ("H-1,Hans,065abc0264,52.3,5.04", "phones[0]"),
    ("H-1,Hans,O651000084,52.3,5.04", "phones[0]"),
    ("H-1," + "x" * 140_000 + ",0612345671,52.3,5.04", "row"),
    ("H-1,Ha\rns,0612345671,52.3,5.04", "row"),
    ("H-\ud800,Hans,0612345671,52.3,5.04", "external_ref"),
    ("H-1,Hans,0612345671,true,false", "home"),
])
def test_csv_bad_row_is_reported_and_rows_beside_it_imported(hostile_app, world, row, field):
    """A hostile row is reported with its line and field; the good rows around it are imported."""
    client, auth = hostile_app.test_client(), world["auth"]
    text = ("external_ref,name,phone,home_lat,home_lon\n"
            "G-1,Goed,0612345672,52.3,5.04\n" + row + "\nG-2,Ook goed,0612345673,52.3,5.04\n")
    response = check(hostile_app, lambda: client.post("/api/participants/import", data=text.encode(
        "utf-8", "surrogatepass"), headers={**auth, "Content-Type": "text/csv"}), row[:40])
    if "\ud800" in row:  # not UTF-8 at all: the whole file is refused
        assert response.status_code == 400 and response.json["field"] == "file"
        return
    report = response.json
    assert report["created"] == 2, report
    assert [e["field"] for e in report["errors"]] == [field] and report["errors"][0]["line"] == 3
    with hostile_app.extensions["uitkijk"].db.session() as s:
        assert {p.external_ref for p in s.scalars(select(Participant))} >= {"G-1", "G-2"}


def test_body_over_the_configured_size_is_413(hostile_app, world):
    """A body over MAX_CONTENT_LENGTH is refused with 413 on the API, the web and the webhooks."""
    client = hostile_app.test_client()
    big = b"x" * (2 * 1024 * 1024 + 1)
    response = check(hostile_app, lambda: client.post("/api/participants/import", data=big,
                                                      headers={**world["auth"], "Content-Type": "text/csv"}), "api")
    assert response.status_code == 413 and response.json["field"] == "body"
    assert check(hostile_app, lambda: client.post("/signup", data={"name": "x" * (2 * 1024 * 1024 + 1)}),
                 "form").status_code == 413
    assert check(hostile_app, lambda: client.post("/webhooks/twilio/sms/inbound", data=big, headers={
        "Content-Type": "application/x-www-form-urlencoded"}), "webhook").status_code == 413


def login_as(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302


def form_variants(base):
    for key in base:
        for bad in HOSTILE_TEXT:
            yield key, {**base, key: bad}


def test_web_forms_survive_the_hostile_table(hostile_app, world):
    """The public sign-up, the staff participant form and CSV upload, the operator's launch form and the
    login form: every field replaced by a hostile value gives a page or a 4xx, never a 500."""
    client = hostile_app.test_client()
    token = csrf_token(client, "/signup")
    signup = {"name": "Sanne", "phone_1": "0612345674", "home_lat": "52.3", "home_lon": "5.04", "language": "nl",
              "consent": "on", "municipality": "0457", "email": "s@example.org"}
    forms = [("/signup", signup), ("/signup/link", {"number": "0612345678"}),
             ("/login", {"email": "nobody@example.org", "password": "x"})]
    for path, base in forms:
        for field, form in form_variants(base):
            check(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), f"{path} {field}",
                  audited=path == "/login")
    login_as(client, world["staff"])
    token = csrf_token(client, "/participants")
    participant = {"name": "Piet", "phone_1": "0612345675", "channel_1": "sms", "home_lat": "52,3",
                   "home_lon": "5.04", "language": "nl", "external_ref": "P-1", "quiet_start": "22:00",
                   "quiet_end": "07:00"}
    for field, form in form_variants(participant):
        check(hostile_app, lambda: client.post("/participants/new", data={**form, "csrf_token": token}),
              f"participant {field}")
    for row in ("P-2,Hans\x00,0612345676,52.3,5.04", "P-3,Hans,0651000219a,52.3,5.04", "x" * 140_000):
        data = {"csrf_token": token, "file": (io.BytesIO(f"external_ref,name,phone,home_lat,home_lon\n{row}\n"
                                                         .encode()), "p.csv")}
        check(hostile_app, lambda: client.post("/participants/import", data=data,
                                               content_type="multipart/form-data"), f"import {row[:20]}")
    client.post("/logout", data={"csrf_token": token})
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/actions/new")
    launch = {"kind": "burglary", "urgency": "urgent", "title": "Inbraak", "message": "Man met rode jas",
              "lat": "52.3", "lon": "5.04", "radius_m": "1000", "operator_id": str(world["operator"]),
              "control_room_id": str(world["room"]), "client_request_id": "web-1"}
    for field, form in form_variants(launch):
        check(hostile_app, lambda: client.post("/actions/", data={**form, "csrf_token": token}), f"launch {field}")
    for value in HOSTILE_TEXT:
        for path, query in (("/actions/estimate", {"lat": value, "lon": "5.0", "radius_m": "100"}),
                            ("/actions/sms-preview", {"message": "Man", "control_room_id": value}),
                            ("/dashboard/", {"municipality_id": value}), ("/participants", {"page": value}),
                            ("/participants", {"q": value})):
            check(hostile_app, lambda: client.get(path, query_string=query), f"{path} {query}")
        account = {"email": "new@example.org", "name": "Nieuw", "role": "municipality", "password": PASSWORD,
                   "municipality_id": value, "csrf_token": token}
        check(hostile_app, lambda: client.post("/accounts/new", data=account), f"account {value[:20]!r}")


def test_signed_webhooks_survive_the_hostile_table(hostile_app, world):
    """Twilio's webhooks, genuinely signed, with each form field replaced by a hostile value: never a 500."""
    client = hostile_app.test_client()
    hooks = {"/webhooks/twilio/sms/inbound": {"From": "+31612345678", "To": "+3197010000000", "Body": "STOP",
                                              "MessageSid": "SM" + "1" * 32},
             "/webhooks/twilio/sms/status?delivery=1": {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered",
                                                        "ErrorCode": "30003"},
             "/webhooks/twilio/voice/inbound": {"CallSid": "CA" + "1" * 32, "From": "+31612345678",
                                                "To": "+31800001100", "CallStatus": "ringing"},
             "/webhooks/twilio/voice/status": {"CallSid": "CA" + "1" * 32, "CallStatus": "completed",
                                               "CallDuration": "12"}}
    for path, base in hooks.items():
        for field, form in form_variants(base):
            form = {"AccountSid": ACCOUNT_SID, **form}

            def send():
                return client.post(path, data=form, headers={SIGNATURE_HEADER: sign(AUTH_TOKEN, BASE_URL + path,
                                                                                     form)})
            check(hostile_app, send, f"{path} {field}")


class SimpleRoom:
    """factories.launch_body reads only `.id`."""

    def __init__(self, ident):
        self.id = ident


# The configuration forms have many fields: each gets the values that broke forms before (NUL, an overlong
# text, digits beyond 64 bits) and three more of the table, rotating from field to field, so a form of five
# fields or more meets every hostile value and the run stays short.
ALWAYS = ["\x00", "a\x00b", "x" * 5000, "9" * 400]
ROTATING = [value for value in HOSTILE_TEXT if value not in ALWAYS]


def few_variants(base, share=3):
    for n, key in enumerate(base):
        for bad in ALWAYS + [ROTATING[(n * share + k) % len(ROTATING)] for k in range(share)]:
            yield key, {**base, key: bad}


def check_named(app, send, field, fields, label, labels=()):
    """check(), and a refusal (400) names the field it refused, as core's ValidationError puts it ("field:
    reason", "feature 1.lon: reason"; another of the form's `fields` when the value clashes with it), or
    by the label the self-service page gives it."""
    response = check(app, send, label)
    if response.status_code == 400:
        page = html.unescape(response.get_data(as_text=True))
        named = [name for name in fields if re.search(rf"\b{re.escape(name)}(\.\w+|\[\d+\])?:", page)]
        text = re.sub(r"<[^>]+>", "", page)  # the message links its label to the input: <a href="#x">Label</a>: ...
        named += [name for name in labels if re.search(rf"{re.escape(name)}( \(\w+\))?:", text)]
        taken = any(text in page for text in ("die naam is al in gebruik", "er bestaat al een partner"))
        assert named or taken, f"{label}: refused without naming {field}"
    return response


def test_admin_configuration_forms_survive_the_hostile_table(hostile_app, world):
    """Control rooms, operators, trunks, partners, regions and prompt recordings: every field replaced by a
    hostile value gives a page or a 4xx naming the field, writes nothing when refused, never a 500."""
    client = hostile_app.test_client()
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/config/")
    room = str(world["room"])
    forms = {
        "/config/control-rooms/new": {"name": "Meldkamer Noord", "free_number": "0800 0022",
                                      "general_line": "Local/31209990000@lab-pstn", "voice_backend": "asterisk"},
        "/config/operators/new": {"name": "Operator Noord", "control_room_id": room,
                                  "dial_string": "Local/31209990009@lab-pstn", "available": "on", "sip_password": ""},
        "/config/trunks/new": {"name": "noord", "backend": "asterisk", "control_room_id": room,
                               "caller_id": "+31201234567", "channel_limit": "30", "calls_per_second": "5",
                               "enabled": "on", "ami_host": "127.0.0.1", "ami_port": "5038", "ami_user": "uitkijk",
                               "ami_secret": "geheim-123", "dial_template": "Local/{number}@pstn", "sip_host": "",
                               "sip_port": "5060", "username": "", "password": ""},
        "/config/partners/new": {"name": "Omroep Noord", "url": "https://omroep.example.org/hook"},
    }
    for path, base in forms.items():
        for field, form in few_variants(base):
            check_named(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), field, base,
                        f"{path} {field}={form[field][:20]!r}")
    geojson = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "NH", "name": "X"}, ' \
              '"geometry": {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]}}]}'
    uploads = [("kind", bad, geojson) for bad in ALWAYS + ROTATING[:3]] + [
        ("file", "province", bad) for bad in ("", "\x00", "[" * 100_000, '{"type": "FeatureCollection"}',
                                              geojson.replace("5.1", "1e400"), geojson.replace('"X"', '"\\ud800"'),
                                              geojson.replace("5.1", "true"))]
    for field, kind, text in uploads:
        data = {"csrf_token": token, "kind": kind,
                "file": (io.BytesIO(text.encode("utf-8", "surrogatepass")), "gebied.geojson")}
        check_named(hostile_app, lambda: client.post("/config/regions/", data=data, content_type="multipart/form-data"),
                    field, ("kind", "file", "feature 1"), f"region {field} {text[:20]!r}")
    for language, prompt_id, audio in (("nl", "alert_intro", b"not audio"), ("nl", "alert_intro", b"RIFF\x00"),
                                       ("\x00", "alert_intro", b"x"), ("nl", "x" * 5000, b"x"), ("9" * 400, "a", b"x")):
        data = {"csrf_token": token, "recording": (io.BytesIO(audio), "tip.wav")}
        response = check_named(hostile_app, lambda: client.post(
            f"/config/prompts/{quote(language)}/{quote(prompt_id)}/recording", data=data,
            content_type="multipart/form-data"), "recording", ("recording",), f"prompt {language!r}")
        assert 400 <= response.status_code < 500


def test_self_service_page_survives_the_hostile_table(hostile_app, world):
    """/my/<token>: every field of the participant's own form replaced by a hostile value gives the page
    again with the field named, or the saved preferences; never a 500, nothing written when refused."""
    from admin.participant_form import error_label, participant_to_form
    from core.signup import make_link_token

    client = hostile_app.test_client()
    with hostile_app.extensions["uitkijk"].db.session() as s:
        participant = s.scalars(select(Participant)).first()
        base = participant_to_form(participant)
        path = "/my/" + make_link_token(hostile_app.config["SECRET_KEY"].encode(), participant.id, "manage")
        number_id = participant.numbers[0].id
    base.update({"home_lat": "52.3", "home_lon": "5.04", f"number_channel_{number_id}": "sms",
                 "mail_alerts": "on"})
    # The page names a field by its label ("Quiet hours (start): ..."), in the page's language (Dutch here).
    with hostile_app.test_request_context(path):
        labels = [error_label(name, [1]) for name in ("name", "email", "language", "external_ref", "municipality",
                                                      "quiet_hours", "home", "work", "phones[0]",
                                                      "phones[0].channel")]
    token = csrf_token(client, path)
    for field, form in few_variants(base):
        check_named(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), field, base,
                    f"/my {field}={form[field][:20]!r}", labels)
    for bad in ("\x00", "9" * 400, "x" * 5000):
        check(hostile_app, lambda: client.get("/my/" + quote(bad)), f"/my/{bad[:20]!r}")


def test_control_room_api_survives_the_hostile_table(hostile_app, world):
    """Control rooms, operators, trunks and availability through the API: every field hostile, 4xx naming
    a field or 409, never a 500, nothing written when refused."""
    client, auth = hostile_app.test_client(), world["auth"]
    room = {"name": "Meldkamer H", "free_number": "0800 0099", "voice_backend": "asterisk"}
    operator = {"name": "H", "control_room_id": world["room"], "dial_string": "PJSIP/hostile", "available": True}
    trunk = {"name": "h-twilio", "backend": "twilio", "caller_id": "+31201234567", "channel_limit": 2,
             "calls_per_second": 1, "account_sid": "AC" + "0" * 32, "auth_token": "secret-value", "enabled": True}
    for method, path, base in (("post", "/api/control-rooms", room), ("post", "/api/operators", operator),
                               ("post", "/api/trunks", trunk),
                               ("put", f"/api/operators/{world['operator']}/availability", {"available": True}),
                               ("patch", f"/api/control-rooms/{world['room']}", room)):
        for field, body in variants(base):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: getattr(client, method)(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)


def public_action(app, world, client, auth):
    """A live public (AMBER) action of the world's room: every follow-up form and endpoint applies to it."""
    body = factories.launch_body(SimpleRoom(world["room"]), SimpleRoom(world["operator"]), kind="amber_alert",
                                 title="Vermist kind", area_name="Weesp")
    response = client.post("/api/actions", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["id"]


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8).decode()


def test_api_follow_up_endpoints_survive_the_hostile_table(hostile_app, world):
    """A live action's area, publication and photos, webhooks and changes to operators and trunks through
    the API: every field hostile gives a 4xx naming a field (or 409), never a 500, nothing written."""
    client, auth = hostile_app.test_client(), world["auth"]
    action_id = public_action(hostile_app, world, client, auth)
    trunk = client.post("/api/trunks", json={"name": "h-twilio", "backend": "twilio", "caller_id": "+31201234567",
                                             "channel_limit": 2, "calls_per_second": 1,
                                             "account_sid": "AC" + "0" * 32, "auth_token": "secret-value"},
                        headers=auth)
    assert trunk.status_code == 201, trunk.json
    hook = client.post("/api/webhooks", json={"url": "https://meldkamer.example.org/hook",
                                              "control_room_id": world["room"]}, headers=auth)
    assert hook.status_code == 201, hook.json
    bodies = [
        ("post", f"/api/actions/{action_id}/area", {"area": {"type": "circle", "lat": 52.3, "lon": 5.04,
                                                             "radius_m": 900}, "area_name": "Weesp"}),
        ("post", f"/api/actions/{action_id}/area", {"area": {"type": "polygon", "geometry": {
            "type": "Polygon", "coordinates": [[[5.0, 52.3], [5.1, 52.3], [5.1, 52.4], [5.0, 52.3]]]},
            "centre": {"lat": 52.31, "lon": 5.05}}}),
        ("post", f"/api/actions/{action_id}/publication", {"title": "Vermist", "message": "Meisje, 8 jaar",
                                                           "area_name": "Weesp", "title_en": "Missing",
                                                           "message_en": "Girl, 8"}),
        ("post", f"/api/actions/{action_id}/photos", {"photos": [PNG]}),
        ("post", "/api/webhooks", {"url": "https://meldkamer.example.org/other", "control_room_id": world["room"],
                                   "active": True}),
        ("patch", f"/api/webhooks/{hook.json['id']}", {"url": "https://meldkamer.example.org/new", "active": False,
                                                        "new_secret": True}),
        ("patch", f"/api/operators/{world['operator']}", {"name": "H", "dial_string": "PJSIP/hostile",
                                                          "available": False}),
        ("patch", f"/api/trunks/{trunk.json['id']}", {"name": "h-2", "caller_id": "+31201234568",
                                                      "channel_limit": 3, "calls_per_second": 2, "enabled": False}),
    ]
    for method, path, base in bodies:
        for field, body in variants(base):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: getattr(client, method)(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)
        for raw in (b"[]", b"1", b"null", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe"):
            response = check(hostile_app, lambda: getattr(client, method)(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} raw {raw[:20]!r}")
            assert response.status_code == 400 and response.json["field"] == "body", (path, raw[:20])


def test_follow_page_forms_survive_the_hostile_table(hostile_app, world):
    """The follow page's forms (publication, area, photos, end): every field hostile gives the follow page
    again (400) with the field named, writes nothing, never a 500; the launch preview and the geocoder
    answer hostile input with a 4xx too."""
    client = hostile_app.test_client()
    action_id = public_action(hostile_app, world, client, world["auth"])
    login_as(client, world["operator_user"])
    token = csrf_token(client, f"/actions/{action_id}")
    forms = {
        "publication": {"title": "Vermist", "message": "Meisje, 8 jaar", "title_en": "Missing",
                        "message_en": "Girl, 8", "area_name": "Weesp"},
        "area": {"area_type": "circle", "lat": "52.3", "lon": "5.04", "radius_m": "900", "area_name": "Weesp",
                 "polygon": "", "region_codes": "NH", "address": ""},
        "end": {"result": "person_found", "closing_text": "Gevonden", "result_from_response": "on"},
    }
    for form_name, base in forms.items():
        path = f"/actions/{action_id}/{form_name}"
        for field, form in form_variants(base):
            check_named(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), field,
                        [*base, "area"], f"{path} {field}={form[field][:20]!r}")
    for photo in (b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, b"GIF89a" + b"\xff" * 40):
        data = {"csrf_token": token, "photos": (io.BytesIO(photo), "foto.png")}
        check_named(hostile_app, lambda: client.post(f"/actions/{action_id}/photos", data=data,
                                                     content_type="multipart/form-data"), "photos", ["photos"],
                    f"photo {photo[:8]!r}")
    for path, base in ((f"/actions/preview", {"kind": "burglary", "title": "Inbraak", "message": "Man",
                                              "lat": "52.3", "lon": "5.04", "radius_m": "1000",
                                              "operator_id": str(world["operator"]),
                                              "control_room_id": str(world["room"])}),):
        for field, form in form_variants(base):
            check(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), f"{path} {field}")
    for value in HOSTILE_TEXT:
        check(hostile_app, lambda: client.get("/actions/geocode", query_string={"address": value}),
              f"geocode {value[:20]!r}")


def test_edit_forms_survive_the_hostile_table(hostile_app, world):
    """The forms that change what exists (an account, a participant, a control room, an operator, a trunk,
    a mail sender, switches on and off) and the language choice: every field hostile gives a page or a
    4xx naming the field, writes nothing when refused, never a 500."""
    client = hostile_app.test_client()
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/config/")
    room, operator = world["room"], world["operator"]
    trunk = client.post("/config/trunks/new", data={
        "csrf_token": token, "name": "noord", "backend": "asterisk", "control_room_id": str(room),
        "caller_id": "+31201234567", "channel_limit": "30", "calls_per_second": "5", "enabled": "on",
        "ami_host": "127.0.0.1", "ami_port": "5038", "ami_user": "uitkijk", "ami_secret": "geheim-123",
        "dial_template": "Local/{number}@pstn", "sip_port": "5060"})
    assert trunk.status_code == 302, trunk.get_data(as_text=True)[:500]
    with hostile_app.extensions["uitkijk"].db.session() as s:
        from core.models import Trunk, User
        trunk_id = s.scalar(select(Trunk.id))
        staff_id = s.scalar(select(User.id).where(User.email == world["staff"]))
        participant_id = s.scalar(select(Participant.id))
    forms = {
        f"/config/control-rooms/{room}": {"name": "Meldkamer Test", "free_number": "0800 0022",
                                          "general_line": "Local/31209990000@lab-pstn", "voice_backend": "asterisk"},
        f"/config/operators/{operator}": {"name": "Operator", "control_room_id": str(room),
                                          "dial_string": "Local/31209990009@lab-pstn", "available": "on",
                                          "sip_password": ""},
        f"/config/trunks/{trunk_id}": {"name": "noord", "backend": "asterisk", "control_room_id": str(room),
                                       "caller_id": "+31201234567", "channel_limit": "30",
                                       "calls_per_second": "5", "enabled": "on", "ami_host": "127.0.0.1",
                                       "ami_port": "5038", "ami_user": "uitkijk", "ami_secret": "",
                                       "dial_template": "Local/{number}@pstn", "sip_port": "5060"},
        "/config/mail-senders": {"display_name": "Politie Weesp", "address": "wijk@politie.example.nl",
                                 "municipality": "0457"},
        f"/accounts/{staff_id}": {"name": "Staf", "role": "municipality", "municipality_id": "1", "operator_id": "",
                                  "active": "on", "password": "", "supervisor": ""},
        f"/participants/{participant_id}": {"name": "Piet", "phone_1": "0612345678", "channel_1": "sms",
                                            "home_lat": "52.3", "home_lon": "5.04", "language": "nl",
                                            "external_ref": "P-1", "quiet_start": "22:00", "quiet_end": "07:00"},
    }
    with hostile_app.test_request_context():  # the labels in the pages' language
        labels = [error_label(name, [1]) for name in ("name", "email", "language", "external_ref", "municipality",
                                                      "quiet_hours", "home", "work", "phones", "phones[0]",
                                                      "phones[0].channel")]
    for path, base in forms.items():
        for field, form in few_variants(base):
            check_named(hostile_app, lambda: client.post(path, data={**form, "csrf_token": token}), field, base,
                        f"{path} {field}={form[field][:20]!r}", labels)
    switches = [(f"/config/operators/{operator}/availability", "available"),
                (f"/participants/{participant_id}/active", "active"), ("/language", "language"),
                ("/language", "next")]
    for path, field in switches:
        for value in HOSTILE_TEXT:
            check(hostile_app, lambda: client.post(path, data={field: value, "csrf_token": token}),
                  f"{path} {field}={value[:20]!r}")


def test_mail_forms_survive_the_hostile_table(hostile_app, world):
    """Neighbourhood mail: the compose form (preview and send), the update to an inquiry, a reply's mark and
    the resident's reply page: every field hostile gives the form again with the field named (or a 4xx),
    writes nothing when refused, never a 500."""
    from core.mail_links import MailLinks
    from core.models import Delivery, Inquiry, MailSender
    client = hostile_app.test_client()
    # Many hostile variants are accepted and sent: the weekly mail budget must not be what refuses the last one.
    hostile_app.config["MAIL_WEEKLY_BUDGET"] = 10_000
    with hostile_app.extensions["uitkijk"].db.session() as s:
        participant = s.scalars(select(Participant)).first()
        participant.email = "p@example.nl"
        from core.mail_address import preference
        preference(s, participant.id).confirmed_address = participant.email
        s.add(MailSender(display_name="Politie Weesp", address="wijk@politie.example.nl"))
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/mail/inquiries/new")
    compose = {"kind": "inquiry", "subject": "Inbraak: heeft u iets gezien?", "body": "Wij zoeken getuigen.",
               "questions": "Zag u iemand?", "area_type": "circle", "lat": str(factories.CENTRE[0]),
               "lon": str(factories.CENTRE[1]), "radius_m": "500", "address": "", "municipality": "0457", "postcode": "1381AB", "step": "preview"}
    for step in ("preview", "send"):
        for field, form in form_variants({**compose, "step": step}):
            check(hostile_app, lambda: client.post("/mail/inquiries/new", data={**form, "csrf_token": token}),
                  f"compose {step} {field}={form[field][:20]!r}")
    sent = client.post("/mail/inquiries/new", data={**compose, "step": "send", "csrf_token": token})
    assert sent.status_code == 302
    with hostile_app.extensions["uitkijk"].db.session() as s:
        inquiry_id = s.scalar(select(Inquiry.id))
        delivery_id = s.scalar(select(Delivery.id).where(Delivery.channel == "email"))
    for field, form in form_variants({"update_text": "De verdachte is gepakt.", "close": "1"}):
        check(hostile_app, lambda: client.post(f"/mail/inquiries/{inquiry_id}/update",
                                               data={**form, "csrf_token": token}), f"update {field}")
    reply = "/reply/" + MailLinks(hostile_app.config).reply_token(delivery_id)
    for field, form in form_variants({"story": "Ik zag een man met een rode fiets.", "when": "gisteren 22:00",
                                      "contact_number": "0612345678", "nothing": ""}):
        check(hostile_app, lambda: client.post(reply, data={**form, "csrf_token": csrf_token(client, reply)}),
              f"reply {field}={form[field][:20]!r}")
    for value in ("\x00", "9" * 400, "x" * 5000, "a.b.c"):
        for path in ("/reply/{}", "/mail/confirm/{}", "/mail/unsubscribe/{}", "/signup/confirm/{}",
                     "/signup/done/{}"):
            check(hostile_app, lambda: client.get(path.format(quote(value))), path)
            check(hostile_app, lambda: client.post(path.format(quote(value)), data={"csrf_token": token}), path)


def test_api_mail_dashboard_and_launch_helpers_survive_the_hostile_table(hostile_app, world):
    """Neighbourhood mail, the CAP signing key, the dashboard and the launch helpers through the API: every
    field and query parameter hostile gives a 4xx naming a field (or 404/409), never a 500, nothing written."""
    from tests.mail.mail_support import mail_participant, police_sender
    client, auth = hostile_app.test_client(), world["auth"]
    with hostile_app.extensions["uitkijk"].db.session() as s:
        police_sender(s)
        mail_participant(s, 50, 50)
        s.commit()
    lat, lon = factories.CENTRE
    inquiry = {"subject": "Inbraak", "body": "Wie zag iets?", "questions": ["Zag u iemand?"],
               "area": {"type": "circle", "lat": lat, "lon": lon, "radius_m": 200}, "dry_run": True}
    sent = client.post("/api/inquiries", json={**inquiry, "dry_run": False}, headers=auth)
    assert sent.status_code == 201, sent.json
    inquiry_id = sent.json["id"]
    bodies = [
        ("post", "/api/inquiries", inquiry),
        ("post", "/api/inquiries", {**inquiry, "area": {"type": "polygon", "geometry": {
            "type": "Polygon", "coordinates": [[[5.0, 52.3], [5.1, 52.3], [5.1, 52.4], [5.0, 52.3]]]}}}),
        ("post", "/api/inquiries", {**inquiry, "area": {"type": "circle", "address": "Dorpsstraat 1, Weesp"}}),
        ("put", f"/api/inquiries/{inquiry_id}/replies/1/helpful", {"helpful": True}),
        ("put", "/api/partners/signing-key", {"key": "-----BEGIN PRIVATE KEY-----", "certificate": "x"}),
        ("post", f"/api/inquiries/{inquiry_id}/update", {"update_text": "Opgelost, dank u.", "close": False}),
    ]
    for method, path, base in bodies:
        for field, body in variants(base):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: getattr(client, method)(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)
    queries = {"/api/estimate": {"lat": lat, "lon": lon, "radius_m": 500},
               "/api/geocode": {"address": "Dorpsstraat 1, Weesp"},
               "/api/sms-preview": {"message": "Man op rode fiets", "control_room_id": world["room"]},
               "/api/dashboard": {"from": "2026-01-01", "to": "2026-02-01", "area": "drawn", "lat": lat, "lon": lon,
                                  "radius_m": 500},
               "/api/dashboard.csv": {"municipality_id": 1, "area": "postcode", "postcode_area": "1381"}}
    for path, base in queries.items():
        for name in base:
            for value in HOSTILE_TEXT:
                response = check(hostile_app, lambda: client.get(path, query_string={**base, name: value},
                                                                 headers=auth), f"{path} {name}={value[:40]!r}")
                if response.status_code == 400:
                    assert response.json["field"] and response.json["reason"], (path, name)
