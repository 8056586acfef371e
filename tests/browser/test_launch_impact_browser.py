"""An operator sees the impact of a launch before sending it, in a real browser."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.models import Action, Delivery
from lab import factories
from tests.browser.conftest import serve
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot


@pytest.fixture
def impact_server(config):
    yield from serve({**config, "LAUNCH_LARGE_PARTICIPANTS": 2})


def test_impact_preview_on_the_launch_page(impact_server, page):
    """Per channel who is reached and who is in their quiet hours, the SMS cost and the duration; a launch over
    the large threshold and a radius far above the usual are flagged. Nothing is launched by looking."""
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    quiet = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    with impact_server.app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100, quiet_hours=quiet)
        factories.participant(session, "+31201234501", distance_m=400)
        factories.participant(session, "+31612345602", distance_m=800)
        factories.participant(session, "+31612345603", distance_m=20000)
        operator_id = operators[0].id
    sign_in_as(page, impact_server, "operator", operator_id=operator_id)
    page.goto(f"{impact_server.url}/actions/new")
    page.select_option("#kind", "burglary")
    page.select_option("#urgency", "normal")
    page.fill("#title", "Inbraak Weesp")
    page.fill("#message", "Man, ongeveer 30 jaar, donkere jas, op een rode fiets richting het station.")
    page.click("#impact-button")
    expect(page.locator("#impact-state")).to_have_text("3 deelnemers.")
    expect(page.locator('[data-impact="sms-reached"]')).to_have_text("2")
    expect(page.locator('[data-impact="voice-reached"]')).to_have_text("1")
    expect(page.locator('[data-impact="email-reached"]')).to_have_text("0")
    expect(page.locator('[data-impact="sms-in_quiet_hours"]')).to_have_text("1")
    expect(page.locator("#impact-quiet")).to_contain_text("Niet urgent")
    expect(page.locator("#impact-sms")).to_contain_text("2 berichten, hooguit € 0,14")
    expect(page.locator("#impact-duration")).to_contain_text("30 kanalen")
    expect(page.locator('[data-flag="large"]')).to_contain_text("3 deelnemers, meer dan 2")
    expect(page.locator('[data-flag="unusual_radius"]')).to_have_count(0)
    screenshot(page, "launch-impact")

    page.fill("#radius_m", "25000")
    page.dispatch_event("#radius_m", "input")
    expect(page.locator('[data-flag="unusual_radius"]')).to_contain_text("25000 m, meer dan 3 keer de gebruikelijke 1000 m")
    expect(page.locator("#impact-state")).to_have_text("4 deelnemers.")
    with impact_server.app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
