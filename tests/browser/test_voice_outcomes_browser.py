"""The follow page's card of how the calls went, in a real browser, after a console run: answered by a
person (seconds listened, keys), voicemail left, busy, no answer, failed, and what detection said."""
from playwright.sync_api import expect

from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.call_endings import calls_ended

# A machine, a busy line, a line nobody answered and a dead number beside one who answered.
ENDINGS = {
    "+31201234501": ("answered", {"listened_s": 24.0, "key": "2"}, "human"),
    "+31201234502": ("voicemail", {"voicemail": True}, "machine"),
    "+31201234503": ("failed", {"history": [{"outcome": "busy"}, {"outcome": "busy"}]}, None),
    "+31201234504": ("failed", {"history": [{"outcome": "no answer"}]}, None),
    "+31201234505": ("failed", {"history": [{"outcome": "not in service"}]}, None),
}


def test_the_follow_page_shows_how_the_calls_went(web_server, page, work):
    action_id, operator_id = calls_ended(web_server.app.extensions["uitkijk"], work, ENDINGS)
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
