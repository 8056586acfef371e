"""The call-scenario table (tests/call_scenarios.py) through Twilio: Prism places the calls, the
signed webhooks run the flows, and what the participant hears is read from the TwiML Twilio got,
prompt for prompt, to match what the lab Asterisk plays (tests/asterisk/test_alert_lifecycle.py)."""
import re
from html import unescape
from urllib.parse import urlsplit

from core import runtime
from core.actions import ActionService
from core.models import Action
from tts_prompts.catalogue import PROMPTS

from tests.call_scenarios import FLOW_SETTINGS, expected
from twilio_flows import LANDLINE, LANDLINE_E164, deliveries, launch

STATUS = "/webhooks/twilio/voice/status"
CALL_SID = "CA" + "56" * 16
_VERB = re.compile(r"<(Play|Say)[^>]*>([^<]*)</(?:Play|Say)>|<Gather[^>]*action=\"([^\"]+kind=digits[^\"]*)\"")


def heard(twiml, language):
    """(prompts heard in order, the menu's Gather URL): rendered files by store key, <Say> by prompt id."""
    by_text = {texts[language]: f"{prompt_id}/{language}" for prompt_id, texts in PROMPTS.items()}
    played, menu = [], None
    for verb, content, gather in _VERB.findall(twiml):
        if gather:
            menu = unescape(gather)
        elif verb == "Play":
            played.append(urlsplit(unescape(content)).path.rsplit("/prompts/", 1)[-1].removesuffix(".wav"))
        else:
            played.append(by_text.get(unescape(content), content))
    return played, menu


def listen(twilio_post, delivery):
    """Answer the call of `delivery` and press nothing: everything the participant hears."""
    start = f"/webhooks/twilio/voice/alert?delivery={delivery.id}&call={delivery.provider_ref}"
    twiml = twilio_post(start, {"CallSid": CALL_SID, "To": LANDLINE_E164, "CallStatus": "in-progress"}).text
    played, menu = heard(twiml, "nl")
    while menu:  # the menu timed out: Twilio follows the <Redirect> without Digits
        parts = urlsplit(menu)
        twiml = twilio_post(f"{parts.path}?{parts.query}", {"CallSid": CALL_SID}).text
        more, menu = heard(twiml, "nl")
        played += more
        if "<Hangup" in twiml:
            break
    return played


def test_alert_then_closing_call_are_heard_as_the_scenario_table_says(twilio_app, twilio_post, work):
    """Alert call listened to, then the closing call: the same prompts, in the same order, as on Asterisk."""
    twilio_app.config.update(FLOW_SETTINGS)  # read when the first webhook builds the runner
    rt = runtime.get()
    ids = launch(rt, ((LANDLINE, 400),))
    work()
    [alert] = deliveries(rt, ids["action"])
    with rt.db.session() as session:
        alert_prompt = session.get(Action, ids["action"]).alert_prompt
    assert listen(twilio_post, alert) == expected("alert", "listened", alert_prompt, "nl")
    twilio_post(f"{STATUS}?delivery={alert.id}&call={alert.provider_ref}",
                {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "30", "To": LANDLINE_E164})

    with rt.db.session() as session:
        ActionService(rt).end(session, ids["action"], "suspect_caught", "De verdachte zit vast.", "test")
    work()
    [closing] = [d for d in deliveries(rt, ids["action"]) if d.purpose == "closing"]
    assert listen(twilio_post, closing) == expected("closing", "listened", closing.detail["prompt"], "nl")
