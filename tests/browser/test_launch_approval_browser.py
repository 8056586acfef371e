"""Four eyes in the browser: a national AMBER alert launched on the form waits on its request page with
the impact; the requester is not offered the decision; a colleague finds it among the actions awaiting
approval and rejects it, saying why, and the requester reads the reason. (Approval in the browser:
tests/browser/test_public_alerts_browser.py launches every alert that way.)"""
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from core.models import Action, OutboxMessage
from lab import factories
from tests.browser.fixtures_operator import sign_in_as


def test_a_colleague_rejects_a_national_amber_alert_and_the_requester_reads_why(web_server, page, chromium):
    """Nothing is sent while it waits or after the rejection; the request page shows the preview's count."""
    with web_server.app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        for n, number in enumerate(("+31612345601", "+31201234501", "+31612345602")):
            factories.participant(session, number, distance_m=100 + 30_000 * n)
        operator_ids = [o.id for o in operators]
    sign_in_as(page, web_server, "operator", operator_id=operator_ids[0])
    page.goto(f"{web_server.url}/actions/new")
    page.select_option("#kind", "amber_alert")
    page.select_option("#area_type", "country")
    page.fill("#title", "Sanne (8) vermist")
    page.fill("#message", "Meisje van 8, roze jas.")
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/approvals/\d+$"))
    request_url = page.url
    expect(page.locator("#approval-status")).to_contain_text("Wacht op goedkeuring")
    expect(page.locator("#approval-impact")).to_contain_text("3 deelnemers")
    expect(page.locator("#approval-decision")).to_contain_text("iemand anders")
    expect(page.locator("#approve-button")).to_have_count(0)

    colleague = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    tab = colleague.new_page()
    sign_in_as(tab, web_server, "operator", "collega@example.org", operator_id=operator_ids[1])
    tab.goto(f"{web_server.url}/actions/")
    tab.locator("#awaiting-approval").get_by_role("link", name="Sanne (8) vermist").click()
    tab.wait_for_url(request_url)
    expect(tab.locator("#approve-button")).to_be_visible()
    tab.fill("#reject-reason", "Eerst de ouders bellen")
    tab.click("#reject-button")
    expect(tab.locator("#approval-status")).to_contain_text("Afgewezen door user:collega@example.org")
    colleague.close()

    page.reload()
    expect(page.locator("#approval-status")).to_contain_text("Eerst de ouders bellen")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
