"""The operator widens a public AMBER alert's area on the follow page; a visitor's public page shows the
new area, in Dutch and in English, without the Dutch description in the English page."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.models import Action, Delivery, OutboxMessage
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import draw_box_around_marker, screenshot


def _public_amber(server):
    """A public AMBER alert over a 500 m circle named Weesp; returns (operator id, action id)."""
    server.app.config["PUBLIC_BASE_URL"] = server.url
    rt = server.app.extensions["uitkijk"]
    rt.config["PUBLIC_BASE_URL"] = server.url
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        factories.participant(session, "+31612345602", distance_m=2000)
        body = factories.launch_body(room, operators[0], 500, kind="amber_alert", title="Sanne (8) vermist",
                                     message="Meisje van 8, roze jas.", area_name="Weesp")
        action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "user:operator")
        return operators[0].id, action.id


def test_operator_widens_the_area_and_the_public_page_follows(web_server, page, chromium):
    operator_id, action_id = _public_amber(web_server)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/{action_id}")
    public_url = page.locator("#public-page-link").get_attribute("href")
    page.fill("#area-radius", "3000")
    page.fill("#area-name", "Muiden")
    page.click("#area-button")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    expect(page.locator(".flash-info")).to_contain_text("Gebied gewijzigd")
    expect(page.locator(".flash-info")).to_contain_text("Update")
    screenshot(page, "area-changed")

    visitor = chromium.new_context(viewport={"width": 420, "height": 900}, locale="nl-NL")
    public = visitor.new_page()
    public.goto(public_url)
    expect(public.locator("body")).to_contain_text("Muiden en omgeving (3 km)")
    public.goto(f"{public_url}?lang=en")
    expect(public.locator("body")).to_contain_text("Muiden and surroundings (3 km)")
    expect(public.locator("body")).not_to_contain_text("roze jas")
    expect(public.locator("body")).to_contain_text("in Dutch only")
    visitor.close()

    # The browser's own check stops a word in a number field; the server must refuse it too.
    page.evaluate("document.getElementById('area-radius').type = 'text'")
    page.fill("#area-radius", "veel")
    page.click("#area-button")
    expect(page.locator("#area-error")).to_contain_text("radius_m")  # at the form, the input marked and focused
    expect(page.locator("#area-radius")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#area-radius")).to_be_focused()


def test_operator_draws_a_new_area_on_the_follow_page_map(web_server, page, work):
    """The follow page's map draws a polygon as the launch map does: the person it adds (1.5 km east) is
    alerted, the queued alert of the one it leaves out (600 m west) is cancelled."""
    rt = web_server.app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        near = factories.participant(session, "+31612345601", distance_m=100).id
        east = factories.participant(session, "+31612345602", distance_m=1500).id
        west = factories.participant(session, "+31612345603", distance_m=-600).id
        action, _ = ActionService(rt).launch(
            session, parse_launch(factories.launch_body(room, operators[0], 1000), 640, 50_000), "user:operator")
        operator_id, action_id = operators[0].id, action.id
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/{action_id}")
    page.select_option("#area-type", "polygon")
    expect(page.locator("#area-polygon-fields")).to_be_visible()
    area_map = page.locator("#area-map")
    area_map.scroll_into_view_if_needed()
    scale = area_map.locator(".leaflet-control-scale-line")
    before = scale.text_content()
    area_map.locator(".leaflet-control-zoom-out").click()
    expect(scale).not_to_have_text(before)  # the scale follows at the zoom's end: clicks measure in its pixels

    # A box from just west of the centre to 1.8 km east, drawn in map pixels around the marker.
    draw_box_around_marker(page, 50, 1800, 150, on_map=area_map)
    expect(page.locator("#area-vertex-count")).to_have_text("4")
    screenshot(page, "follow-draw-polygon")
    page.click("#area-button")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    expect(page.locator(".flash-info")).to_contain_text("Gebied gewijzigd")
    expect(page.locator(".flash-info")).to_contain_text("1 nog niet verstuurde alarmering buiten het gebied is geannuleerd")
    with rt.db.session() as session:
        changed = session.get(Action, action_id)
        assert changed.area["type"] == "polygon" and len(changed.area["polygons"][0][0]) == 5
        states = {d.participant_id: (d.state, d.error) for d in session.scalars(
            select(Delivery).where(Delivery.action_id == action_id, Delivery.purpose == "alert"))}
    assert states[west] == ("cancelled", "outside changed area")
    assert states[near][0] != "cancelled" and states[east][0] != "cancelled"  # the one it adds has its alert
    work()  # a real RQ worker sends what is queued through the console transport
    with rt.db.session() as session:
        received = sorted(session.scalars(select(OutboxMessage.to_e164)))
    assert received == ["+31612345601", "+31612345602"]  # not the one west, outside the drawn area
    # The page opens again on the drawn polygon, ready to be edited further.
    expect(page.locator("#area-type")).to_have_value("polygon")
    expect(page.locator("#area-vertex-count")).to_have_text("4")
