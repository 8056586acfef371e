"""Twilio's asynchronous answering-machine detection on alert calls: what the Calls API is asked for, and
what a signed (or forged) verdict does to a live alert or closing call. Prism behind a proxy keeps what Twilio received;
the table of calls heard is tests/twilio/test_voice_scenarios.py."""
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from core import runtime
from core.actions import ActionService
from core.models import Delivery, Trunk
from lab.prism import ACCOUNT_SID, AUTH_TOKEN
from tts_prompts.catalogue import PROMPTS
from twilio_gateway.signatures import SIGNATURE_HEADER, sign

from twilio_flows import LANDLINE, LANDLINE_E164, PUBLIC_BASE_URL, add_trunk, deliveries, launch

CALL_SID = "CA" + "9d" * 16
CLOSING_SID = "CA" + "c1" * 16
AMD = "/webhooks/twilio/voice/amd"


@pytest.fixture
def post(proxied_twilio_app):
    client = proxied_twilio_app.test_client()

    def post(path, form, token=AUTH_TOKEN):
        form = {"AccountSid": ACCOUNT_SID, **form}
        return client.post(path, data=form, headers={SIGNATURE_HEADER: sign(token, PUBLIC_BASE_URL + path, form)})
    return post


def calls_created(twilio_api):
    return [r.form for r in twilio_api.requests if r.path.endswith("/Calls.json")]


def updates(twilio_api, call_sid=CALL_SID):
    return [r.form for r in twilio_api.requests if r.path.endswith(f"/Calls/{call_sid}.json")]


def put_in_place(post, twilio_api, call_sid=CALL_SID):
    """The TwiML the call's one update put in place: by URL (never inline, which Twilio caps at 4,000
    characters), fetched from there as Twilio does, signed."""
    [update] = updates(twilio_api, call_sid)
    assert "Twiml" not in update and update["Method"] == "POST"
    url = urlsplit(update["Url"])
    assert f"{url.scheme}://{url.netloc}" == PUBLIC_BASE_URL
    return post(url.path, {"CallSid": call_sid}).text


def alerted(rt, work, amd_enabled=True):
    """An alert call placed through the room's trunk, of the configuration's account (detection on or off)."""
    ids = launch(rt, ((LANDLINE, 400),))
    detection = {"amd_enabled": "on", "amd_timeout_s": "40"} if amd_enabled else {}
    add_trunk(rt, "twilio-amd", ACCOUNT_SID, AUTH_TOKEN, "+31201110000", room_id=ids["room"], **detection)
    work()
    [delivery] = deliveries(rt, ids["action"])
    return delivery


def answer(post, delivery):
    query = f"delivery={delivery.id}&call={delivery.provider_ref}"
    twiml = post(f"/webhooks/twilio/voice/alert?{query}", {"CallSid": CALL_SID, "To": LANDLINE_E164}).text
    return query, twiml


def test_a_trunk_that_detects_asks_twilio_for_asynchronous_detection_to_the_messages_end(proxied_twilio_app, twilio_api, work):
    """MachineDetection=DetectMessageEnd, AsyncAmd, the trunk's timeout and a callback naming the attempt."""
    rt = runtime.get()
    delivery = alerted(rt, work)
    [created] = calls_created(twilio_api)
    assert (created["MachineDetection"], created["AsyncAmd"], created["AsyncAmdStatusCallbackMethod"]) == (
        "DetectMessageEnd", "true", "POST")
    assert (created["MachineDetectionTimeout"], created["MachineDetectionSpeechThreshold"],
            created["MachineDetectionSilenceTimeout"]) == ("40", "2400", "5000")
    callback = urlsplit(created["AsyncAmdStatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}" == PUBLIC_BASE_URL and callback.path == AMD
    assert parse_qs(callback.query) == {"delivery": [str(delivery.id)], "call": [delivery.provider_ref]}


def test_a_trunk_that_does_not_detect_asks_for_no_detection(proxied_twilio_app, twilio_api, work):
    alerted(runtime.get(), work, amd_enabled=False)
    [created] = calls_created(twilio_api)
    assert not {name for name in created if "Amd" in name or "MachineDetection" in name}


def test_a_machine_verdict_puts_the_voicemail_in_place_and_the_ledger_says_voicemail(proxied_twilio_app, twilio_api, post,
                                                                                       work):
    rt = runtime.get()
    delivery = alerted(rt, work)
    query, _ = answer(post, delivery)
    assert post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": "machine_end_silence"}).status_code == 204
    voicemail = put_in_place(post, twilio_api)
    assert PROMPTS["voicemail_intro"]["nl"] in voicemail and voicemail.endswith("<Hangup /></Response>")
    post(f"/webhooks/twilio/voice/status?{query}", {"CallSid": CALL_SID, "CallStatus": "completed",
                                                     "CallDuration": "25"})
    with rt.db.session() as session:
        row = session.get(Delivery, delivery.id)
        assert (row.state, row.amd_status, row.amd_cause, row.detail["voicemail"]) == (
            "voicemail", "machine", "machine_end_silence", True)


def test_a_key_pressed_before_the_verdict_proves_a_person(proxied_twilio_app, twilio_api, post, work):
    """The participant pressed 2 during the alert; detection's later 'machine' changes nothing on the call."""
    rt = runtime.get()
    delivery = alerted(rt, work)
    query, twiml = answer(post, delivery)
    again = urlsplit(twiml.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    post(f"{again.path}?{again.query}", {"CallSid": CALL_SID, "Digits": "2"})
    assert post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": "machine_end_beep"}).status_code == 204
    assert updates(twilio_api) == []
    with rt.db.session() as session:
        row = session.get(Delivery, delivery.id)
        assert (row.amd_status, row.amd_cause, row.detail.get("voicemail")) == ("key", "machine_end_beep", None)


@pytest.mark.parametrize("answered_by, status", [("human", "human"), ("unknown", "notsure")])
def test_a_person_or_a_line_detection_is_unsure_of_goes_on_hearing_the_alert(proxied_twilio_app, twilio_api, post, work,
                                                                              answered_by, status):
    rt = runtime.get()
    delivery = alerted(rt, work)
    query, _ = answer(post, delivery)
    assert post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": answered_by}).status_code == 204
    assert updates(twilio_api) == []
    with rt.db.session() as session:
        assert session.get(Delivery, delivery.id).amd_status == status


def test_a_forged_verdict_is_refused_and_changes_nothing(proxied_twilio_app, twilio_api, post, work):
    """Signed with another token: 403, no update of the call, the ledger as it was."""
    rt = runtime.get()
    delivery = alerted(rt, work)
    query, _ = answer(post, delivery)
    forged = post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": "machine_end_beep"}, token="not-the-token")
    assert forged.status_code == 403
    assert updates(twilio_api) == []
    with rt.db.session() as session:
        row = session.get(Delivery, delivery.id)
        assert (row.amd_status, (row.detail or {}).get("voicemail")) == (None, None)


@pytest.mark.parametrize("form, field", [({"AnsweredBy": "robot"}, "AnsweredBy"), ({"AnsweredBy": ""}, "AnsweredBy"),
                                         ({"CallSid": "", "AnsweredBy": "human"}, "CallSid")])
def test_a_verdict_twilio_does_not_give_is_refused_naming_the_field(proxied_twilio_app, post, form, field):
    answer_ = post(f"{AMD}?delivery=1&call=tw1", {"CallSid": CALL_SID, **form})
    assert answer_.status_code == 400 and answer_.get_json()["reason"].startswith(field)


def test_the_trunk_form_keeps_twilio_detection(proxied_twilio_app, twilio_api, work):
    rt = runtime.get()
    alerted(rt, work)
    with rt.db.session() as session:
        [trunk] = session.scalars(select(Trunk).where(Trunk.name == "twilio-amd")).all()
        assert trunk.settings["amd"] == {"enabled": True, "timeout_s": 40, "speech_threshold_ms": 2400,
                                         "speech_end_threshold_ms": 1200, "silence_timeout_ms": 5000}


def test_the_closing_call_on_a_machine_leaves_how_it_ended_once_after_the_beep(proxied_twilio_app, twilio_api, post, work):
    """The alert reached a person; when the action ends, its closing call asks for detection to the message's end
    as well, and a machine's verdict puts the closing text, once, and goodbye in place of the closing and its menu;
    the ledger says voicemail."""
    rt = runtime.get()
    alert = alerted(rt, work)
    query, _ = answer(post, alert)
    post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": "human"})
    post(f"/webhooks/twilio/voice/status?{query}", {"CallSid": CALL_SID, "CallStatus": "completed",
                                                     "CallDuration": "30"})
    with rt.db.session() as session:
        ActionService(rt).end(session, alert.action_id, "suspect_caught", "De verdachte zit vast.", "test")
    work()
    [closing] = [d for d in deliveries(rt, alert.action_id) if d.purpose == "closing"]
    placed = calls_created(twilio_api)[-1]
    assert (placed["MachineDetection"], placed["AsyncAmd"]) == ("DetectMessageEnd", "true")
    assert parse_qs(urlsplit(placed["AsyncAmdStatusCallback"]).query)["delivery"] == [str(closing.id)]

    query = f"delivery={closing.id}&call={closing.provider_ref}"
    greeting = post(f"/webhooks/twilio/voice/alert?{query}", {"CallSid": CLOSING_SID, "To": LANDLINE_E164}).text
    assert closing.detail["prompt"] in greeting  # the closing plays over the greeting until detection's verdict
    assert post(f"{AMD}?{query}", {"CallSid": CLOSING_SID, "AnsweredBy": "machine_end_beep"}).status_code == 204
    document = ElementTree.fromstring(put_in_place(post, twilio_api, CLOSING_SID))
    spoken = [(verb.tag, verb.text) for verb in document.iter() if verb.tag in ("Play", "Say")]
    assert [tag for tag, _ in spoken] == ["Play", "Say"]  # once, and no closing menu on a tape
    assert urlsplit(spoken[0][1]).path.endswith(f"/prompts/{closing.detail['prompt']}.wav")
    assert spoken[1][1] == PROMPTS["goodbye"]["nl"] and document[-1].tag == "Hangup"
    post(f"/webhooks/twilio/voice/status?{query}", {"CallSid": CLOSING_SID, "CallStatus": "completed",
                                                     "CallDuration": "12"})
    with rt.db.session() as session:
        row = session.get(Delivery, closing.id)
        assert (row.state, row.amd_status, row.amd_cause, row.detail["voicemail"]) == (
            "voicemail", "machine", "machine_end_beep", True)


def test_a_voicemail_fetched_once_the_call_is_over_hangs_up(proxied_twilio_app, twilio_api, post, work):
    """Twilio fetching what the update put in place after the machine hung up (the status came first) gets a
    hang-up, not a call's state that is gone."""
    rt = runtime.get()
    delivery = alerted(rt, work)
    query, _ = answer(post, delivery)
    post(f"{AMD}?{query}", {"CallSid": CALL_SID, "AnsweredBy": "machine_end_beep"})
    post(f"/webhooks/twilio/voice/status?{query}", {"CallSid": CALL_SID, "CallStatus": "completed",
                                                     "CallDuration": "6"})
    assert put_in_place(post, twilio_api).endswith("<Response><Hangup /></Response>")
