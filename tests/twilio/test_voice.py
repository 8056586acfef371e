"""Voice through Twilio: alert calls via the Calls API (Prism), call status, and the flows as TwiML."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bridge.leases import OperatorLeases
from core import ledger, runtime
from core.actions import ActionService
from core.models import Action, InboundCall, Operator, Tip
from core.transports import transport_for

from twilio_flows import LANDLINE, LANDLINE_E164, deliveries, launch

STATUS = "/webhooks/twilio/voice/status"
INBOUND = "/webhooks/twilio/voice/inbound"
CALL_SID = "CA" + "12" * 16
OPERATOR_1 = "+31209990001"


def _called(work):
    rt = runtime.get()
    ids = launch(rt, ((LANDLINE, 400),))
    work()
    [delivery] = deliveries(rt, ids["action"])
    return rt, ids, delivery


def _status(delivery, status, **extra):
    return (f"{STATUS}?delivery={delivery.id}&call={delivery.provider_ref}",
            {"CallSid": delivery.detail["call_sid"], "CallStatus": status, "To": LANDLINE_E164, **extra})


def _path(url):
    """The path and query of a webhook URL found in TwiML (as Twilio would request it)."""
    parts = urlsplit(url.replace("&amp;", "&"))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _action_urls(twiml, verb):
    return [_path(u) for u in re.findall(rf'<{verb}[^>]*action="([^"]+)"', twiml)]


def test_alert_call_is_placed_through_calls_api(twilio_app, work):
    """A landline alert becomes a Calls API request Twilio's schema accepts; the delivery waits in 'sending'."""
    _, _, delivery = _called(work)
    assert (delivery.channel, delivery.state, delivery.transport) == ("voice", "sending", "twilio-voice")
    assert delivery.provider_ref.startswith("tw") and delivery.detail["call"] == delivery.provider_ref
    assert re.fullmatch(r"CA[0-9a-f]{32}", delivery.detail["call_sid"])


class _Failed(Exception):
    pass


def test_twilio_call_commits_nothing_of_a_failed_unit_of_work(twilio_app):
    """The transport records and places a call but commits nothing: when the caller's unit of work
    fails afterwards, the ledger holds neither the attempt nor the CallSid (core.transports' contract)."""
    rt = runtime.get()
    ids = launch(rt, ((LANDLINE, 400),))
    [queued] = deliveries(rt, ids["action"])
    with rt.db.session() as session:
        [(delivery, language, action, free_number)] = ledger.claim(session, [queued.id])
    with pytest.raises(_Failed), rt.db.session() as session:
        transport = transport_for(rt, session, delivery)
        attempt = transport.record_attempt(session, delivery, "Uitkijk: test")
        result = transport.place_attempt(session, delivery, attempt)
        assert (result.provider_ref, result.state) == (attempt.ref, "sending")
        raise _Failed
    [after] = deliveries(rt, ids["action"])
    assert after.provider_ref != attempt.ref
    assert "call_sid" not in (after.detail or {}) and (after.detail or {}).get("call") != attempt.ref


def test_answered_call_fills_the_ledger_once(twilio_app, twilio_post, work):
    """in-progress then completed marks the delivery answered; the repeated callback changes nothing."""
    rt, _, delivery = _called(work)
    assert twilio_post(*_status(delivery, "in-progress")).status_code == 204
    assert twilio_post(*_status(delivery, "completed", CallDuration="42")).status_code == 204
    [after] = deliveries(rt, delivery.action_id)
    assert after.state == "answered" and "answered_at" in after.detail
    twilio_post(*_status(delivery, "completed", CallDuration="42"))
    [again] = deliveries(rt, delivery.action_id)
    assert (again.state, again.detail, again.updated_at) == ("answered", after.detail, after.updated_at)


def test_busy_call_is_retried(twilio_app, twilio_post, work):
    """A busy line puts the delivery back in the queue for a later attempt."""
    rt, _, delivery = _called(work)
    twilio_post(*_status(delivery, "busy"))
    [after] = deliveries(rt, delivery.action_id)
    assert (after.state, after.error) == ("queued", "busy")
    assert after.detail["history"][0]["outcome"] == "busy"


def test_number_not_in_service_fails(twilio_app, twilio_post, work):
    """A failed call with SIP 404 fails the delivery without retry."""
    rt, _, delivery = _called(work)
    twilio_post(*_status(delivery, "failed", SipResponseCode="404"))
    assert deliveries(rt, delivery.action_id)[0].state == "failed"


def test_status_of_an_earlier_attempt_changes_nothing(twilio_app, twilio_post, work):
    """A callback naming another attempt of the same delivery is ignored."""
    rt, _, delivery = _called(work)
    path, form = _status(delivery, "busy")
    twilio_post(path.replace(delivery.provider_ref, "tw" + "0" * 32), form)
    assert deliveries(rt, delivery.action_id)[0].state == "sending"


@pytest.mark.parametrize("signature", ["forged", "missing"])
def test_call_status_without_genuine_signature_is_refused(twilio_app, twilio_post, work, signature):
    """A call status callback with a forged or missing signature gets 403 and changes nothing."""
    rt, _, delivery = _called(work)
    assert twilio_post(*_status(delivery, "busy"), signature=signature).status_code == 403
    assert deliveries(rt, delivery.action_id)[0].state == "sending"


def test_answered_alert_plays_alert_then_press_1_puts_through(twilio_app, twilio_post, work):
    """The alert call runs the alert flow: alert (interruptible), menu, and 1 dials the action's operator."""
    rt, ids, delivery = _called(work)
    path = f"/webhooks/twilio/voice/alert?delivery={delivery.id}&call={delivery.provider_ref}"
    answered = {"CallSid": CALL_SID, "From": "+3197010000000", "To": LANDLINE_E164, "CallStatus": "in-progress"}
    twiml = twilio_post(path, answered).text
    alert = _action(rt, ids["action"]).alert_prompt
    assert twiml.count(f"/{alert}.wav?e=") == 2 and "<Gather" in twiml
    assert "Dit is Uitkijk" not in twiml  # the rendered alert, not Twilio's own voice
    assert twilio_post(path, answered).text == twiml  # a repeated webhook: same answer
    [menu] = _action_urls(twiml, "Gather")[-1:]
    twiml = twilio_post(menu, {"CallSid": CALL_SID, "Digits": "1"}).text
    assert f"{OPERATOR_1}</Number>" in twiml and "/voice/whisper?" in twiml
    [dial] = _action_urls(twiml, "Dial")
    whisper = _path(re.search(r'<Number url="([^"]+)"', twiml).group(1))
    assert "Actiecode" in twilio_post(whisper, {"CallSid": "CA" + "34" * 16, "To": OPERATOR_1}).text
    done = twilio_post(dial, {"CallSid": CALL_SID, "DialCallStatus": "completed", "DialCallDuration": "30"}).text
    assert "<Hangup" in done
    [after] = deliveries(rt, delivery.action_id)
    assert (after.detail["key"], after.detail["routed_to"]) == ("1", "operator")
    with rt.db.session() as session:
        call = session.scalar(select(InboundCall))
    assert (call.call_ref, call.origin, call.outcome, call.operator_id) == (
        CALL_SID, "alert_call", "connected", ids["operators"][0])


def _action(rt, action_id):
    with rt.db.session() as session:
        return session.get(Action, action_id)


def test_closing_call_plays_the_rendered_closing_twice_and_press_2_repeats(twilio_app, twilio_post, work):
    """When the action ends, the participant reached is called again through the same flow: the closing
    text as rendered audio twice, 'press 2 to hear it again', and no operator is rung."""
    rt, ids, delivery = _called(work)
    twilio_post(*_status(delivery, "completed", CallDuration="20"))
    with rt.db.session() as session:
        ActionService(rt).end(session, ids["action"], "suspect_caught", "Dank voor het uitkijken.", "test")
    work()
    [closing] = [d for d in deliveries(rt, ids["action"]) if d.purpose == "closing"]
    assert (closing.state, closing.transport) == ("sending", "twilio-voice") and closing.detail["prompt"]
    path = f"/webhooks/twilio/voice/alert?delivery={closing.id}&call={closing.provider_ref}"
    twiml = twilio_post(path, {"CallSid": CALL_SID, "To": LANDLINE_E164, "CallStatus": "in-progress"}).text
    assert twiml.count(f"/{closing.detail['prompt']}.wav?e=") == 2 and "Toets 2 om het bericht" in twiml
    assert "Dit is Uitkijk" not in twiml and "<Dial" not in twiml
    [menu] = _action_urls(twiml, "Gather")[-1:]
    again = twilio_post(menu, {"CallSid": CALL_SID, "Digits": "2"}).text
    assert again.count(f"/{closing.detail['prompt']}.wav?e=") == 1 and "<Dial" not in again


def _free_number_call(twilio_post, caller):
    return twilio_post(INBOUND, {"CallSid": CALL_SID, "From": caller, "To": "+31800001100"}).text


def test_free_number_puts_alerted_caller_through(twilio_app, twilio_post, work):
    """A participant alerted by one active action hears its title and is put through to its operator."""
    _called(work)
    twiml = _free_number_call(twilio_post, LANDLINE_E164)
    assert "U belt over" in twiml and f"{OPERATOR_1}</Number>" in twiml


def test_whisper_frees_the_colleagues_who_did_not_answer(twilio_app, twilio_post, work):
    """The handler is on another call, so three colleagues ring together. B answers: once B's whisper
    is fetched, A and C are free for the next caller; B stays leased until the Dial's result."""
    rt, ids, _ = _called(work)
    with rt.db.session() as session:
        extra = [Operator(control_room_id=ids["room"], name=f"Operator {n}",
                          dial_string=f"Local/3120999000{n}@lab-pstn") for n in (3, 4)]
        session.add_all(extra)
        session.flush()
        handler, a, b, c = *ids["operators"], *(op.id for op in extra)
    leases = OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"])
    leases.claim("CA-another-call", {handler: "Local/31209990001@lab-pstn"})
    twiml = _free_number_call(twilio_post, LANDLINE_E164)
    numbers = re.findall(r'<Number url="([^"]+)">([^<]+)</Number>', twiml)
    assert [number for _, number in numbers] == ["+31209990002", "+31209990003", "+31209990004"]
    assert all(leases.busy(o) for o in (a, b, c))
    whisper, answered = _path(numbers[1][0]), {"CallSid": "CA" + "56" * 16, "To": "+31209990003"}
    assert twilio_post(whisper, answered, signature="forged").status_code == 403
    assert all(leases.busy(o) for o in (a, b, c))
    assert "Actiecode" in twilio_post(whisper, answered).text
    assert [leases.busy(o) for o in (handler, a, b, c)] == [True, False, True, False]
    [dial] = _action_urls(twiml, "Dial")
    twilio_post(dial, {"CallSid": CALL_SID, "DialCallStatus": "completed", "DialCallDuration": "30"})
    assert [leases.busy(o) for o in (handler, a, b, c)] == [True, False, False, False]


def test_unknown_caller_enters_code_then_leaves_tip(twilio_app, twilio_post, work):
    """An unknown caller enters the code; when nobody answers, the recorded tip is kept once."""
    rt, ids, _ = _called(work)
    twiml = _free_number_call(twilio_post, "+31301234567")
    assert "Toets de code" in twiml
    [code] = _action_urls(twiml, "Gather")
    twiml = twilio_post(code, {"CallSid": CALL_SID, "Digits": ids["code"]}).text
    for _ in range(3):  # the operator, the other operator, the control room: nobody answers
        [dial] = _action_urls(twiml, "Dial")
        twiml = twilio_post(dial, {"CallSid": CALL_SID, "DialCallStatus": "no-answer"}).text
    assert "<Record" in twiml
    [record] = _action_urls(twiml, "Record")
    recorded = {"CallSid": CALL_SID, "RecordingUrl": "https://api.twilio.com/recordings/RE1",
                "RecordingDuration": "14"}
    first = twilio_post(record, recorded).text
    assert "Bedankt, uw bericht is doorgegeven" in first and "<Hangup" in first
    assert twilio_post(record, recorded).text == first
    with rt.db.session() as session:
        tips = session.scalars(select(Tip)).all()
        call = session.scalar(select(InboundCall))
    assert [(t.action_id, t.source, t.duration_s) for t in tips] == [(ids["action"], "voice", 14.0)]
    assert (call.outcome, call.origin) == ("tip", "free_number")


def test_prompt_files_are_played_by_url_and_served(twilio_app, twilio_post, work):
    """A prompt with a file in the store is played from the app's URL, which serves it unsigned."""
    wav = Path(twilio_app.config["PROMPT_DIR"], "overrides", "nl", "inbound_welcome.wav")
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF....WAVE")
    _called(work)
    twiml = _free_number_call(twilio_post, "+31301234567")
    url = re.search(r"<Play>(https://uitkijk\.example\.org/webhooks/twilio/prompts/overrides/nl/"
                             r"inbound_welcome\.wav\?e=\d+&amp;s=[0-9a-f]{32})</Play>", twiml).group(1)
    served = twilio_app.test_client().get(_path(url))
    assert served.status_code == 200 and served.data == b"RIFF....WAVE"
    assert twilio_app.test_client().get("/webhooks/twilio/prompts/../config.py").status_code == 404


@pytest.mark.parametrize("signature", ["forged", "missing"])
def test_voice_webhook_without_genuine_signature_is_refused(twilio_app, twilio_post, signature):
    """The free-number webhook with a forged or missing signature gets 403."""
    response = twilio_post(INBOUND, {"CallSid": CALL_SID, "From": LANDLINE_E164}, signature=signature)
    assert response.status_code == 403


def test_caller_hanging_up_mid_menu_is_recorded(twilio_app, twilio_post, work):
    """The completed status of a free-number call finishes its flow and writes the call record once."""
    rt, _, _ = _called(work)
    _free_number_call(twilio_post, "+31301234567")
    ended = {"CallSid": CALL_SID, "CallStatus": "completed"}
    assert twilio_post(STATUS, ended).status_code == 204
    assert twilio_post(STATUS, ended).status_code == 204
    with rt.db.session() as session:
        calls = session.scalars(select(InboundCall)).all()
    assert [(c.call_ref, c.outcome) for c in calls] == [(CALL_SID, "abandoned")]
