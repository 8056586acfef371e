"""The operator widens a public AMBER alert's area on the follow page; a visitor's public page shows the
new area, in Dutch and in English, without the Dutch description in the English page."""
import re

from playwright.sync_api import expect

from core.actions import ActionService, parse_launch
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot


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

    visitor = chromium.new_context(viewport={"width": 420, "height": 900})
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
    expect(page.locator(".flash-error")).to_contain_text("radius_m")
