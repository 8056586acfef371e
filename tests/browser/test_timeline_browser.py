"""The follow page's time-to-reach chart grows in a real browser as a real worker sends the alerts."""
from playwright.sync_api import expect

from core.models import InboundCall
from core.models import utcnow
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.browser.test_operator_follow import _launched_action


def test_time_to_reach_chart_grows_live(web_server, page, work):
    """Before sending, the SMS line is flat at 0 reached; after the worker ran, it climbs to both SMS
    reached with its 50/95/100 % moments in the table; a caller put through adds a marker, all without reload."""
    action_id, operator_id = _launched_action(web_server.app)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/{action_id}")
    sms_line = page.locator('#timeline-chart polyline[data-channel="sms"]')
    expect(sms_line).to_have_attribute("data-reached", "0")
    flat_points = int(sms_line.get_attribute("data-points"))
    expect(page.locator("#timeline-card h2")).to_contain_text("Tijd tot bereikt")
    page.evaluate("window.notReloaded = true")

    work()  # a real RQ worker sends the queued alerts through the console transports
    expect(sms_line).to_have_attribute("data-reached", "2")
    assert int(sms_line.get_attribute("data-points")) > flat_points
    row = page.locator('#timeline-table tr[data-channel="sms"] td')
    expect(row.nth(4)).not_to_have_text("–")  # 100 % of the SMS alerts reached
    expect(page.locator('#timeline-chart line[data-event="first_bridged"]')).to_have_count(0)

    with web_server.app.extensions["uitkijk"].db.session() as session:
        session.add(InboundCall(backend="asterisk", call_ref="1700000000.9", caller_e164="+31612345601",
                                action_id=action_id, alerted=True, outcome="connected", connected_at=utcnow()))
    expect(page.locator('#timeline-chart line[data-event="first_bridged"]')).to_have_count(1)
    expect(page.locator("#timeline-events")).not_to_contain_text("doorverbonden: –")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "operator-timeline")
