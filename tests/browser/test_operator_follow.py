"""An operator follows a running action live in a real browser and ends it with a result."""
import io
import re

from playwright.sync_api import expect
from pydub.generators import Sine
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.models import Action, InboundCall, MailPreference, Tip
from lab import factories
from tests.browser.fixtures_operator import recordings_dir, sign_in_as  # noqa: F401 (fixture)
from tests.browser.support import screenshot


def _launched_action(app):
    """An action reaching three participants (two by SMS, one by voice, who also chose alerts by e-mail),
    its sends still queued."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        factories.participant(session, "+31612345602", distance_m=300)
        landline = factories.participant(session, "+31201234501", distance_m=400, email="vast@example.nl")
        session.add(MailPreference(participant_id=landline.id, confirmed_address="vast@example.nl", alerts=True))
        session.commit()
        request = parse_launch(factories.launch_body(room, operators[0]), 640, 50_000)
        action, _ = ActionService(rt).launch(session, request, "user:dispatcher")
        return action.id, operators[0].id


def _tone_wav():
    out = io.BytesIO()
    Sine(440).to_audio_segment(duration=1500).export(out, format="wav")
    return out.getvalue()


def test_follow_live_and_end(web_server, page, work, recordings_dir):
    """Progress, calls and a playable recorded tip appear without reloading; ending shows the result."""
    action_id, operator_id = _launched_action(web_server.app)
    sign_in_as(page, web_server, "operator", operator_id=operator_id)
    page.goto(f"{web_server.url}/actions/{action_id}")
    sms_row = page.locator('#progress tr[data-channel="sms"][data-purpose="alert"]')
    expect(sms_row.locator("td.pending")).to_have_text("2")
    page.evaluate("window.notReloaded = true")

    work()  # a real RQ worker sends the queued alerts through the console transports
    expect(sms_row.locator("td.reached")).to_have_text("2")
    expect(page.locator('#progress tr[data-channel="voice"][data-purpose="alert"] td.reached')).to_have_text("1")
    expect(page.locator('#progress tr[data-channel="email"][data-purpose="alert"] td.reached')).to_have_text("1")
    expect(page.locator('#progress tr[data-channel="email"][data-purpose="alert"]')).to_contain_text("E-mail")

    (recordings_dir / "tip-1.wav").write_bytes(_tone_wav())
    with web_server.app.extensions["uitkijk"].db.session() as session:
        call = InboundCall(backend="asterisk", call_ref="1700000000.7", caller_e164="+31612345601",
                           action_id=action_id, alerted=True, outcome="recorded")
        session.add(call)
        session.flush()
        session.add(Tip(action_id=action_id, inbound_call_id=call.id, source="voice", from_e164="+31612345601",
                        recording="tip-1.wav", duration_s=1.5))
        session.add(Tip(action_id=action_id, source="sms", from_e164="+31612345602", text="Rode fiets bij de molen"))
    expect(page.locator("#calls li")).to_contain_text(re.compile(r"\+31\*+601"))
    expect(page.locator("#tips")).to_contain_text("Rode fiets bij de molen")
    audio = page.locator("#tips audio")
    expect(audio).to_have_count(1)
    duration = page.evaluate("""async () => {
        const audio = document.querySelector('#tips audio');
        audio.preload = 'auto';
        audio.load();
        await new Promise((resolve, reject) => { audio.onloadedmetadata = resolve; audio.onerror = reject; });
        return audio.duration; }""")
    assert 1.4 < duration < 1.6  # the browser fetched and decoded the recording through the signed-in route
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "operator-follow")

    page.select_option("#result", "suspect_caught")
    page.check("input[name=result_from_response]")
    page.fill("#closing_text", "De verdachte is aangehouden bij de molen.")
    page.click("#end-button")
    expect(page.locator("#status-banner")).to_contain_text("Verdachte aangehouden")
    work()  # closing messages to everyone who was reached
    expect(page.locator('#progress tr[data-channel="sms"][data-purpose="closing"] td.reached')).to_have_text("2")
    screenshot(page, "operator-ended")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert (action.status, action.result, action.result_from_response) == ("ended", "suspect_caught", True)
        assert action.ended_by == "user:operator@example.org"
        assert session.scalar(select(Tip).where(Tip.recording.is_not(None))).heard
