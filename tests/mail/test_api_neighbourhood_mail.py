"""Neighbourhood mail through the API, as staff send it on the web: a police system previews and sends an
inquiry, participants get it by SMTP and reply, the system reads, marks and exports the replies and sends
the update to everyone reached; a municipality's system sends information to its own municipality only
and neither sees the other's mail; bad input is refused naming the field with nothing written (SQLite and
PostgreSQL). Every API response is checked against the OpenAPI document by the suite's test client."""
import base64
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.models import AuditEvent, Delivery, Inquiry
from core.tokens import create_token
from tests.integration.web_helpers import csrf_token, web_app
from tests.mail.mail_support import (mail_participant, municipality, municipality_sender, parsed, police_sender,
                                     reply_link)

INQUIRY = {"subject": "Inbraak Dorpsstraat: heeft u iets gezien?",
           "body": "Afgelopen nacht is er ingebroken aan de Dorpsstraat.\n\nWij zoeken getuigen.",
           "questions": ["Zag u iemand op een rode fiets?", "Hoorde u glasgerinkel?"],
           "area": {"type": "circle", "address": "Dorpsstraat 1, 1381 AB Weesp", "radius_m": 60}}


@pytest.fixture
def app(mail_config):
    yield from web_app(mail_config)


@pytest.fixture
def people(app):
    """Three participants of Weesp (two within 60 m of Dorpsstraat 1), the police's and Weesp's senders."""
    with app.extensions["uitkijk"].db.session() as session:
        for n, distance in ((1, 0), (2, 40), (3, 500)):
            mail_participant(session, n, distance)
        police_sender(session)
        municipality_sender(session, municipality(session, "0457").id)
        municipality(session, "0363", "Amsterdam")
        session.commit()


def token(app, scopes=("mail",), municipality=None):
    name = f"t-{uuid.uuid4().hex[:8]}"
    with app.extensions["uitkijk"].db.session() as session:
        value = create_token(session, name, list(scopes), "test", 30, municipality=municipality)
    return name, {"Authorization": f"Bearer {value}"}


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _reply(app, relay, link_of=0, **fields):
    """A participant answers through the link in the mail they received."""
    path = reply_link(parsed(relay.received[link_of])).replace("http://127.0.0.1:5000", "")
    public = app.test_client()
    answer = public.post(path, data={"csrf_token": csrf_token(public, path), **fields},
                         content_type="multipart/form-data")
    assert answer.status_code == 200


def test_a_police_system_sends_an_inquiry_reads_the_replies_and_sends_the_update(app, client, people, relay, work):
    name, police = token(app)
    preview = client.post("/api/inquiries", json={**INQUIRY, "dry_run": True}, headers=police)
    assert preview.status_code == 200 and preview.json["recipients"] == 2
    assert "Zag u iemand op een rode fiets?" in preview.json["text"]
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Inquiry)) == 0  # a preview writes nothing

    sent = client.post("/api/inquiries", json={**INQUIRY, "photo": base64.b64encode(_jpeg()).decode()},
                       headers=police)
    assert sent.status_code == 201
    inquiry = sent.json
    assert (inquiry["kind"], inquiry["recipients"], inquiry["has_photo"]) == ("inquiry", 2, True)
    work()
    assert sorted(m.rcpt_tos[0] for m in relay.wait_for(2)) == ["p1@example.nl", "p2@example.nl"]
    _reply(app, relay, story="Man op rode fiets, 03:10.", when="vannacht", may_contact="1",
           contact_number="0612345678", photos=(io.BytesIO(_jpeg()), "fiets.jpg"))

    replies = client.get(f"/api/inquiries/{inquiry['id']}/replies", headers=police)
    assert replies.status_code == 200
    [reply] = replies.json
    assert (reply["story"], reply["contact_number"], reply["helpful"]) == ("Man op rode fiets, 03:10.",
                                                                          "+31612345678", False)
    photo = client.get(reply["photos"][0], headers=police)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    marked = client.put(f"/api/inquiries/{inquiry['id']}/replies/{reply['id']}/helpful", json={"helpful": True},
                        headers=police)
    assert marked.status_code == 200 and marked.json["helpful"] is True
    export = client.get(f"/api/inquiries/{inquiry['id']}/replies.csv", headers=police)
    assert export.mimetype == "text/csv" and "Man op rode fiets" in export.get_data(as_text=True)
    assert ",yes\r\n" in export.get_data(as_text=True)

    update = client.post(f"/api/inquiries/{inquiry['id']}/update", headers=police,
                         json={"update_text": "De verdachte is aangehouden. Dank voor uw hulp!", "close": True})
    assert update.status_code == 200
    assert (update.json["status"], update.json["update_recipients"]) == ("closed", 2)
    work()
    updates = relay.wait_for(4)[2:]
    assert sorted(m.rcpt_tos[0] for m in updates) == ["p1@example.nl", "p2@example.nl"]
    assert all("De verdachte is aangehouden." in parsed(m).get_body(("plain",)).get_content() for m in updates)
    again = client.post(f"/api/inquiries/{inquiry['id']}/update", json={"update_text": "Nog eens"}, headers=police)
    assert again.status_code == 409

    listed = client.get("/api/inquiries", headers=police).json
    assert [i["id"] for i in listed] == [inquiry["id"]] and listed[0]["progress"]["update"]
    with app.extensions["uitkijk"].db.session() as session:
        stored = session.get(Inquiry, inquiry["id"])
        assert stored.created_by is None and stored.created_by_token_id is not None
        verbs = [e.verb for e in session.scalars(select(AuditEvent).where(AuditEvent.actor == f"token:{name}",
                                                                           AuditEvent.subject_type == "inquiry"))]
    assert verbs == ["inquiry-sent", "replies-viewed", "photo-viewed", "reply-marked", "replies-exported",
                     "inquiry-update"]


def test_a_municipalitys_system_sends_information_to_its_own_and_sees_only_its_own(app, client, people, relay, work):
    _, weesp = token(app, municipality="0457")
    _, police = token(app)
    information = {"subject": "Zakkenrollers in het centrum", "body": "Let op uw tas.",
                   "area": {"type": "municipality", "code": "0457"}}
    assert client.post("/api/inquiries", json={**information, "kind": "inquiry"},
                       headers=weesp).json["field"] == "kind"
    elsewhere = client.post("/api/inquiries", json={**information, "area": {"type": "municipality", "code": "0363"}},
                            headers=weesp)
    assert elsewhere.status_code == 400 and elsewhere.json["field"] == "area.code"
    sent = client.post("/api/inquiries", json=information, headers=weesp)
    assert sent.status_code == 201 and (sent.json["kind"], sent.json["recipients"]) == ("information", 3)
    assert sent.json["sender"]["address"] == "info@weesp.example.nl"
    assert client.post("/api/inquiries", json={**information, "kind": "information"},
                       headers=police).json["field"] == "kind"
    police_inquiry = client.post("/api/inquiries", json=INQUIRY, headers=police).json

    assert [i["id"] for i in client.get("/api/inquiries", headers=weesp).json] == [sent.json["id"]]
    assert [i["id"] for i in client.get("/api/inquiries", headers=police).json] == [police_inquiry["id"]]
    for path in (f"/api/inquiries/{sent.json['id']}", f"/api/inquiries/{sent.json['id']}/replies",
                 f"/api/inquiries/{sent.json['id']}/replies.csv"):
        assert client.get(path, headers=police).status_code == 404
    assert client.post(f"/api/inquiries/{police_inquiry['id']}/update", json={"update_text": "x"},
                       headers=weesp).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"area": None}, "area"),
    ({"area": {"type": "square"}}, "area.type"),
    ({"area": {"type": "circle", "lat": 52.3, "lon": 5.04, "colour": "red"}}, "area.colour"),
    ({"area": {"type": "circle", "lat": "52.3", "lon": 5.04}}, "area.lat"),
    ({"area": {"type": "circle", "address": 12}}, "area.address"),
    ({"area": {"type": "circle", "address": "Nergensstraat 99, Nergens"}}, "area.address"),
    ({"area": {"type": "polygon", "geometry": "a square"}}, "area.geometry"),
    ({"area": {"type": "postcode", "postcode": "ABCD"}}, "area.postcode"),
    ({"subject": ""}, "subject"),
    ({"subject": 5}, "subject"),
    ({"body": "x" * 5001}, "body"),
    ({"questions": "Zag u iets?"}, "questions"),
    ({"questions": ["Zag u iets?\nHoorde u iets?"]}, "questions"),
    ({"questions": ["?"] * 6}, "questions"),
    ({"dry_run": "yes"}, "dry_run"),
    ({"photo": "!!not base64!!"}, "photo"),
    ({"photo": base64.b64encode(b"%PDF-1.4").decode()}, "photo"),
    ({"colour": "red"}, "colour"),
])
def test_bad_compose_input_names_the_field_and_writes_nothing(app, client, people, change, field):
    _, police = token(app)
    refused = client.post("/api/inquiries", json={**INQUIRY, **change}, headers=police)
    assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Inquiry)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_mail_needs_the_mail_scope_and_a_known_reply(app, client, people):
    _, other = token(app, scopes=("actions",))
    assert client.post("/api/inquiries", json=INQUIRY, headers=other).status_code == 403
    assert client.get("/api/inquiries", headers=other).status_code == 403
    _, police = token(app)
    inquiry = client.post("/api/inquiries", json=INQUIRY, headers=police).json
    assert client.put(f"/api/inquiries/{inquiry['id']}/replies/999999/helpful", json={"helpful": True},
                      headers=police).status_code == 404
    bad = client.put(f"/api/inquiries/{inquiry['id']}/replies/1/helpful", json={"helpful": "ja"}, headers=police)
    assert bad.status_code == 400 and bad.json["field"] == "helpful"
    assert client.get(f"/api/inquiries/{inquiry['id']}/photos/1", headers=police).status_code == 404
    assert client.post(f"/api/inquiries/{inquiry['id']}/update", json={"update_text": ""},
                       headers=police).json["field"] == "update_text"
