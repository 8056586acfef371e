"""Escalation across channels through the real lab Asterisk, as the table tests/escalation_scenarios.py says
(Twilio runs it in tests/twilio/test_twilio_escalation.py): a landline participant nobody answers, who has a
mobile too, gets the SMS right after the call's last attempt; an answering machine's voicemail escalates the
same way, on a trunk that detects machines. The SMS goes through the console transport (the outbox is what the phone would have received)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Delivery, OutboxMessage
from core.retry_policy import save_policy
from lab import factories
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import detecting_trunk, wait_until
from tests.escalation_scenarios import MOBILE, POLICY, ROWS
from voice.call_events import TrunkServices

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

# The table's rows whose SMS follows the call; the person's row (an SMS queued before the call, cancelled once
# the call reached them) runs through Twilio only: here the launch's worker would send that SMS at once.
LAB_ROWS = [row for row in ROWS if row.reason]


def landline_with_mobile(rt, behaviour):
    landline = f"+3120100{behaviour:0>4}"
    with rt.db.session() as session:
        factories.participant(session, landline, distance_m=100, phones=[{"number": landline}, {"number": MOBILE}])
    return landline


def alerts(rt, action_id):
    with rt.db.session() as session:
        return {d.channel: d for d in session.scalars(select(Delivery).where(
            Delivery.action_id == action_id, Delivery.purpose == "alert"))}


def sms_sent(rt, action_id):
    """The SMS alert once the console transport took it (the worker run again: the call service enqueued it)."""
    sms = alerts(rt, action_id).get("sms")
    if sms is None:
        return None
    if sms.state != "sent":
        return None
    return sms


def _sms_follows_the_call(voice_rt, scenario, work, landline, call_state, reason):
    action_id = scenario.launch()
    assert set(alerts(voice_rt, action_id)) == {"voice"}  # the landline first, the mobile only if need be
    call = wait_until(lambda: (d := alerts(voice_rt, action_id)["voice"]).state == call_state and d,
                      f"the call to {landline} {call_state}", timeout=120)
    sms = wait_until(lambda: (work(), sms_sent(voice_rt, action_id))[1], "the escalated SMS sent")
    assert (sms.escalated_from, sms.reason, sms.to_e164) == (call.id, reason, MOBILE)
    assert call.attempts == 1 and sms.enqueued_at >= call.updated_at  # after the one attempt, no retry's wait
    with voice_rt.db.session() as session:
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.delivery_id == sms.id)).all()
    assert [(m.channel, m.to_e164) for m in sent] == [("sms", MOBILE)]
    assert "Inbraak Weesp" in sent[0].body or "rode fiets" in sent[0].body
    return call


@pytest.mark.parametrize("row", LAB_ROWS, ids=[row.name for row in LAB_ROWS])
def test_the_sms_follows_the_call_as_the_table_says(row, scenario, start_service, voice_rt, asterisk_lab, work):
    """Nobody answers: the call service's own trunk. The machine: the room's trunk detects machines, the landline's
    machine takes the voicemail message, then the SMS goes."""
    with voice_rt.db.session() as session:
        save_policy(session, voice_rt.config, "burglary", POLICY, "admin")
    landline = landline_with_mobile(voice_rt, row.answers_as)
    if not row.detects:
        start_service()
        _sms_follows_the_call(voice_rt, scenario, work, landline, row.call_state, row.reason)
        return
    detecting_trunk(scenario, voice_rt, asterisk_lab)
    services = TrunkServices(voice_rt)
    services.refresh()
    try:
        call = _sms_follows_the_call(voice_rt, scenario, work, landline, row.call_state, row.reason)
        assert call.amd_status == "machine" and call.detail["voicemail"] is True
    finally:
        services.stop()
