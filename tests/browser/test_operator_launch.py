"""An operator launches an action on the map in a real browser."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.geo import distance_m
from core.models import Action
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot


def _people(app):
    """Participants 100 m (SMS), 400 m (voice) and 1600 m (SMS) east of the map's default centre."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        factories.participant(session, "+31201234501", distance_m=400)
        factories.participant(session, "+31612345602", distance_m=1600)
        return operators[0].id


def test_launch_on_the_map(web_server, page):
    """Dragging the centre and changing the radius update the live count; the launch opens the follow page."""
    operator_id = _people(web_server.app)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    expect(page.locator("#count-participants")).to_have_text("2")
    expect(page.locator("#count-sms")).to_have_text("1")
    expect(page.locator("#count-voice")).to_have_text("1")
    expect(page.locator(".leaflet-interactive").first).to_be_visible()  # circle and points draw without tiles

    # Drag the centre east by 0.7 radius: the participant 1600 m east comes inside.
    circle = page.locator("path.leaflet-interactive").first.bounding_box()
    radius_px = circle["width"] / 2
    marker = page.locator(".leaflet-marker-icon").bounding_box()
    x, y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + 0.07 * radius_px * step, y)
    page.mouse.up()
    expect(page.locator("#count-participants")).to_have_text("3")
    expect(page.locator("#count-sms")).to_have_text("2")
    assert float(page.input_value("#lon")) > factories.CENTRE[1]

    page.fill("#radius_m", "450")
    page.dispatch_event("#radius_m", "input")
    centre = (float(page.input_value("#lat")), float(page.input_value("#lon")))
    inside = sum(distance_m(*centre, *factories.point_east(d)) <= 450 for d in (100, 400, 1600))
    expect(page.locator("#count-participants")).to_have_text(str(inside))
    page.fill("#radius_m", "1000")
    page.dispatch_event("#radius_m", "input")
    expect(page.locator("#count-participants")).to_have_text("3")

    page.select_option("#kind", "burglary")
    page.fill("#title", "Inbraak Weesp")
    page.fill("#message", "Man, ongeveer 30 jaar, donkere jas, op een rode fiets richting het station.")
    expect(page.locator("#sms-preview")).to_contain_text("1 segment")
    expect(page.locator("#sms-preview")).to_contain_text("code 0000")
    screenshot(page, "operator-launch")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    expect(page.locator("h1")).to_contain_text("Inbraak Weesp")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.launched_by == "user:operator@example.org"
        assert action.area["lon"] > factories.CENTRE[1] and action.area["radius_m"] == 1000
