"""Neighbourhood mail in Chromium: the police compose and send, a participant opens the link from the mail
received by the test SMTP server, replies with a photo, and the police see it on the inquiry's page."""
import io

import pytest
from playwright.sync_api import expect
from PIL import Image

from lab.smtp_server import LabRelay
from tests.browser.conftest import serve
from tests.browser.support import draw_box_around_marker, screenshot, sign_in
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, parsed, police_sender, reply_link


@pytest.fixture
def relay():
    with LabRelay() as server:
        yield server


@pytest.fixture
def mail_server(config, relay, tmp_path):
    """The web server, sending mail through the test relay."""
    yield from serve({**config, **relay.config(), "MAIL_RATE_PER_S": 100.0, "MAIL_PHOTO_DIR": str(tmp_path / "photos")})


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_reply_from_the_mail_with_a_photo_reaches_the_police_page(mail_server, page, relay, work, chromium):
    """Compose with preview, send, open the mailed link, reply with a photo, see it on the sender's page."""
    rt = mail_server.app.extensions["uitkijk"]
    rt.config["MAIL_LINK_BASE_URL"] = mail_server.url  # the links in the mails point at this server
    with rt.db.session() as session:
        mail_participant(session, 1, 0)
        mail_participant(session, 2, 30)
        police_sender(session)
    sign_in(page, mail_server, "police", "wijkagent@example.org")
    page.goto(f"{mail_server.url}/mail/inquiries/new")
    for field in ("subject", "address", "radius_m"):
        page.fill(f"#{field}", CIRCLE_FORM[field])
    page.fill("#body", CIRCLE_FORM["body"])
    page.fill("#questions", CIRCLE_FORM["questions"])
    page.click("#preview-button")
    assert page.inner_text("#preview-count") == "2"
    page.click("#send-button")
    page.wait_for_url(lambda url: "/mail/inquiries/" in url and not url.endswith("/new"))
    inquiry_page = page.url
    work()
    link = reply_link(parsed(relay.wait_for(2)[0]))
    assert link.startswith(mail_server.url)

    participant = chromium.new_context().new_page()
    participant.goto(link)
    participant.fill("#story", "Ik zag een man met een rode fiets wegrijden.")
    participant.fill("#when", "vannacht rond 3 uur")
    participant.set_input_files("#photos", files=[{"name": "fiets.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    participant.click("#send-reply")
    participant.wait_for_selector("#reply-done")
    screenshot(participant, "mail-reply-sent")
    participant.context.close()

    page.goto(inquiry_page)
    assert "Ik zag een man met een rode fiets wegrijden." in page.inner_text(".reply-story")
    page.wait_for_function("document.querySelector('img.reply-photo') && document.querySelector('img.reply-photo').naturalWidth > 0")
    screenshot(page, "mail-inquiry-replies")


def test_drawn_polygon_area_for_an_inquiry(mail_server, page, relay, work):
    """The police draw a box around the first two houses on the compose map: the preview counts them, the
    polygon survives the preview, and only they receive the inquiry through the test relay."""
    rt = mail_server.app.extensions["uitkijk"]
    with rt.db.session() as session:
        mail_participant(session, 1, 0)
        mail_participant(session, 2, 40)
        mail_participant(session, 3, 500)  # east, outside the drawn box
        police_sender(session)
    sign_in(page, mail_server, "police", "wijkagent@example.org")
    page.goto(f"{mail_server.url}/mail/inquiries/new")
    expect(page.locator("#area-polygon")).to_be_hidden()
    page.select_option("#area_type", "polygon")
    expect(page.locator("#map")).to_be_visible()

    draw_box_around_marker(page, 30, 150, 60)
    expect(page.locator("#vertex-count")).to_have_text("4")
    page.fill("#subject", CIRCLE_FORM["subject"])
    page.fill("#body", CIRCLE_FORM["body"])
    page.fill("#questions", CIRCLE_FORM["questions"])
    page.click("#preview-button")
    expect(page.locator("#preview-count")).to_have_text("2")
    expect(page.locator("#vertex-count")).to_have_text("4")  # drawn again after the preview
    screenshot(page, "mail-compose-polygon")
    page.click("#send-button")
    page.wait_for_url(lambda url: "/mail/inquiries/" in url and not url.endswith("/new"))
    work()
    received = relay.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in received) == ["p1@example.nl", "p2@example.nl"]
    expect(page.locator("body")).to_contain_text("getekend gebied (4 hoeken)")  # the inquiry page names the area
