"""A resident who doubts a call checks its code on /echt in a real browser: the verdict for a real code,
for an unknown one, the field marked for garbage, English by the language choice, and the refusal once one
connection has checked too many codes; every state passes axe-core."""
import pytest
from playwright.sync_api import expect

from lab import factories
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import serve
from tests.browser.support import screenshot


@pytest.fixture
def check_server(config):
    yield from serve({**config, "GENUINE_CHECKS_PER_HOUR": 4})


def _action_code(server):
    rt = server.app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        room_id, operator_id = room.id, operators[0].id
    action_id = factories.launch(rt, room_id, operator_id, "Inbraak Weesp")
    from core.models import Action
    with rt.db.session() as session:
        return session.get(Action, action_id).code


def _check(page, code):
    page.fill("#code", code)
    page.click("#check-form button[type=submit]")


def test_a_resident_checks_a_code_until_the_limit(check_server, page):
    code = _action_code(check_server)
    page.goto(f"{check_server.url}/echt")
    expect(page.locator("h1")).to_have_text("Is deze oproep echt?")
    assert_accessible(page, "check page")

    _check(page, code)
    expect(page.locator("#check-verdict")).to_contain_text("Ja, dit is een echte oproep van de politie")
    expect(page.locator("#check-title")).to_have_text("Inbraak Weesp")
    expect(page.locator("#check-kind")).to_have_text("Inbraak")
    expect(page.locator("#check-status")).to_contain_text("Loopt nog")
    screenshot(page, "genuine-check-yes")
    assert_accessible(page, "check page with a genuine alert")

    _check(page, "abc")
    expect(page.locator("#code-error")).to_contain_text("moet de 4 tot 6 cijfers")
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "check page with a refused code")

    _check(page, "1000" if code != "1000" else "1001")
    expect(page.locator("#check-verdict")).to_contain_text("Er is geen oproep met deze code")
    screenshot(page, "genuine-check-no")
    assert_accessible(page, "check page without an alert")

    page.click("button[name=language][value=en]")
    expect(page.locator("h1")).to_have_text("Is this alert genuine?")
    _check(page, code)
    expect(page.locator("#check-verdict")).to_contain_text("Yes, this is a genuine alert from the police")
    expect(page.locator("#check-kind")).to_have_text("Burglary")

    _check(page, code)  # the fifth look-up from this connection within the hour
    expect(page.locator("#check-refused")).to_contain_text("Too many codes were checked")
    expect(page.locator("#check-result")).to_have_count(0)
    assert_accessible(page, "check page after the limit")
