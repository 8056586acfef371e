"""Addresses instead of coordinates, in a real browser: a resident signs up with postcode and house
number and is placed at that address; an operator launches around an address. On the way, axe-core
checks every public page (sign-up with and without an error, confirmation, self-service, the mail
reply form, the public action page) for serious WCAG 2.1 AA violations."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.address_import import import_address_text
from core.demo import sample_address_csv
from core.geo import distance_m
from core.mail_links import MailLinks
from core.models import Action, Address, Delivery, Participant
from core.tokens import SCOPES, create_token
from lab import factories
from tests.browser.accessibility import assert_accessible
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.browser.test_signup_browser import code_sent_to
from tests.integration.web_helpers import post, sign_in
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, police_sender, staff
from tests.publish_support import launch_approved


def _addresses(app):
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())


def _address(app, postcode, number, letter="", addition=""):
    with app.extensions["uitkijk"].db.session() as session:
        row = session.scalar(select(Address).where(Address.postcode == postcode, Address.house_number == number,
                                                   Address.house_letter == letter, Address.addition == addition))
        return row.lat, row.lon


def test_signup_with_postcode_and_house_number(web_server, page, signup_clock):
    """A wrong postcode is named at its field (focused, described by the message); the right one places
    the resident at the address, with its buurt; every page on the way passes axe-core."""
    _addresses(web_server.app)
    page.goto(f"{web_server.url}/signup")
    assert_accessible(page, "sign-up page")
    page.fill("#phone_1", "06 1234 5678")
    page.fill("#home_postcode", "1381 ZZ")
    page.fill("#home_house_number", "3")
    page.check("#consent")
    page.click("#signup-form button[type=submit]")
    postcode = page.locator("#home_postcode")
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(postcode).to_be_focused()
    described = page.locator("#" + postcode.get_attribute("aria-describedby").split()[-1])
    expect(described).to_contain_text("1381 ZZ is geen postcode die wij kennen")
    assert_accessible(page, "sign-up page with an error")
    screenshot(page, "signup-address-error")

    page.fill("#home_postcode", "1381 bb")
    page.fill("#home_addition", "a")
    page.check("#consent")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/confirm/"))
    assert_accessible(page, "confirmation page")
    right = code_sent_to(web_server.app, "+31612345678")
    page.fill("#code_1", "000001" if right != "000001" else "000002")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator("#code_1")).to_have_attribute("aria-describedby", "code_1-error")
    expect(page.locator("#code_1")).to_be_focused()
    assert_accessible(page, "confirmation page with a wrong code")
    page.fill("#code_1", right)
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/done/"))
    assert_accessible(page, "signed-up page")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        home = session.scalar(select(Participant)).locations[0]
        assert (home.postcode, home.house_number, home.buurt_code) == ("1381BB", "3A", "BU04570000")
        assert home.address.startswith("Nieuwstraat 3A, 1381BB Weesp")
    assert distance_m(home.lat, home.lon, *_address(web_server.app, "1381BB", 3, "A")) < 0.01

    page.click("#manage-link")
    expect(page.locator("#home_postcode")).to_have_value("1381 BB")
    expect(page.locator("#home_addition")).to_have_value("A")
    expect(page.locator("#home-found")).to_contain_text("Nieuwstraat 3A")
    assert_accessible(page, "self-service page")
    screenshot(page, "self-service-address")
    page.fill("#home_postcode", "")
    page.fill("#home_house_number", "")
    page.fill("#home_addition", "")
    page.click("#home-location details.by-street summary")
    page.fill("#home_street", "Oudegracht")
    page.fill("#home_house_number", "12")
    page.fill("#home_city", "weesp")
    page.click("#manage-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    with web_server.app.extensions["uitkijk"].db.session() as session:
        home = session.scalar(select(Participant)).locations[0]
        assert home.address.startswith("Oudegracht 12, 1381") and home.buurt_code == "BU04570001"


def test_link_request_page_ties_its_error_to_the_number(web_server, page):
    """The page that texts a self-service link names a malformed number at its field."""
    page.goto(f"{web_server.url}/signup/link")
    assert_accessible(page, "link request page")
    page.fill("#number", "06 12")
    page.click("form.card button[type=submit]")
    expect(page.locator("#number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#number-error")).to_be_visible()
    expect(page.locator("#number")).to_be_focused()
    assert_accessible(page, "link request page with an error")


def test_signup_from_belgium_with_coordinates_is_still_possible(web_server, page, signup_clock):
    """A border resident without a Dutch postcode gives coordinates in the folded-away part."""
    page.goto(f"{web_server.url}/signup")
    page.fill("#phone_1", "+32 470 12 34 56")
    page.click("#home-location details.by-point summary")
    page.fill("#home_lat", "51,2194")
    page.fill("#home_lon", "4.4025")
    page.check("#consent")
    page.keyboard.press("Tab")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/confirm/"))
    with web_server.app.extensions["uitkijk"].db.session() as session:
        home = session.scalar(select(Participant)).locations[0]
        assert (round(home.lat, 4), round(home.lon, 4), home.postcode) == (51.2194, 4.4025, None)


def test_operator_launches_around_an_address(web_server, page):
    """The operator types "Damrak 1, Amsterdam": the marker moves there, the count follows, and the
    action alerts the resident next door and not the one 600 m away."""
    _addresses(web_server.app)
    damrak = _address(web_server.app, "1012LG", 1)
    with web_server.app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        near = factories.participant(session, "+31612345601", distance_m=80, origin=damrak)
        far = factories.participant(session, "+31612345602", distance_m=600, origin=damrak)
        near_id, far_id, operator_id = near.id, far.id, operators[0].id
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    page.fill("#address", "1012 LG 99")
    page.press("#address", "Enter")
    expect(page.locator("#address-note")).to_contain_text("heeft geen huisnummer 99")
    expect(page.locator("#address")).to_have_attribute("aria-invalid", "true")
    page.fill("#address", "Damrak 1, Amsterdam")
    page.click("#address-find")
    expect(page.locator("#address-note")).to_contain_text("Damrak 1, 1012LG Amsterdam")
    page.fill("#radius_m", "300")
    page.dispatch_event("#radius_m", "input")
    expect(page.locator("#count-participants")).to_have_text("1")
    assert distance_m(float(page.input_value("#lat")), float(page.input_value("#lon")), *damrak) < 0.5
    page.select_option("#kind", "robbery")
    page.fill("#title", "Overval Damrak")
    page.fill("#message", "Twee mannen op een zwarte scooter richting het Centraal Station.")
    screenshot(page, "launch-at-address")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    with web_server.app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.area["address"] == "Damrak 1, 1012LG Amsterdam" and action.area["radius_m"] == 300
        assert distance_m(action.area["lat"], action.area["lon"], *damrak) < 0.01
        alerted = set(session.scalars(select(Delivery.participant_id).where(Delivery.action_id == action.id)))
    assert near_id in alerted and far_id not in alerted


def test_mail_reply_form_and_public_action_page_are_accessible(web_server, page, work):
    """The reply form a participant opens from a neighbourhood mail, and a public AMBER page, pass axe-core."""
    app = web_server.app
    rt = app.extensions["uitkijk"]
    rt.config["MAIL_LINK_BASE_URL"] = web_server.url
    rt.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"] = web_server.url
    with rt.db.session() as session:
        mail_participant(session, 1, 0)
        police_sender(session)
        staff(session, "police", "wijkagent@example.org")
        room, operators = factories.control_room(session)
        token = create_token(session, "a11y", SCOPES, "test")
    client = app.test_client()
    csrf = sign_in(client, "wijkagent@example.org")
    assert post(client, "/mail/inquiries/new", csrf, {**CIRCLE_FORM, "step": "send"}).status_code == 302
    work()
    with rt.db.session() as session:
        delivery_id = session.scalar(select(Delivery.id).where(Delivery.inquiry_id.is_not(None)))
    page.goto(MailLinks(rt.config).reply_url(delivery_id))
    expect(page.locator("#story")).to_be_visible()
    assert_accessible(page, "mail reply form")
    page.click("#send-reply")  # nothing typed: the error is shown and tied to its field
    assert_accessible(page, "mail reply form after sending")

    launched = launch_approved(client, headers={"Authorization": f"Bearer {token}"}, json={
        "kind": "amber_alert", "title": "Sanne (8) vermist", "message": "Meisje van 8, roze jas.",
        "area": {"type": "country"}, "operator_id": operators[0].id, "control_room_id": room.id})
    assert launched.status_code == 201, launched.json
    page.goto(launched.json["publication"]["page_url"])
    expect(page.locator("h1")).to_contain_text("Sanne (8) vermist")
    assert_accessible(page, "public action page")


def test_signup_by_keyboard_alone(web_server, page, signup_clock):
    """The first Tab reaches "skip to the content"; the fields then come in reading order, the folded-away
    parts open with Enter, and the form is sent with the keyboard."""
    _addresses(web_server.app)
    page.goto(f"{web_server.url}/signup")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    wanted = ["phone_1", "channel_1", "phone_2", "email", "home_postcode", "home_house_number", "home_addition",
              "work_postcode", "language", "quiet_start", "consent"]
    positions = [order.index(field) for field in wanted]
    assert positions == sorted(positions), order
    page.focus("#home-location details.by-street summary")
    page.keyboard.press("Enter")
    expect(page.locator("#home_street")).to_be_visible()
    page.focus("#phone_1")
    page.keyboard.type("0612345678")
    page.focus("#home_street")
    page.keyboard.type("Herengracht")
    page.keyboard.press("Tab")
    page.keyboard.type("Weesp")
    page.focus("#home_house_number")
    page.keyboard.type("9")
    page.focus("#consent")
    page.keyboard.press("Space")
    page.focus("#signup-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/signup/confirm/"))
    with web_server.app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Participant)).locations[0].address.startswith("Herengracht 9, 1382")
