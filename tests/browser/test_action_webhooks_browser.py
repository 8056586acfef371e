"""An admin follows the control-room systems' webhooks in a real browser: the list with each one's room
and counts, the delivery log with each event's number, pausing and resuming; an operator is kept out.
The subscription and the action come through the API over HTTP, and a real receiver gets the event."""
import requests
from playwright.sync_api import expect

from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.integration.test_api_control_rooms import token
from tests.publish_support import WebhookReceiver, work_until


def test_admin_reads_the_log_and_pauses_a_webhook(web_server, page):
    app = web_server.app
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s, "Meldkamer Noord")
        body = factories.launch_body(room, operators[0])
    with WebhookReceiver() as receiver:
        created = requests.post(f"{web_server.url}/api/webhooks", json={"url": receiver.url},
                                headers=token(app, ["webhooks"], room_id=room.id), timeout=10).json()
        receiver.secret = created["new_secret"]
        launched = requests.post(f"{web_server.url}/api/actions", json=body, headers=token(app, ["actions"]),
                                 timeout=30)
        assert launched.status_code == 201
        work_until(lambda: len(receiver.accepted) == 1)

    sign_in_as(page, web_server, "admin")
    page.goto(f"{web_server.url}/config/trunks")
    page.click("nav >> text=Webhooks meldkamersystemen")
    row = page.locator("#action-webhooks tbody tr", has_text=receiver.url)
    expect(row).to_contain_text("Meldkamer Noord")
    expect(row.locator("td.num").first).to_have_text("1")  # delivered
    expect(row).to_contain_text("actief")
    assert receiver.secret not in page.content()
    screenshot(page, "admin-action-webhooks")

    row.locator("a").click()
    expect(page.locator("h1")).to_contain_text(receiver.url)
    expect(page.locator("#action-webhook-log thead")).to_contain_text("Volgnummer")
    entry = page.locator("#action-webhook-log tbody tr")
    expect(entry).to_have_count(1)
    expect(entry.locator("td").nth(0)).to_have_text(str(launched.json()["id"]))
    expect(entry.locator("td").nth(1)).to_have_text("1")
    expect(entry.locator("td").nth(2)).to_have_text("action.launched")
    expect(entry.locator("td").nth(3)).to_have_text("afgeleverd")
    screenshot(page, "admin-action-webhook-log")

    page.go_back()
    row.locator("button:has-text('Pauzeren')").click()
    expect(page.locator(".flash-info")).to_contain_text("gepauzeerd")
    expect(row).to_contain_text("gepauzeerd")
    shown = requests.get(f"{web_server.url}/api/webhooks/{created['id']}",
                         headers=token(app, ["webhooks"]), timeout=10).json()
    assert shown["active"] is False
    row.locator("button:has-text('Activeren')").click()
    expect(page.locator(".flash-info")).to_contain_text("actief")
    expect(row).to_contain_text("actief")


def test_an_operator_gets_no_webhook_page(web_server, page):
    sign_in_as(page, web_server, "operator")
    assert page.goto(f"{web_server.url}/config/action-webhooks/").status == 403
