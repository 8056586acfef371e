"""An Originate Asterisk does not acknowledge in time (it is frozen with SIGSTOP while the action is sent, and
thawed before the call's deadline), against the real lab Asterisk: whether Asterisk carried it out after all is
asked of Asterisk itself (its channels, its events), so the participant is called once and the call recorded."""
from __future__ import annotations

import os
import signal

import pytest

from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, wait_until
from tests.asterisk.fleet import AlertCallsSeen

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_an_originate_that_timed_out_is_not_dialled_twice(scenario, call_service, asterisk_lab, voice_rt, ami,
                                                          caplog):
    """The Originate times out while Asterisk is frozen; thawed, Asterisk may carry it out from its socket's
    buffer. Either way the participant's phone is rung and answers once, and the delivery is answered."""
    seen = AlertCallsSeen(voice_rt.config["QUEUE_PREFIX"])
    ami.subscribe("*", seen)
    (number,) = scenario.participants(ANSWERS)
    pid = asterisk_lab._process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        action_id = scenario.launch()
        wait_until(lambda: "did not acknowledge the Originate" in caplog.text, "the Originate timed out")
    finally:
        os.kill(pid, signal.SIGCONT)

    final = scenario.wait_settled(action_id, timeout=90)[number]
    assert final.state == "answered", final.detail
    assert seen.answered_per_delivery() == {final.id: 1}, "the participant was called twice"
    assert len(seen.started) == final.attempts  # every attempt Asterisk carried out is one the ledger knows
    taken = "taken by Asterisk after all" if final.attempts == 1 else "never carried out, so tried again"
    print(f"the Originate that timed out was {taken}; answered once")
