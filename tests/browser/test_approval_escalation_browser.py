"""A supervisor sees a launch left waiting for approval in a real browser: once the sweeper escalated it, a
banner on every page links to the request, passes axe-core, and is gone once the supervisor has decided."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from core.actions import parse_launch
from core.approval_escalation import escalate_overdue
from core.approvals import launch_or_request
from core.models import LaunchApproval, User, utcnow
from lab import factories
from tests.browser.accessibility import assert_accessible
from tests.browser.support import screenshot
from tests.integration.web_helpers import PASSWORD, make_user


def _escalated_amber(server):
    """A national AMBER alert asked for by one operator, waiting past the time-out and escalated; returns
    (the supervisor's operator id, the approval id)."""
    rt = server.app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        room_id, asking, supervising = room.id, operators[0].id, operators[1].id
    requester = make_user(server.app, "operator", "vraagt@example.org", operator_id=asking)
    body = factories.launch_body(type("Room", (), {"id": room_id}), type("Operator", (), {"id": asking}),
                                 kind="amber_alert", area={"type": "country"}, title="AMBER Alert Lisa",
                                 message="Lisa, 8 jaar, blauwe jas, vermist sinds 14:00.")
    with rt.db.session() as session:
        approval_id = launch_or_request(rt, session, parse_launch(body, 640, 50_000), requester).approval.id
        session.execute(update(LaunchApproval).where(LaunchApproval.id == approval_id).values(
            requested_at=utcnow() - timedelta(seconds=rt.config["LAUNCH_APPROVAL_ESCALATE_S"] + 60)))
        session.commit()
    assert escalate_overdue(rt) == 1
    return supervising, approval_id


def test_the_supervisor_sees_the_banner_until_deciding(web_server, page):
    supervising, approval_id = _escalated_amber(web_server)
    email = "chef@example.org"
    make_user(web_server.app, "operator", email, operator_id=supervising)
    with web_server.app.extensions["uitkijk"].db.session() as session:
        session.execute(update(User).where(User.email == email).values(supervisor=True))
    page.goto(f"{web_server.url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{web_server.url}/dashboard/")
    banner = page.locator("section.escalations")
    expect(banner.locator("h2")).to_have_text("Lanceringen die te lang op goedkeuring wachten")
    expect(banner.locator("a")).to_have_text("AMBER Alert Lisa")
    expect(banner).to_contain_text("aangevraagd door vraagt@example.org")
    screenshot(page, "approval-escalated-banner")
    assert_accessible(page, "page with the escalation banner")

    banner.locator("a").click()
    page.wait_for_url(re.compile(rf"/approvals/{approval_id}$"))
    page.fill("#reject-reason", "Eerst de ouders spreken")
    page.click("#reject-button")
    page.goto(f"{web_server.url}/dashboard/")
    expect(page.locator("section.escalations")).to_have_count(0)
