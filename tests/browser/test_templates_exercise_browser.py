"""An operator launches from a message template, and launches an exercise, in a real browser."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.demo import ensure_templates
from core.models import Action, Delivery, MessageTemplate
from lab import factories
from tests.browser.accessibility import assert_accessible
from tests.browser.fixtures_operator import sign_in_as


def _people(app):
    """A real participant 100 m east of the map's centre and a test one 300 m east; the demo's templates."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        test_id = factories.participant(session, "+31612345602", distance_m=300, test=True).id
        ensure_templates(session)
        return operators[0].id, test_id


def test_launch_from_a_template(web_server, page):
    """Choosing a template fills kind, title and message; a placeholder left in is refused at launch, filled
    in it goes out."""
    operator_id, _ = _people(web_server.app)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    page.select_option("#template", label="Inbraak · Inbraak: gezochte persoon")
    page.click("#template-use")
    expect(page.locator("#title")).to_have_value("Inbraak {plaats}")
    expect(page.locator("#message")).to_have_value(re.compile(r"^Gezocht: \{omschrijving\}\."))
    expect(page.locator("#kind")).to_have_value("burglary")
    expect(page.locator("#template-hint")).to_be_visible()
    assert_accessible(page, "launch page started from a template")
    page.click("#launch-button")
    expect(page.locator(".flash-error")).to_contain_text("{plaats}")
    page.fill("#title", "Inbraak Weesp")
    page.fill("#message", "Gezocht: man met rode pet. Na een inbraak in Weesp gevlucht richting station, rond 14.30 uur.")
    expect(page.locator("#sms-preview")).to_contain_text("Uitkijk: Gezocht: man met rode pet.")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    expect(page.locator("h1")).to_contain_text("Inbraak Weesp")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Action.message)).startswith("Gezocht: man met rode pet.")
        assert session.scalar(select(MessageTemplate.id).limit(1)) is not None


def test_launch_an_exercise(web_server, page):
    """The exercise checkbox: the SMS preview and the impact say OEFENING and count the test participant
    alone; the follow page is marked and its reach report lists the one number tried."""
    operator_id, test_id = _people(web_server.app)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    page.select_option("#kind", "burglary")
    page.fill("#title", "Oefening Weesp")
    page.fill("#message", "Man, ongeveer 30 jaar, donkere jas, op een rode fiets.")
    page.check("#exercise")
    expect(page.locator("#sms-preview")).to_contain_text("OEFENING - Uitkijk: Man, ongeveer 30 jaar")
    page.click("#impact-button")
    expect(page.locator('[data-flag="exercise"]')).to_contain_text("OEFENING")
    expect(page.locator('[data-impact="sms-reached"]')).to_have_text("1")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    expect(page.locator("#exercise-badge")).to_have_text("OEFENING")
    page.click("#report-link")
    expect(page.locator("h1")).to_contain_text("Bereiksrapport")
    expect(page.locator("#report-rows tbody tr")).to_have_count(1)
    expect(page.locator("#report-rows")).to_contain_text("+31******602")
    assert_accessible(page, "reach report")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.exercise is True
        assert [d.participant_id for d in session.scalars(select(Delivery))] == [test_id]


def test_an_admin_writes_a_template_and_sees_it_as_participants_get_it(web_server, page):
    """The template page: an unknown placeholder is refused at the form, a saved template shows its SMS,
    spoken alert (a player) and mail."""
    _people(web_server.app)
    sign_in_as(page, web_server, "admin")
    page.goto(f"{web_server.url}/config/templates/")
    page.fill("#name", "Overval: voertuig")
    page.select_option("#kind", "robbery")
    page.fill("#title", "Overval {plaats}")
    page.fill("#message", "Gezocht: {auto}, kenteken {kenteken}.")
    page.click("#template-form button[type=submit]")
    expect(page.locator("#template-error")).to_contain_text("{auto}")
    expect(page.locator("#message")).to_have_attribute("aria-invalid", "true")
    page.fill("#message", "Gezocht: {voertuig}, kenteken {kenteken}.")
    page.click("#template-form button[type=submit]")
    expect(page.locator("#template-previews")).to_contain_text("Uitkijk: Gezocht: grijze Volkswagen Golf, kenteken XX-123-X.")
    expect(page.locator("#spoken-audio")).to_be_visible()
    expect(page.locator("#mail-subject")).to_contain_text("Uitkijk: oproep van de politie")
    assert_accessible(page, "message template page")
