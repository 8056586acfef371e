"""Leaving erases the person everywhere (and reading their replies is audited): every table of the database is searched for their number, name
and e-mail address afterwards, and the recordings and photo directories for their files.

The participant first leaves traces through the real paths: an alert by SMS and its outbox copy, a reply
with a photo to neighbourhood mail, a call to the free number with a recorded tip, an SMS tip, a mail
confirmation. A neighbour who stays keeps everything.
"""
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import JSON, MetaData, String, Text, cast, func, or_, select

from core.call_records import InboundCallLog
from core.models import AuditEvent, Delivery, Inquiry, Participant
from core.signup import make_link_token
from core.sms_replies import handle_reply
from lab import factories
from tests.integration.web_helpers import csrf_token, post, sign_in, web_app
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, parsed, police_sender, reply_link, staff

NUMBER, DIGITS = "+31612340001", "612340001"  # the digits match national and international writing
NAME, ADDRESS = "Johanna Verbeek", "p1@example.nl"
NEIGHBOUR = "+31612340002"


@pytest.fixture
def app(mail_config, tmp_path):
    yield from web_app({**mail_config, "RECORDINGS_DIR": str(tmp_path / "recordings")})


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def leave_traces(app, client, relay, work, auth):
    """Everything a participant and a neighbour leave behind; returns (participant id, action id, outbox size)."""
    db = app.extensions["uitkijk"].db
    with db.session() as session:
        person = mail_participant(session, 1, 0)
        person.name = NAME
        mail_participant(session, 2, 40).name = "Buurman Jansen"
        police_sender(session)
        staff(session, "police", "wijkagent@example.org")
        room, operators = factories.control_room(session)
        person_id, body = person.id, factories.launch_body(room, operators[0], 1000)
    # Neighbourhood mail, answered with a story, their number for contact and a photo.
    token = sign_in(client, "wijkagent@example.org")
    assert post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "send"}).status_code == 302
    work()
    mine = next(m for m in relay.wait_for(2) if list(m.rcpt_tos) == [ADDRESS])
    path = reply_link(parsed(mine)).replace("http://127.0.0.1:5000", "")
    public = app.test_client()
    answer = public.post(path, data={"csrf_token": csrf_token(public, path), "story": f"Ik, {NAME}, zag een fiets.",
                                     "may_contact": "1", "contact_number": "06" + DIGITS[1:],
                                     "photos": (io.BytesIO(_jpeg()), "fiets.jpg")}, content_type="multipart/form-data")
    assert answer.status_code == 200
    # An alert by SMS (console transport: the outbox keeps a copy), then tips by phone and by SMS.
    action = client.post("/api/actions", json=body, headers=auth).get_json()
    work()
    recordings = Path(app.config["RECORDINGS_DIR"])
    recordings.mkdir(parents=True, exist_ok=True)
    (recordings / "tip-call-1.wav").write_bytes(b"RIFF her voice")
    (recordings / "tip-call-2.wav").write_bytes(b"RIFF the neighbour's voice")
    calls = InboundCallLog(db)
    calls.save_tip("call-1", "asterisk", NUMBER, action["id"], "tip-call-1.wav", 4.0)
    calls.save_tip("call-2", "asterisk", NEIGHBOUR, action["id"], "tip-call-2.wav", 4.0)
    with db.session() as session:
        handle_reply(session, NUMBER, f"Hier {NAME}: de fiets staat bij de kerk", "SM-tip-1")
    return person_id, action


def text_columns(metadata):
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text, JSON)):
                yield table, column


def rows_naming(engine, needles, participant_id=None):
    """Every (table, column, value) in the whole database that contains one of `needles`, and every
    participant_id column's count of rows that point at `participant_id`."""
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    with engine.connect() as conn:
        for table, column in text_columns(metadata):
            as_text = cast(column, Text)
            hits = conn.execute(select(as_text).where(or_(*(as_text.contains(n) for n in needles)))).scalars().all()
            found += [(table.name, column.name, value) for value in hits]
        for table in metadata.sorted_tables:
            if participant_id is not None and "participant_id" in table.columns:
                count = conn.scalar(select(func.count()).select_from(table)
                                    .where(table.columns["participant_id"] == participant_id))
                if count:
                    found.append((table.name, "participant_id", count))
    return found


def test_leaving_erases_the_person_from_every_table_and_file(app, relay, work, auth):
    client = app.test_client()
    person_id, action = leave_traces(app, client, relay, work, auth)
    db = app.extensions["uitkijk"].db
    needles = [DIGITS, NAME, ADDRESS, "Verbeek"]
    assert {t for t, _c, _v in rows_naming(db.engine, needles)} >= {
        "participants", "phone_numbers", "deliveries", "outbox", "inbound_calls", "tips", "inquiry_replies"}
    photos = list(Path(app.config["MAIL_PHOTO_DIR"]).iterdir())
    assert photos
    with db.session() as session:
        deliveries = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.action_id == action["id"]))

    manage = f"/my/{make_link_token(app.config['SECRET_KEY'].encode(), person_id, 'manage')}"
    public = app.test_client()
    # Before leaving, their export shows each of these traces: what leaving removes is what they can see.
    export = public.get(manage + "/data.json").get_json()
    assert {d["channel"] for d in export["deliveries"]} == {"sms", "email"}
    assert sorted(t["source"] for t in export["tips"]) == ["sms", "voice"]
    assert [t["recording_kept"] for t in export["tips"] if t["source"] == "voice"] == [True]
    assert [c["from"] for c in export["calls"]] == [NUMBER]
    assert [r["contact_number"] for r in export["inquiry_replies"]] == [NUMBER]
    assert any(m["to"] == NUMBER and m["channel"] == "sms" for m in export["messages"])
    assert export["mail"]["confirmed_address"] == ADDRESS
    left = public.post(manage + "/leave", data={"csrf_token": csrf_token(public, manage), "confirm_leave": "on"})
    assert left.status_code == 200

    assert rows_naming(db.engine, needles, person_id) == []
    assert sorted(p.name for p in Path(app.config["RECORDINGS_DIR"]).iterdir()) == ["tip-call-2.wav"]
    assert list(Path(app.config["MAIL_PHOTO_DIR"]).iterdir()) == []
    with db.session() as session:
        # The action's figures still count every alert; the neighbour is untouched.
        assert session.scalar(select(func.count()).select_from(Delivery)
                              .where(Delivery.action_id == action["id"])) == deliveries
        neighbour = session.scalar(select(Participant).where(Participant.name == "Buurman Jansen"))
        assert [n.e164 for n in neighbour.numbers] == [NEIGHBOUR]
    assert rows_naming(db.engine, [NEIGHBOUR[3:]])  # the neighbour's traces are all still there
    # Their links die with them.
    assert public.get(manage).status_code == 410
    mail_path = re.sub(r"^http://[^/]+", "", reply_link(parsed(next(m for m in relay.received if list(m.rcpt_tos) == [ADDRESS]))))
    assert public.get(mail_path).status_code in (404, 410)


def test_reading_replies_is_audited(app, relay, work, auth):
    """The inquiry page with the replies, their CSV export and a reply photo: each read leaves who, what, when."""
    client = app.test_client()
    leave_traces(app, client, relay, work, auth)
    with app.extensions["uitkijk"].db.session() as session:
        inquiry_id = session.scalar(select(Inquiry.id))
    shown = client.get(f"/mail/inquiries/{inquiry_id}").get_data(as_text=True)
    assert client.get(f"/mail/inquiries/{inquiry_id}/export.csv").status_code == 200
    photo = re.search(r'src="(/mail/inquiries/\d+/photos/(\d+))"', shown)
    assert client.get(photo.group(1)).status_code == 200
    with app.extensions["uitkijk"].db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "inquiry").order_by(AuditEvent.id))
        reads = [(e.actor, e.verb, e.subject_id, e.detail, e.at is not None) for e in events if e.verb != "inquiry-sent"]
    actor = "user:wijkagent@example.org"
    assert reads == [(actor, "replies-viewed", str(inquiry_id), {"replies": 1}, True),
                     (actor, "replies-exported", str(inquiry_id), None, True),
                     (actor, "photo-viewed", str(inquiry_id), {"photo": int(photo.group(2))}, True)]
