"""Escalation across channels through Twilio (tests/escalation_scenarios.py, the rows the lab Asterisk runs too):
the alert call is placed through Prism, its outcome comes as Twilio's signed callbacks (the answer, detection's
verdict, the final status), and the SMS that follows is read from what Twilio's Messages API received."""
import pytest
from sqlalchemy import select

from core import runtime
from core.jobs import send_deliveries
from core.models import Action, Delivery
from core.retry_policy import save_policy
from lab import factories
from lab.prism import ACCOUNT_SID, AUTH_TOKEN
from tests.escalation_scenarios import MOBILE, NOBODY, PERSON, POLICY, ROWS
from tests.call_scenarios import MACHINE
from twilio_gateway.signatures import SIGNATURE_HEADER, sign

from twilio_flows import LANDLINE_E164, PUBLIC_BASE_URL, add_trunk

CALL_SID = "CA" + "e5" * 16


@pytest.fixture
def post(proxied_twilio_app):
    client = proxied_twilio_app.test_client()

    def post(path, form):
        form = {"AccountSid": ACCOUNT_SID, "CallSid": CALL_SID, **form}
        answer = client.post(path, data=form, headers={SIGNATURE_HEADER: sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, form)})
        assert answer.status_code in (200, 204), answer.get_data(as_text=True)
        return answer
    return post


def alerts(rt, action_id):
    with rt.db.session() as session:
        return {d.channel: d for d in session.scalars(select(Delivery).where(
            Delivery.action_id == action_id, Delivery.purpose == "alert"))}


def messages(twilio_api):
    """(To, Body) of each SMS Twilio's Messages API was asked to send."""
    return [(r.form["To"], r.form["Body"]) for r in twilio_api.requests if r.path.endswith("/Messages.json")]


def launched(rt, row, escalating_at_launch):
    """The landline participant with a mobile, the room's trunk (detecting on the machine's row) and the action."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, LANDLINE_E164, 100, phones=[{"number": LANDLINE_E164}, {"number": MOBILE}])
    detection = {"amd_enabled": "on"} if row.detects else {}
    add_trunk(rt, "twilio-weesp", ACCOUNT_SID, AUTH_TOKEN, "+31201110000", room_id=room.id, **detection)
    if escalating_at_launch:
        with rt.db.session() as session:
            save_policy(session, rt.config, "burglary", POLICY, "admin")
    return factories.launch(rt, room.id, operators[0].id, "Inbraak Weesp")


def the_call_goes(post, call, row):
    """What Twilio reports of the call, as the row's landline behaves."""
    attempt = f"delivery={call.id}&call={call.provider_ref}"
    status = f"/webhooks/twilio/voice/status?{attempt}"
    if row.answers_as == NOBODY:
        post(status, {"CallStatus": "no-answer", "To": LANDLINE_E164})
        return
    post(f"/webhooks/twilio/voice/alert?{attempt}", {"To": LANDLINE_E164, "CallStatus": "in-progress"})
    if row.answers_as == MACHINE:  # DetectMessageEnd: the verdict once the greeting and its beep are over
        post(f"/webhooks/twilio/voice/amd?{attempt}", {"AnsweredBy": "machine_end_beep"})
    post(status, {"CallStatus": "completed", "CallDuration": "25", "To": LANDLINE_E164})


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_the_call_escalates_to_the_mobile_as_the_table_says(row, proxied_twilio_app, twilio_api, post, work):
    rt = runtime.get()
    queued_sms = row.answers_as == PERSON  # an action its kind escalated only once launched: both channels queued
    action_id = launched(rt, row, escalating_at_launch=not queued_sms)
    if queued_sms:
        assert set(alerts(rt, action_id)) == {"voice", "sms"}
        with rt.db.session() as session:
            save_policy(session, rt.config, "burglary", POLICY, "admin")
        send_deliveries([alerts(rt, action_id)["voice"].id])  # the call is placed first; the SMS still waits
    else:
        assert set(alerts(rt, action_id)) == {"voice"}  # the landline first, the mobile only if need be
        work()
    call = alerts(rt, action_id)["voice"]
    the_call_goes(post, call, row)
    work()  # the escalated SMS, enqueued by the callback, goes out (or the cancelled one does not)

    found = alerts(rt, action_id)
    call, sms = found["voice"], found["sms"]
    assert (call.state, call.attempts) == (row.call_state, 1)
    if row.reason is None:
        assert messages(twilio_api) == []
        assert (sms.state, sms.error, sms.escalated_from) == ("cancelled", row.cancelled, None)
        return
    assert (sms.state, sms.escalated_from, sms.reason, sms.to_e164) == ("sent", call.id, row.reason, MOBILE)
    assert sms.enqueued_at >= call.updated_at  # at once after the one attempt, no retry's wait
    [(to, body)] = messages(twilio_api)
    with rt.db.session() as session:
        code = session.get(Action, action_id).code
    assert to == MOBILE and "op een rode fiets" in body and f"code {code}" in body  # the alert as an SMS
    if row.answers_as == MACHINE:
        assert (call.amd_status, call.detail["voicemail"]) == ("machine", True)
