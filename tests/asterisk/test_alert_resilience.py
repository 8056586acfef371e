"""Alert calls when things break, against the real lab Asterisk: AMI down or refusing the login,
an Originate that never gets a response, and Asterisk restarting in the middle of a call.

The restart test runs last: it restarts the session's lab."""
from __future__ import annotations

import os
import signal

import pytest

from lab.asterisk import free_port
from core.jobs import send_deliveries
from core.models import utcnow
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, STAYS, wait_until

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.parametrize("broken", [{"ami_secret": "wrong-secret-123"}, {"ami_port": free_port()}],
                         ids=["login-refused", "ami-down"])
def test_calls_wait_while_ami_is_unusable_and_go_out_once_it_is_back(scenario, start_service, broken):
    """With AMI refusing the login (or down) calls wait in the queue, still 'sending'; a working service places them."""
    stuck = start_service(**broken)
    (number,) = scenario.participants(ANSWERS)
    action_id = scenario.launch()

    assert not stuck.connected
    assert stuck.queue.waiting("lab") == 1
    delivery = scenario.deliveries(action_id)[number]
    assert delivery.state == "sending" and "call" not in (delivery.detail or {})
    stuck.stop()

    start_service()
    assert scenario.wait_settled(action_id)[number].state == "answered"


def test_an_originate_without_response_is_retried_and_the_dispatcher_goes_on(
        scenario, call_service, asterisk_lab, voice_rt):
    """An Originate Asterisk never answers (it is frozen) is given up at its deadline and retried."""
    voice_rt.config["RETRY_FAILED_S"] = 1
    (number,) = scenario.participants(ANSWERS)
    pid = asterisk_lab._process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        action_id = scenario.launch()
        lost = wait_until(lambda: scenario.settled(action_id, ("queued",)), "the silent Originate given up")[number]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert lost.detail["history"][-1]["outcome"] == "no response"

    wait_until(lambda: utcnow() >= lost.not_before and call_service.connected, "the backoff and AMI back")
    send_deliveries([lost.id])
    final = scenario.wait_settled(action_id)[number]
    assert final.state == "answered" and final.attempts == 2


def test_calls_up_when_asterisk_restarts_are_marked_and_retried(scenario, call_service, asterisk_lab):
    """A call that was up when Asterisk crashed is recorded as interrupted and queued for another attempt."""
    (number,) = scenario.participants(STAYS)
    action_id = scenario.launch()
    wait_until(lambda: (scenario.deliveries(action_id)[number].detail or {}).get("answered_at"), "the answer")

    asterisk_lab.restart(kill=True)
    retried = wait_until(lambda: scenario.settled(action_id, ("queued",)), "the cut-off call queued again")[number]
    assert call_service.reconnects >= 1
    last = retried.detail["history"][-1]
    assert last["outcome"] == "interrupted" and last["answered_at"]
    assert "answered_at" not in retried.detail
    assert call_service.live_calls() == 0
    assert call_service.limiter.in_use("lab") == 0
