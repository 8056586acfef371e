"""Expanding rings in a real browser: the operator plans them on the launch form, the follow page shows the
ring and when the next one comes, follows a ring the sweeper takes while the page is open, and widens at once."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from core import widening
from core.models import Action, utcnow
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot


def test_operator_plans_rings_and_follows_them(web_server, page):
    rt = web_server.app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        for n, distance in enumerate((100, 500, 1000, 2000)):
            factories.participant(session, f"+3161234561{n}", distance_m=distance)
        operator_id = operators[0].id
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    page.fill("#radius_m", "300")
    page.dispatch_event("#radius_m", "input")
    page.select_option("#kind", "burglary")
    page.fill("#title", "Inbraak Weesp")
    page.fill("#message", "Man, ongeveer 30 jaar, donkere jas, op een rode fiets.")
    page.check("#rings_on")
    page.fill("#rings_radii", "600, 1200")
    page.fill("#rings_every_min", "10")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    action_id = int(page.url.rsplit("/", 1)[1])

    card = page.locator("#rings-card")
    expect(card.locator("#rings-current")).to_have_text("Ring 1 van 3: 300 m")
    expect(card.locator("#rings-next")).to_contain_text("Volgende ring: 600 m om ")
    expect(card.locator("#rings-next")).to_contain_text("als er voor die tijd niemand reageert")
    expect(page.locator("#widen-button")).to_have_text("Nu uitbreiden tot 600 m")
    screenshot(page, "expanding-rings")

    # The sweeper takes the ring while the page is open: the card follows without a reload.
    with rt.db.session() as session:
        session.execute(update(Action).where(Action.id == action_id)
                        .values(widen_next_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert widening.widen_due(rt) == 1
    expect(card.locator("#rings-current")).to_have_text("Ring 2 van 3: 600 m")
    expect(page.locator("#widen-button")).to_have_text("Nu uitbreiden tot 1.200 m")

    page.click("#widen-button")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    expect(page.locator(".flash-info", has_text="Uitgebreid tot")).to_contain_text("Uitgebreid tot 1.200 m")
    expect(card.locator("#rings-current")).to_have_text("Ring 3 van 3: 1.200 m")
    expect(card.locator("#rings-next")).to_have_text("Dit is de laatste ring.")
    expect(page.locator("#widen-form")).to_be_hidden()
    with rt.db.session() as session:
        assert session.scalar(select(Action.area).where(Action.id == action_id))["radius_m"] == 1200
