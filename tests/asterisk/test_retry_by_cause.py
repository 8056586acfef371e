"""Retries follow what the call met, as the action kind's policy says: real calls through the lab Asterisk to a
busy line, one nobody answers and a congested one."""
from __future__ import annotations

import pytest

from core.retry_policy import save_policy
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import BUSY, CONGESTED, NO_ANSWER

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_each_cause_waits_its_kinds_time(scenario, call_service, voice_rt):
    """A burglary's busy line is queued again after the burglary's busy wait, an unanswered call after its
    no-answer wait, a congested one after its failed wait (each with at most a tenth more of jitter)."""
    with voice_rt.db.session() as session:
        save_policy(session, voice_rt.config, "burglary",
                    {"busy_retry_s": 90, "no_answer_retry_s": 600, "failed_retry_s": 45}, "admin")
    busy, silent, congested = scenario.participants(BUSY, NO_ANSWER, CONGESTED)
    action_id = scenario.launch()

    deliveries = scenario.wait_settled(action_id, ("queued",))
    for number, outcome, wait in ((busy, "busy", 90), (silent, "no answer", 600), (congested, "congestion", 45)):
        delivery = deliveries[number]
        assert delivery.detail["history"][-1]["outcome"] == outcome and delivery.error == outcome
        assert wait - 1 <= (delivery.not_before - delivery.updated_at).total_seconds() <= wait * 1.1, number


def test_the_kinds_attempts_are_the_most_it_gets(scenario, call_service, voice_rt):
    """With one attempt at most for robberies, a busy line is failed after its first call, not queued again."""
    with voice_rt.db.session() as session:
        save_policy(session, voice_rt.config, "robbery", {"max_attempts": 1}, "admin")
    (busy,) = scenario.participants(BUSY)
    robbery = scenario.launch(kind="robbery", title="Overval Weesp")
    final = scenario.wait_settled(robbery)[busy]
    assert final.state == "failed" and final.error == "gave up: busy" and final.attempts == 1
    assert [h["outcome"] for h in final.detail["history"]] == ["busy"]
