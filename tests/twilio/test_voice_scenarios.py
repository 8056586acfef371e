"""The call-scenario table (tests/call_scenarios.py) through Twilio: Prism places the calls, the
signed webhooks run the flows, and what the participant hears is read from the TwiML Twilio got,
prompt for prompt, to match what the lab Asterisk plays (tests/asterisk/test_alert_lifecycle.py)."""
import re
from html import unescape
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from bridge.twilio import twilio_address
from core import runtime
from core.actions import ActionService
from core.caller_directory import InboundDirectory
from core.models import Action
from tts_prompts import PromptStore, get_engine
from tts_prompts.catalogue import PROMPTS

from lab.prism import RecordingProxy
from tests.call_scenarios import (ANSWERS, FLOW_SETTINGS, LONG_HELLO, MACHINE, NO_ANSWER, PARTICIPANT_E164, ROWS,
                                  SILENCE, STRANGER_E164, World, expected, heard_as)
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


# Every row of the table, as Twilio runs it ------------------------------------------------

INBOUND = "/webhooks/twilio/voice/inbound"
FREE_NUMBER = "+31800001100"
AMD = "/webhooks/twilio/voice/amd"
# What Twilio's detection (DetectMessageEnd) says of the lab's answering phones: the machine once its beep is
# over, the long hello a person, the silent line not sure.
ANSWERED_BY = {MACHINE: "machine_end_beep", LONG_HELLO: "human", SILENCE: "unknown"}


@pytest.fixture
def twilio_api(prism, twilio_app):
    """Prism behind a RecordingProxy, for the app's REST requests (a call's update) to be read back."""
    proxy = RecordingProxy(prism.base_url)
    twilio_app.config["TWILIO_API_BASE_URL"] = proxy.base_url
    yield proxy
    proxy.close()


def updates(twilio_api, call_sid):
    """The URL of each update of the live call Twilio received, in order (the TwiML is fetched from there)."""
    return [r.form["Url"] for r in twilio_api.requests
            if r.method == "POST" and r.path.endswith(f"/Calls/{call_sid}.json")]


class TwilioCall:
    """Plays Twilio for one call of a row: follows the TwiML verb by verb as Twilio would, keys
    where the row's caller keys, answers a <Dial> as the row's phones behave (the answering
    phone's whisper URL first, as Twilio fetches it) and hangs up where the caller does."""

    def __init__(self, twilio_post, world, row, by_text, phones, twilio_api):
        self.post, self.world, self.row, self.by_text, self.phones = twilio_post, world, row, by_text, phones
        self.twilio_api = twilio_api
        self.heard, self.rung, self.bridged, self.pressed = [], [], None, False

    def name(self, verb):
        if verb.tag == "Play":
            return urlsplit(verb.text).path.rsplit("/prompts/", 1)[-1].removesuffix(".wav")
        return self.by_text.get(verb.text, verb.text)

    def run(self, start, form, detection=None):
        """Answer at `start`; on a row answered by a lab phone, detection's verdict (to `detection`)
        comes before anything is heard: a machine records only after its greeting and beep, and what
        it then plays is what Twilio was told to play instead."""
        document = self.post(start, {"CallSid": CALL_SID, **form}).text
        if self.row.answers_as:
            answer = self.post(detection, {"CallSid": CALL_SID, "AnsweredBy": ANSWERED_BY[self.row.answers_as],
                                           "MachineDetectionDuration": "4100"})
            assert answer.status_code == 204
            if self.row.answers_as == MACHINE:
                [url] = updates(self.twilio_api, CALL_SID)
                document = self.fetch(url)
        while document is not None:
            document = self.follow(ElementTree.fromstring(document))
        if self.row.hangs_up_after:
            del self.heard[self.row.hangs_up_after:]

    def hears(self, verb):
        self.heard.append(self.name(verb))
        return self.row.hangs_up_after and len(self.heard) >= self.row.hangs_up_after

    def follow(self, response):
        """The next document Twilio fetches, or None when the call ends."""
        for verb in response:
            if verb.tag in ("Play", "Say"):
                if self.hears(verb):
                    return None
            elif verb.tag == "Gather":
                for inner in verb:
                    if self.hears(inner):
                        return None
                keys = self.keys_for([self.heard[-1 - i] for i in range(len(verb))])
                if keys is not None:
                    return self.fetch(verb.get("action"), Digits=keys.removesuffix(verb.get("finishOnKey") or "\0"))
            elif verb.tag == "Redirect":
                return self.fetch(verb.text)
            elif verb.tag == "Dial":
                return self.dial(verb)
            elif verb.tag == "Record":
                return self.fetch(verb.get("action"), RecordingUrl="https://api.twilio.com/recordings/RE1",
                                  RecordingDuration="3")
            elif verb.tag == "Hangup":
                return None
        return None  # the end of a document ends the call

    def keys_for(self, prompts):
        """The row's keys if its caller keys during a question with these prompts, then the keys of each
        question after it (World.answers)."""
        if self.row.press is None:
            return None
        if not self.pressed:
            wanted = self.row.press[0]
            wanted = self.titles[wanted[1]] if isinstance(wanted, tuple) else f"{wanted}/nl"
            if wanted not in prompts:
                return None
            self.pressed, self.answers = True, self.world.answers()
        return self.answers.pop(0) if self.answers else None

    def dial(self, verb):
        numbers = [(target.text, target.get("url")) for target in verb]
        self.rung += [self.phones[number] for number, _ in numbers]
        behaviours = [self.row.phone(self.phones[number]) for number, _ in numbers]
        if ANSWERS in behaviours:
            number, whisper = numbers[behaviours.index(ANSWERS)]
            self.post(self.path(whisper), {"CallSid": "CA" + "78" * 16, "To": number})
            self.bridged = self.phones[number]
            return self.fetch(verb.get("action"), DialCallStatus="completed", DialCallDuration="30")
        status = "no-answer" if NO_ANSWER in behaviours else "busy"
        return self.fetch(verb.get("action"), DialCallStatus=status)

    @staticmethod
    def path(url):
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def fetch(self, url, **form):
        return self.post(self.path(url), {"CallSid": CALL_SID, **form}).text


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_twilio_plays_rings_and_records_as_the_table_says(row, twilio_app, twilio_post, twilio_api):
    """The row through the signed webhooks, the audio rendered at launch as for Asterisk callers."""
    twilio_app.config.update(FLOW_SETTINGS)  # read when the first webhook builds the runner
    rt = runtime.get()
    world = World(rt, row)
    store = PromptStore(twilio_app.config["PROMPT_DIR"], get_engine(twilio_app.config["TTS_ENGINE"]))
    titles = [store.text_key(a["title"], twilio_app.config["IVR_TITLE_LANGUAGE"]) for a in world.actions]
    assert all((store.root / f"{key}.wav").exists() for key in titles), "the launch rendered the titles"
    phones = {twilio_address(dial_string)[1]: name for name, dial_string in world.dial_strings.items()}
    by_text = {texts["nl"]: f"{prompt_id}/nl" for prompt_id, texts in PROMPTS.items()}
    call = TwilioCall(twilio_post, world, row, by_text, phones, twilio_api)
    call.titles = titles
    message = None
    if row.flow != "inbound":
        delivery = world.call()
        if row.flow == "alert":  # rendered at launch
            with rt.db.session() as session:
                message = session.get(Action, delivery.action_id).alert_prompt
        else:  # rendered when the call is placed (voice.twilio_transport)
            message = store.render_text(InboundDirectory(rt.db).alert_call(delivery.id).text, "nl").key
        attempt = f"delivery={delivery.id}&call={delivery.provider_ref}"
        call.run(f"/webhooks/twilio/voice/alert?{attempt}", {"To": PARTICIPANT_E164, "CallStatus": "in-progress"},
                 detection=f"{AMD}?{attempt}")
        status = f"{STATUS}?{attempt}"
    else:
        caller = PARTICIPANT_E164 if row.caller == "participant" else STRANGER_E164
        call.run(INBOUND, {"From": caller, "To": FREE_NUMBER})
        status = STATUS
    twilio_post(status, {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "30"})

    assert call.heard == heard_as(row, message, titles, code=world.actions[0]["code"])
    assert call.rung == row.rung_phones()
    assert call.bridged == row.bridged
    assert world.outcome() == row.outcome()
