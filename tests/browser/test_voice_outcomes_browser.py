"""The follow page's card of how the calls went, in a real browser, after a console run: answered by a
person (seconds listened, keys), voicemail left, busy, no answer, failed, and what detection said."""
from playwright.sync_api import expect
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.models import Delivery
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot

LANDLINES = ("+31201234501", "+31201234502", "+31201234503", "+31201234504", "+31201234505")


def _called(app, work):
    """An action calling five landlines, run through the console transport (every call answered), then
    four of them as the ledger leaves a machine, a busy line, a line nobody answered and a dead number."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        for rank, number in enumerate(LANDLINES):
            factories.participant(session, number, distance_m=100 + 50 * rank)
        request = parse_launch(factories.launch_body(room, operators[0]), 640, 50_000)
        action, _ = ActionService(rt).launch(session, request, "user:dispatcher")
        action_id, operator_id = action.id, operators[0].id
    work()
    endings = {
        "+31201234501": ("answered", {"listened_s": 24.0, "key": "2"}, "human"),
        "+31201234502": ("voicemail", {"voicemail": True}, "machine"),
        "+31201234503": ("failed", {"history": [{"outcome": "busy"}, {"outcome": "busy"}]}, None),
        "+31201234504": ("failed", {"history": [{"outcome": "no answer"}]}, None),
        "+31201234505": ("failed", {"history": [{"outcome": "not in service"}]}, None),
    }
    with rt.db.session() as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.action_id == action_id)):
            state, detail, amd = endings[delivery.to_e164]
            delivery.state, delivery.detail, delivery.amd_status = state, {**(delivery.detail or {}), **detail}, amd
    return action_id, operator_id


def test_the_follow_page_shows_how_the_calls_went(web_server, page, work):
    action_id, operator_id = _called(web_server.app, work)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/{action_id}")
    card = page.locator("#voice-card")
    expect(card).to_be_visible()
    expect(card.locator("h2")).to_have_text("Hoe de oproepen gingen")
    alert = card.locator('table[data-purpose="alert"]')
    counts = {"person": "1", "voicemail": "1", "busy": "1", "no_answer": "1", "failed": "1", "calling": "0"}
    for outcome, count in counts.items():
        expect(alert.locator(f'tr[data-outcome="{outcome}"] td.num')).to_have_text(count)
    expect(alert.locator('tr[data-outcome="person"]')).to_contain_text("Opgenomen door een persoon")
    expect(alert.locator('tr[data-outcome="person"]')).to_contain_text("gemiddeld 24 s geluisterd · toets 2: 1")
    expect(alert.locator('tr[data-outcome="voicemail"]')).to_contain_text("Voicemail ingesproken")
    expect(card.locator("p.amd")).to_have_text("Detectie zei: een persoon 1 · een antwoordapparaat 1")
    screenshot(page, "follow-voice-outcomes")
