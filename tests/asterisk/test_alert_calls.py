"""Alert calls placed for real: an action launched for landline participants calls them through the
lab Asterisk, and each participant's outcome lands in the ledger (PostgreSQL)."""
from __future__ import annotations

import pytest

from core.jobs import send_deliveries
from core.models import Action, utcnow
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import (
    ANSWERS, BUSY, CONGESTED, HANGS_UP, NO_ANSWER, NOT_IN_SERVICE, PRESSES, wait_until,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_launch_calls_every_landline_and_records_each_outcome(scenario, call_service, voice_rt):
    """Answered, busy, no answer, congestion and not-in-service calls each leave their own ledger record."""
    answers, busy, silent, congested, wrong = scenario.participants(
        ANSWERS, BUSY, NO_ANSWER, CONGESTED, NOT_IN_SERVICE)
    action_id = scenario.launch()

    with voice_rt.db.session() as session:
        assert session.get(Action, action_id).alert_prompt.startswith("nl/")
    deliveries = wait_until(lambda: scenario.settled(action_id, ("answered", "queued", "failed")),
                            "every first attempt settled")
    heard = deliveries[answers]
    assert heard.state == "answered" and heard.transport == "asterisk"
    assert heard.detail["listened_s"] > 0 and heard.detail["answered_at"]
    assert heard.provider_ref == heard.detail["call"]
    for number, outcome in ((busy, "busy"), (silent, "no answer"), (congested, "congestion")):
        delivery = deliveries[number]
        assert delivery.state == "queued", number  # retried later, with backoff
        assert delivery.detail["history"][-1]["outcome"] == outcome
        assert delivery.not_before is not None
    assert deliveries[wrong].state == "failed" and deliveries[wrong].error == "not in service"


def test_busy_is_retried_until_the_attempts_run_out(scenario, call_service, voice_rt):
    """A busy number is called again after its backoff and failed once MAX_ATTEMPTS are used."""
    voice_rt.config["MAX_ATTEMPTS"] = 2
    voice_rt.config["RETRY_BUSY_S"] = 1
    (busy,) = scenario.participants(BUSY)
    action_id = scenario.launch()
    first = wait_until(lambda: scenario.settled(action_id, ("queued",)), "the first busy attempt")[busy]

    wait_until(lambda: utcnow() >= first.not_before, "the backoff passing", timeout=10)
    send_deliveries([first.id])  # what the scheduled retry job runs
    final = scenario.wait_settled(action_id)[busy]
    assert final.state == "failed" and final.error == "gave up: busy"
    assert final.attempts == 2
    assert [h["outcome"] for h in final.detail["history"]] == ["busy", "busy"]


def test_participant_who_hangs_up_halfway_is_answered_with_short_listening(scenario, call_service):
    """A participant hanging up after 2 s is 'answered', having listened far less than the alert lasts."""
    (quick,) = scenario.participants(HANGS_UP)
    action_id = scenario.launch()

    delivery = scenario.wait_settled(action_id)[quick]
    assert delivery.state == "answered"
    assert 0 < delivery.detail["on_line_s"] < 10


def test_press_1_puts_the_participant_through_and_records_the_key(scenario, call_service, ami, ami_events):
    """Pressing 1 during the alert reaches a destination (a Dial from the alert call) and the key is kept."""
    (presser,) = scenario.participants(PRESSES)
    action_id = scenario.launch()

    call_id = wait_until(lambda: (scenario.deliveries(action_id)[presser].detail or {}).get("call"),
                         "the call being placed")
    dial = ami_events.wait_for(lambda e: e.name == "DialBegin" and e.get("Uniqueid") == call_id, timeout=60)
    assert dial["DialString"]
    delivery = scenario.wait_settled(action_id, timeout=90)[presser]
    assert delivery.state == "answered"
    assert delivery.detail["key"] == "1"
