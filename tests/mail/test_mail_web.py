"""Neighbourhood mail through the web: a police user composes, participants get it by SMTP and reply with a photo."""
import csv
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.models import Delivery, Inquiry, InquiryReply, ReplyPhoto
from core.tokens import create_token
from tests.integration.web_helpers import csrf_token, post, sign_in, web_app
from tests.mail.mail_support import (CIRCLE_FORM, mail_participant, municipality, municipality_sender, parsed,
                                     police_sender, reply_link, staff)


@pytest.fixture
def app(mail_config):
    yield from web_app(mail_config)


def _jpeg_with_exif():
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0131] = "Phone 12.3"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _setup(app):
    with app.extensions["uitkijk"].db.session() as session:
        for n, distance in ((1, 0), (2, 40), (3, 500)):
            mail_participant(session, n, distance)
        police_sender(session)
        staff(session, "police", "wijkagent@example.org")
        own = municipality(session, "0457")
        staff(session, "municipality", "gemeente@example.org", own.id)
        municipality(session, "0363", "Amsterdam")


def _send_inquiry(client, token):
    preview = post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview-count">2<' in page
    assert "Zag u iemand op een rode fiets?" in page  # the plain-text preview
    sent = post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "send"})
    assert sent.status_code == 302
    return int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_police_inquiry_reply_with_photo_and_update(app, relay, work):
    """Done-when: inquiry to the streets around an address, SMTP, reply with photo, replies read, update to all."""
    _setup(app)
    client = app.test_client()
    token = sign_in(client, "wijkagent@example.org")
    inquiry_id = _send_inquiry(client, token)
    work()
    mails = relay.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == ["p1@example.nl", "p2@example.nl"]
    link = reply_link(parsed(mails[0]))
    path = link.replace("http://127.0.0.1:5000", "")

    public = app.test_client()
    page = public.get(path)
    assert page.status_code == 200 and CIRCLE_FORM["subject"] in page.get_data(as_text=True)
    answer = public.post(path, data={"csrf_token": csrf_token(public, path), "story": "Man op rode fiets, 03:10.",
                                     "when": "vannacht", "may_contact": "1", "contact_number": "0612345678",
                                     "photos": (io.BytesIO(_jpeg_with_exif()), "fiets.jpg")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and 'id="reply-done"' in answer.get_data(as_text=True)

    shown = client.get(f"/mail/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "Man op rode fiets, 03:10." in shown and "+31612345678" in shown
    photo_url = re.search(r'src="(/mail/inquiries/\d+/photos/\d+)"', shown).group(1)
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert not Image.open(io.BytesIO(photo.data)).getexif()  # metadata stripped
    with app.extensions["uitkijk"].db.session() as session:
        reply_id = session.scalar(select(InquiryReply.id))
    assert post(client, f"/mail/inquiries/{inquiry_id}/replies/{reply_id}/mark", token, {"helpful": "1"}).status_code == 302
    # The staff page in the reader's words: the mails' states, the inquiry's status, the helpful mark.
    shown = client.get(f"/mail/inquiries/{inquiry_id}").get_data(as_text=True)
    assert '<span class="badge" data-state="sent">verstuurd</span> 2' in shown and "<h3>Bericht</h3>" in shown
    assert "★ Nuttig — markering weghalen" in shown and "·\n  open</p>" in shown
    export = client.get(f"/mail/inquiries/{inquiry_id}/export.csv")
    assert export.mimetype == "text/csv" and "Man op rode fiets" in export.get_data(as_text=True)
    # In Dutch by default, the column names and ja/nee too; the API's copy the same bytes in the same language.
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["Reactie", "Ontvangen", "Aangevuld", "Iets gezien", "Wanneer", "Verhaal", "Mag gebeld worden",
                       "Contactnummer", "Foto's", "Nuttig"]
    assert rows[1][3:4] + rows[1][6:] == ["ja", "ja", "+31612345678", "1", "ja"]  # marked helpful
    with app.extensions["uitkijk"].db.session() as session:
        api = {"Authorization": f"Bearer {create_token(session, 'politie', ['mail'], 'test', 30)}"}
    api_csv = f"/api/inquiries/{inquiry_id}/replies.csv"
    assert export.data == client.get(api_csv, headers={**api, "Accept-Language": "nl"}).data
    assert post(client, "/language", token, {"language": "en"}).status_code == 302
    english = client.get(f"/mail/inquiries/{inquiry_id}/export.csv").data
    assert english.startswith(b"Reply,Received,Updated,Noticed something,When,Story,May be called,")
    assert english.endswith(b",yes,+31612345678,1,yes\r\n") and english == client.get(api_csv, headers=api).data
    shown = client.get(f"/mail/inquiries/{inquiry_id}").get_data(as_text=True)
    assert '<span class="badge" data-state="sent">sent</span> 2' in shown and "<h3>Message</h3>" in shown
    assert "★ Helpful — remove the mark" in shown
    assert post(client, "/language", token, {"language": "nl"}).status_code == 302

    update = post(client, f"/mail/inquiries/{inquiry_id}/update", token,
                  {"update_text": "De verdachte is aangehouden. Dank voor uw hulp!", "close": "1"})
    assert update.status_code == 302
    work()
    updates = relay.wait_for(4)[2:]
    assert sorted(m.rcpt_tos[0] for m in updates) == ["p1@example.nl", "p2@example.nl"]
    assert all("De verdachte is aangehouden." in parsed(m).get_body(("plain",)).get_content() for m in updates)

    dash = client.get("/dashboard/").get_data(as_text=True)
    assert "1 buurtonderzoeken verstuurd" in dash and "1 nuttige reacties" in dash

    late = public.post(path, data={"csrf_token": csrf_token(public, path), "story": "Nog iets"})
    assert late.status_code == 409 and 'id="reply-closed"' in late.get_data(as_text=True)


def _mailed_reply_path(app, relay, work):
    """The police user sends the inquiry; the path of the reply link in the first mail the relay received."""
    _setup(app)
    client = app.test_client()
    _send_inquiry(client, sign_in(client, "wijkagent@example.org"))
    work()
    return reply_link(parsed(relay.wait_for(2)[0])).replace("http://127.0.0.1:5000", "")


def test_bad_uploads_and_links_write_nothing(app, relay, work):
    """A non-image or oversized upload, a tampered or expired link: a clear message, no reply row, no file."""
    path = _mailed_reply_path(app, relay, work)
    public = app.test_client()
    token = csrf_token(public, path)
    bad = public.post(path, data={"csrf_token": token, "story": "x", "photos": (io.BytesIO(b"%PDF-1.4 not a photo"), "a.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Foto" in bad.get_data(as_text=True)
    big = public.post(path, data={"csrf_token": token, "story": "x",
                                  "photos": (io.BytesIO(b"\xff\xd8" + b"0" * (app.config["PHOTO_MAX_BYTES"] + 1)), "b.jpg")},
                      content_type="multipart/form-data")
    assert big.status_code in (400, 413)
    assert public.get(path[:-3] + "abc").status_code == 404
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(InquiryReply)) == 0
        assert session.scalar(select(func.count()).select_from(ReplyPhoto)) == 0
    expired = app.test_client().get(path, query_string={})
    assert expired.status_code == 200  # still valid; the expiry itself is tested in test_mail_links


def test_municipality_staff_outside_their_municipality(app, relay):
    """Municipality staff choosing another municipality: 403 naming the area, no inquiry, nothing sent."""
    _setup(app)
    client = app.test_client()
    token = sign_in(client, "gemeente@example.org")
    with app.extensions["uitkijk"].db.session() as session:
        from tests.mail.mail_support import municipality_sender
        municipality_sender(session, municipality(session, "0457").id)
    response = post(client, "/mail/inquiries/new", token, {"kind": "information", "subject": "Zakkenrollers",
                                                           "body": "Let op uw tas.", "area_type": "municipality",
                                                           "municipality": "0363", "step": "send"})
    assert response.status_code == 403 and "area.code" in response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Inquiry)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert relay.messages() == []


def test_one_click_unsubscribe_from_the_header(app, relay, work):
    """POSTing List-Unsubscribe=One-Click to the header's URL stops that kind of mail; no CSRF token needed."""
    _setup(app)
    client = app.test_client()
    _send_inquiry(client, sign_in(client, "wijkagent@example.org"))
    work()
    msg = parsed(relay.wait_for(2)[0])
    url = msg["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:5000", "")
    response = app.test_client().post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.extensions["uitkijk"].db.session() as session:
        from core.models import MailPreference
        assert session.scalar(select(func.count()).select_from(MailPreference).where(
            MailPreference.inquiries.is_(False))) == 1


def test_dashboard_mail_counts_stay_in_the_municipality(app, relay, work):
    """Attack: Amsterdam's staff ask for Weesp's dashboard. They get Amsterdam's mail counts only: the one
    Amsterdammer the police inquiry reached, not Weesp's two, nor Weesp's information mail and its reply."""
    _setup(app)
    with app.extensions["uitkijk"].db.session() as session:
        mail_participant(session, 4, 20, municipality_code="0363")
        amsterdam = municipality(session, "0363", "Amsterdam")
        staff(session, "municipality", "amsterdam@example.org", amsterdam.id)
        weesp_id = municipality(session, "0457").id
        municipality_sender(session, weesp_id)
    police = app.test_client()
    police_token = sign_in(police, "wijkagent@example.org")
    assert post(police, "/mail/inquiries/new", police_token, {**CIRCLE_FORM, "step": "send"}).status_code == 302
    weesp = app.test_client()
    weesp_token = sign_in(weesp, "gemeente@example.org")
    assert post(weesp, "/mail/inquiries/new", weesp_token, {
        "kind": "information", "subject": "Zakkenrollers", "body": "Let op uw tas.", "area_type": "municipality",
        "municipality": "0457", "step": "send"}).status_code == 302
    work()
    relay.wait_for(3 + 3)  # the inquiry to p1, p2 and p4; the information to p1, p2, p3
    inquiry = next(parsed(m) for m in relay.messages()
                   if list(m.rcpt_tos) == ["p1@example.nl"] and parsed(m)["Subject"] == CIRCLE_FORM["subject"])
    path = reply_link(inquiry).replace("http://127.0.0.1:5000", "")
    public = app.test_client()
    public.post(path, data={"csrf_token": csrf_token(public, path), "story": "Rode fiets"})

    def counts(client, query=""):
        page = client.get(f"/dashboard/{query}").get_data(as_text=True)
        return re.search(r'id="mail-counts">.*?</div>', page, re.S).group(0)

    attacker = app.test_client()
    sign_in(attacker, "amsterdam@example.org")
    seen = counts(attacker, f"?municipality_id={weesp_id}")
    assert "1 buurtonderzoeken verstuurd" in seen and "0 informatieberichten" in seen and "(0 van 1 bereikt)" in seen
    rows = attacker.get(f"/dashboard/export.csv?municipality_id={weesp_id}").get_data(as_text=True)
    assert "buurtmail,buurtonderzoeken bereikt,1\r\n" in rows and "buurtmail,informatieberichten verstuurd,0\r\n" in rows
    own = counts(weesp)
    assert "1 informatieberichten" in own and "(1 van 2 bereikt)" in own
    everything = counts(police)
    assert "(1 van 3 bereikt)" in everything


@pytest.mark.parametrize("polygon, reason", [
    ("", "teken het gebied"),  # the page speaks Dutch; the field stays named area.geometry
    ('{"type": "Polygon", "coordinates": [[[5.04, 52.30], [5.05, 52.30]]]}', "drie punten"),
    ('{"type": "Polygon", "coordinates": [[[4.5, 52.0], [5.5, 52.0], [5.5, 52.6], [4.5, 52.6], [4.5, 52.0]]]}',
     "hoogstens 20 km"),
])
def test_bad_drawn_area_is_refused_and_nothing_sent(app, relay, polygon, reason):
    """No polygon, too few corners, a province-sized one: 400 naming area.geometry, no inquiry, nothing sent."""
    _setup(app)
    client = app.test_client()
    token = sign_in(client, "wijkagent@example.org")
    response = post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "area_type": "polygon", "polygon": polygon,
                                                           "step": "send"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "area.geometry" in page and reason in page
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Inquiry)) == 0
    assert relay.messages() == []


def test_reply_form_shows_the_servers_refusal_at_the_field_in_dutch(app, relay, work):
    """A reply the server refuses (a 'when' over 200 characters, which the browser's maxlength would have
    stopped) comes back with the form: the Dutch reason in the alert, tied to the field it names."""
    path = _mailed_reply_path(app, relay, work)
    public = app.test_client()
    answer = public.post(path, data={"csrf_token": csrf_token(public, path), "story": "Een man op een fiets.",
                                     "when": "x" * 201}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    alert = re.search(r'<p class="flash flash-error" role="alert" id="reply-error">([^<]*)</p>', html)
    assert answer.status_code == 400 and alert and "is langer dan 200 tekens" in alert.group(1)
    field = re.search(r'<input id="when"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="reply-error"' in field
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(InquiryReply)) == 0


def test_the_mail_pages_speak_the_participants_language(app, relay, work):
    """A German and an English participant get the inquiry in their language over SMTP, and the pages behind its
    links (reply form, its refusal tied to the field, the thanks, unsubscribe) speak it too, <html lang> included;
    ?lang= in the link wins; a broken link is answered in Dutch."""
    _setup(app)
    with app.extensions["uitkijk"].db.session() as session:
        from core.models import Participant
        for address, language in (("p1@example.nl", "de"), ("p2@example.nl", "en")):
            session.scalar(select(Participant).where(Participant.email == address)).language = language
    client = app.test_client()
    _send_inquiry(client, sign_in(client, "wijkagent@example.org"))
    work()
    mails = {m.rcpt_tos[0]: parsed(m) for m in relay.wait_for(2)}
    german, english = mails["p1@example.nl"], mails["p2@example.nl"]
    assert german.get_body(("plain",)).get_content().startswith("Liebe Nachbarin, lieber Nachbar,")
    de_path = reply_link(german).replace("http://127.0.0.1:5000", "")
    en_path = reply_link(english).replace("http://127.0.0.1:5000", "")

    public = app.test_client()
    page = public.get(de_path).get_data(as_text=True)
    assert '<html lang="de">' in page and "Was haben Sie gesehen oder gehört?" in page and "Antwort senden" in page
    refused = public.post(de_path, data={"csrf_token": csrf_token(public, de_path), "story": ""},
                          content_type="multipart/form-data")
    alert = re.search(r'id="reply-error">([^<]*)</p>', refused.get_data(as_text=True)).group(1)
    assert refused.status_code == 400
    assert alert == "Bitte prüfen Sie das Feld “Was Sie gesehen oder gehört haben”: erzählen Sie, was Sie gesehen " \
                    "oder gehört haben"
    dutch = public.get(de_path, query_string={"lang": "nl"}).get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Wat zag of hoorde u?" in dutch

    other = app.test_client()
    page = other.get(en_path).get_data(as_text=True)
    assert '<html lang="en">' in page and "What did you see or hear?" in page
    thanks = other.post(en_path, data={"csrf_token": csrf_token(other, en_path), "nothing": "1"})
    assert "Thank you for letting us know." in thanks.get_data(as_text=True)

    unsubscribe = german["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:5000", "")
    asked = app.test_client().get(unsubscribe).get_data(as_text=True)
    assert "Möchten Sie keine Nachbarschaftsumfragen der Polizei mehr per E-Mail erhalten?" in asked
    broken = app.test_client().get(de_path[:-3] + "abc")
    assert broken.status_code == 404 and "Deze link is niet geldig. Gebruik de link uit uw e-mail." in \
        broken.get_data(as_text=True)
