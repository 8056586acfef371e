"""The escalation decision: which channel comes next, the cause it is stored with, and when it may happen."""
from types import SimpleNamespace

import pytest

from core.escalation import cause_of, may_escalate, next_channel
from core.retry_policy import Policy

ORDER = ("voice", "sms", "email")


@pytest.mark.parametrize("order, has, used, expected", [
    (ORDER, {"voice", "sms"}, {"voice"}, "sms"),  # a landline unanswered, a mobile beside it
    (ORDER, {"voice", "email"}, {"voice"}, "email"),  # no mobile: alerts by e-mail they chose
    (ORDER, {"voice", "sms", "email"}, {"voice", "sms"}, "email"),  # the SMS failed too
    (ORDER, {"voice"}, {"voice"}, None),  # nothing else to try
    (ORDER, {"voice", "sms", "email"}, {"voice", "sms", "email"}, None),  # every channel used
    (("sms", "voice"), {"voice", "sms", "email"}, {"sms"}, "voice"),  # e-mail left out of the order: never
    (("sms", "voice"), {"voice", "sms", "email"}, {"sms", "voice"}, None),
])
def test_the_next_channel_is_the_first_of_the_order_they_have_and_the_action_has_not_used(order, has, used,
                                                                                           expected):
    assert next_channel(order, has, used) == expected


@pytest.mark.parametrize("reason, cause", [
    ("voicemail", "voicemail"), ("busy", "busy"), ("no answer", "no_answer"), ("congestion", "failed"),
    ("not in service", "failed"), ("network down", "failed"), ("failed", "failed"),
])
def test_the_cause_is_what_the_last_attempt_met(reason, cause):
    assert cause_of(reason) == cause


def policy(escalate=True):
    return Policy("burglary", 120, 300, 60, 5, True, escalate, ORDER)


def action(status="active", time_critical=True):
    return SimpleNamespace(status=status, time_critical=time_critical)


@pytest.mark.parametrize("kwargs, expected", [
    ({}, True),
    ({"policy": policy(escalate=False)}, False),  # the kind does not escalate
    ({"purpose": "closing"}, False),  # a closing message is not escalated
    ({"action": action(status="ended")}, False),  # only while the action is active
    ({"elapsed_s": 1801}, False),  # a time-critical alert only within the retry window
    ({"elapsed_s": 1801, "action": action(time_critical=False)}, True),  # the window is not for the others
])
def test_escalation_only_while_active_within_the_window_where_the_kind_escalates(kwargs, expected):
    args = {"policy": policy(), "action": action(), "purpose": "alert", "elapsed_s": 60, "window_s": 1800,
            **kwargs}
    assert may_escalate(**args) is expected
