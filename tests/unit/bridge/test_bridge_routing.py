"""Routing stages, the whisper, the Dial() argument Asterisk gets and both back-ends' dial results."""
import pytest

from bridge.asterisk import answered_by, dial_argument
from bridge.routing import plan_route
from core.call_routes import OperatorRef, RouteInfo
from ivr.call_engine import dial_status
from ivr.put_through import whisper_prompt

HANDLER = OperatorRef(1, "PJSIP/jan", True)
OTHER = OperatorRef(2, "PJSIP/piet", True)
AWAY = OperatorRef(3, "PJSIP/kees", False)


def test_route_goes_handler_then_available_others_then_general_line():
    """Stages: handler, the available colleagues together, then the general line with its own ring time."""
    stages = plan_route(RouteInfo(9, HANDLER, (OTHER, AWAY), "PJSIP/desk"), 20, 40)
    assert stages == [
        {"stage": "operator", "targets": [["PJSIP/jan", 1]], "timeout_s": 20},
        {"stage": "others", "targets": [["PJSIP/piet", 2]], "timeout_s": 20},
        {"stage": "control_room", "targets": [["PJSIP/desk", None]], "timeout_s": 40},
    ]


def test_away_handler_and_no_line_leave_only_colleagues():
    """A handler marked away is skipped; without a general line there is no last stage."""
    stages = plan_route(RouteInfo(9, AWAY, (OTHER,), None), 20, 40)
    assert [s["stage"] for s in stages] == ["others"]
    assert plan_route(RouteInfo(9, None, (), None), 20, 40) == []


def test_ring_time_must_be_positive():
    """A ring time under one second is refused."""
    with pytest.raises(ValueError):
        plan_route(RouteInfo(9, HANDLER, (), None), 0, 40)


def test_whisper_names_code_and_whether_alerted():
    """The whisper says the action code digit by digit and whether the caller was alerted."""
    assert whisper_prompt("407", True) == ("whisper_action_code", "digit_4", "digit_0", "digit_7", "whisper_alerted")
    assert whisper_prompt("407", False)[-1] == "whisper_not_alerted"


def test_dial_argument_rings_targets_together_with_the_whisper():
    """Targets are joined with &, the ring time follows, and the whisper is a U() gosub."""
    argument = dial_argument(["PJSIP/jan", "Local/31209990002@lab-pstn"], 20, ["/s/nl/a", "/s/nl/b"])
    assert argument == "PJSIP/jan&Local/31209990002@lab-pstn,20,U(uitkijk-operator^/s/nl/a&/s/nl/b)"
    assert dial_argument(["PJSIP/jan"], 5) == "PJSIP/jan,5"


def test_dial_argument_passes_the_call_ref_for_the_answer():
    """With a call ref the gosub gets it as ARG2 (after the whisper, empty or not)."""
    assert dial_argument(["PJSIP/jan", "PJSIP/piet"], 20, ["/s/nl/a"], answered_ref="1717171717.42") == \
        "PJSIP/jan&PJSIP/piet,20,U(uitkijk-operator^/s/nl/a^1717171717.42)"
    assert dial_argument(["PJSIP/jan", "PJSIP/piet"], 20, answered_ref="CA12") == \
        "PJSIP/jan&PJSIP/piet,20,U(uitkijk-operator^^CA12)"


@pytest.mark.parametrize(("targets", "timeout", "whisper", "ref"), [
    ([], 20, (), None), (["PJSIP/jan,30,G(x)"], 20, (), None), (["PJSIP/jan"], 0, (), None),
    (["PJSIP/jan"], 20, ["/s/a)b"], None), (["PJSIP/jan"], 20, ["/s/a^b"], None),
    (["PJSIP/jan"], 20, (), "1.2)G(x"), (["PJSIP/jan"], 20, (), "a^b"), (["PJSIP/jan"], 20, (), ""),
])
def test_dial_argument_refuses_unsafe_input(targets, timeout, whisper, ref):
    """Nothing that could smuggle options or applications into Dial() gets through."""
    with pytest.raises(ValueError):
        dial_argument(targets, timeout, whisper, answered_ref=ref)


@pytest.mark.parametrize(("raw", "status"), [("ANSWER", "answered"), ("BUSY", "busy"), ("NOANSWER", "noanswer"),
                                             ("CHANUNAVAIL", "failed"), ("CONGESTION", "failed"), ("", "failed"),
                                             ("weird", "failed")])
def test_dial_status_mapping(raw, status):
    """DIALSTATUS values map onto the flows' four statuses; unknown ones count as failed."""
    assert dial_status("asterisk", raw) == status


@pytest.mark.parametrize(("raw", "status"), [("completed", "answered"), ("busy", "busy"), ("no-answer", "noanswer"),
                                             ("canceled", "failed"), ("", "failed"), (None, "failed")])
def test_twilio_dial_call_status_mapping(raw, status):
    """Twilio's DialCallStatus maps onto the same four statuses."""
    assert dial_status("twilio", raw) == status


def test_answered_by_matches_dialled_peer_number():
    """DIALEDPEERNUMBER (the dial string without its technology) names who answered."""
    targets = ["Local/31209990001@lab-pstn", "PJSIP/jan"]
    assert answered_by("31209990001@lab-pstn", targets) == "Local/31209990001@lab-pstn"
    assert answered_by("jan", targets) == "PJSIP/jan"
    assert answered_by("", targets) is None and answered_by("other", targets) is None
