"""An operator draws a polygon on the launch map and launches: only the people inside are alerted."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.models import Action, Delivery
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import draw_box_around_marker, screenshot


def test_draw_a_polygon_and_launch(web_server, page):
    """Clicking four corners around the people east of the centre counts them live; the launch uses the polygon."""
    with web_server.app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        near = factories.participant(session, "+31612345601", distance_m=100).id
        factories.participant(session, "+31612345602", distance_m=-600)  # west of the centre: outside
        operator_id = operators[0].id
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/new")
    expect(page.locator("#count-participants")).to_have_text("2")
    page.select_option("#area_type", "polygon")
    expect(page.locator("#polygon-fields")).to_be_visible()

    # A box from just west of the centre to 400 m east, drawn in map pixels around the marker.
    draw_box_around_marker(page, 50, 400, 150)
    expect(page.locator("#vertex-count")).to_have_text("4")
    expect(page.locator("#count-participants")).to_have_text("1")
    assert page.input_value("#lon") == f"{factories.CENTRE[1]:.6f}"  # clicks drew corners, the centre stayed

    page.select_option("#kind", "missing_person")
    page.fill("#title", "Vermiste man Weesp")
    page.fill("#message", "Man van 80, grijze jas, wandelstok, in de war.")
    screenshot(page, "operator-launch-polygon")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/actions/\d+$"))
    with web_server.app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.area["type"] == "polygon" and len(action.area["polygons"][0][0]) == 5
        assert session.scalars(select(Delivery.participant_id)).all() == [near]
