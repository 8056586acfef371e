"""The free-number flow as a table: state + event -> steps."""
import json

import pytest
from fake_directory import BURGLARY, ENDED, GENERAL, HANDLER, MISSING, COLLEAGUE, FakeDirectory

from core.call_routes import RouteInfo
from core.caller_directory import ActionSummary
from ivr.inbound_flow import InboundFlow
from ivr.settings import FlowSettings
from ivr.steps import (Dial, DialResult, DialTarget, Digits, Gather, Hangup, Hungup, Record, Recorded, Say, SaveTip,
                       Spoken, Started)

ALERTED_ONCE = "+31201234501"
ALERTED_TWICE = "+31201234502"
STRANGER = "+31201234599"
SETTINGS = FlowSettings(ring_s=15, control_room_ring_s=25)


def make_flow(**directory):
    callers = {ALERTED_ONCE: (101, "en", [BURGLARY]), ALERTED_TWICE: (102, None, [MISSING, BURGLARY])}
    return InboundFlow(FakeDirectory(callers=callers, **directory), SETTINGS)


def run(flow, events, caller=ALERTED_ONCE):
    """Feed events after Started; returns the final state and every batch of steps."""
    state, steps = flow.advance(None, Started("call-1", caller=caller))
    batches = [steps]
    for event in events:
        state, steps = flow.advance(state, event)
        json.dumps(state)  # the state must stay JSON, for a webhook runner keeping it per call
        batches.append(steps)
    return state, batches


def kinds(steps):
    return [type(step).__name__ for step in steps]


def test_alerted_once_hears_the_title_and_rings_the_handler():
    """A caller alerted by one active action hears its title and is dialled straight to its operator."""
    state, (steps,) = run(make_flow(), [])
    say, dial = steps
    assert say.prompt[0] == "inbound_calling_about" and say.prompt[-1] == "connecting"
    assert say.prompt[1] == Spoken("Inbraak Weesp", language="nl",
                                   fallback=("whisper_action_code", "digit_4", "digit_7", "digit_1", "digit_1"))
    assert say.interrupt == "*"
    assert dial.targets[0].dial_string == HANDLER.dial_string and dial.targets[0].operator_id == HANDLER.id
    assert dial.timeout_s == 15 and dial.stage == "operator"
    assert dial.whisper == ("whisper_action_code", "digit_4", "digit_7", "digit_1", "digit_1", "whisper_alerted")
    assert state["lang"] == "en" and state["participant_id"] == 101


def test_handler_answers_and_the_call_is_connected():
    """When the operator answers, the call ends as connected with the operator and talk time."""
    flow = make_flow()
    state, batches = run(flow, [DialResult("answered", talk_s=42.0, operator_id=HANDLER.id)])
    assert kinds(batches[-1]) == ["Hangup"]
    outcome = flow.outcome(state)
    assert (outcome.outcome, outcome.action_id, outcome.operator_id, outcome.talk_s, outcome.alerted) == \
        ("connected", BURGLARY.id, HANDLER.id, 42.0, True)
    assert outcome.route == [{"stage": "operator", "targets": [HANDLER.dial_string], "status": "answered"}]


def test_busy_handler_then_available_colleagues_then_general_line_then_tip():
    """Busy or unanswered stages go on to colleagues (not the away one), the general line, then a tip."""
    flow = make_flow()
    state, batches = run(flow, [DialResult("busy"), DialResult("noanswer"), DialResult("failed")])
    others, general, record = batches[1][0], batches[2][0], batches[3][0]
    assert [t.operator_id for t in others.targets] == [COLLEAGUE.id] and others.stage == "others"
    assert general.targets[0].dial_string == GENERAL and general.timeout_s == 25
    assert isinstance(record, Record) and record.prompt == ("operator_unavailable_leave_tip",)
    assert [r["status"] for r in state["route"]] == ["busy", "noanswer", "failed"]


def test_tip_is_saved_and_attached_to_the_action():
    """A recorded tip becomes a SaveTip for the action, a thank-you, and a hangup."""
    flow = make_flow(routes={1: RouteInfo(1, None, (), None)})
    state, batches = run(flow, [Recorded("tip-1.wav", 7.5)])
    assert kinds(batches[0]) == ["Say", "Record"]  # nobody to ring: straight to the tip
    assert batches[-1] == [SaveTip(BURGLARY.id, "tip-1.wav", 7.5), Say(("tip_saved",)), Hangup()]
    assert flow.outcome(state).outcome == "tip"


@pytest.mark.parametrize(("duration", "outcome"), [(0.2, "no_tip"), (None, "tip"), (1.0, "tip")])
def test_empty_recording_is_not_a_tip(duration, outcome):
    """A recording under a second is a stray key; one of unknown length (hangup) is kept."""
    flow = make_flow(routes={1: RouteInfo(1, None, (), None)})
    state, _ = run(flow, [Recorded("tip-1.wav", duration)])
    assert flow.outcome(state).outcome == outcome


def test_alerted_twice_gets_a_menu_of_titles():
    """A caller alerted by two active actions hears a menu naming each action by its title."""
    state, (steps,) = run(make_flow(), [], caller=ALERTED_TWICE)
    assert steps[0] == Say(("inbound_welcome",))
    menu = steps[1]
    assert isinstance(menu, Gather) and menu.max_digits == 1
    assert menu.prompt[0] == "inbound_menu_intro"
    assert menu.prompt[1] == "press_1" and menu.prompt[2].text == "Vermiste jongen"
    assert menu.prompt[3] == "press_2" and menu.prompt[4].text == "Inbraak Weesp"
    assert state["lang"] == "nl"  # participant without a language: the default


@pytest.mark.parametrize(("keys", "action_id"), [("1", MISSING.id), ("2", BURGLARY.id)])
def test_menu_choice_puts_through_to_that_action(keys, action_id):
    """Pressing the number of an action puts the caller through about that action."""
    state, batches = run(make_flow(), [Digits(keys)], caller=ALERTED_TWICE)
    assert kinds(batches[-1]) == ["Say", "Dial"]
    assert state["action"]["id"] == action_id and state["alerted"] is True


@pytest.mark.parametrize(("event", "complaint"), [(Digits(None), "no_input"), (Digits("7"), "invalid_choice"),
                                                  (Digits("#"), "invalid_choice")])
def test_menu_timeout_or_invalid_choice_repeats_the_menu(event, complaint):
    """No key or a wrong key is named and the menu is asked again."""
    state, batches = run(make_flow(), [event], caller=ALERTED_TWICE)
    assert batches[-1][0] == Say((complaint,)) and isinstance(batches[-1][1], Gather)
    assert state["tries"] == 1


def test_menu_failure_puts_through_about_the_latest_action():
    """After three failed menu tries the caller is put through about the most recent action."""
    state, batches = run(make_flow(), [Digits(None), Digits("9"), Digits(None)], caller=ALERTED_TWICE)
    assert kinds(batches[-1]) == ["Say", "Dial"] and state["action"]["id"] == MISSING.id


def test_star_in_menu_or_greeting_asks_for_the_code():
    """`*` in the menu, or during the greeting of a single action, switches to code entry."""
    for caller in (ALERTED_TWICE, ALERTED_ONCE):
        state, batches = run(make_flow(), [Digits("*")], caller=caller)
        assert batches[-1] == [Gather(("enter_code", "check_offer"), max_digits=7, timeout_s=SETTINGS.code_timeout_s)]
        assert state["phase"] == "code" and state["route"] == []


@pytest.mark.parametrize("caller", [STRANGER, None])
def test_unknown_or_withheld_caller_is_asked_for_the_code(caller):
    """An unknown or withheld number is welcomed and asked for the code from the message."""
    state, (steps,) = run(make_flow(), [], caller=caller)
    assert steps == [Gather(("inbound_welcome", "enter_code", "check_offer"), max_digits=7,
                            timeout_s=SETTINGS.code_timeout_s)]
    assert state["participant_id"] is None


def test_known_code_puts_through_not_alerted():
    """A stranger who keys an active action's code is put through; the whisper says 'not alerted'."""
    state, batches = run(make_flow(), [Digits("5822")], caller=STRANGER)
    say, dial = batches[-1]
    assert say.prompt[0] == "inbound_calling_about" and say.prompt[1].text == "Vermiste jongen"
    assert dial.whisper[-1] == "whisper_not_alerted" and state["alerted"] is False


def test_code_of_an_action_that_alerted_the_caller_counts_as_alerted():
    """A caller alerted by two actions who keys one's code is 'alerted' for that one."""
    state, _ = run(make_flow(), [Digits("*"), Digits("4711")], caller=ALERTED_TWICE)
    assert state["action"]["id"] == BURGLARY.id and state["alerted"] is True


@pytest.mark.parametrize(("keys", "complaint"), [(None, "no_input"), ("1234", "code_unknown"),
                                                 ("12345678", "code_unknown")])
def test_wrong_code_is_asked_again(keys, complaint):
    """An unknown code or none at all is named and asked again."""
    state, batches = run(make_flow(), [Digits(keys)], caller=STRANGER)
    assert batches[-1] == [Say((complaint,)), Gather(("enter_code",), max_digits=6,
                                                      timeout_s=SETTINGS.code_timeout_s)]


def test_three_wrong_codes_end_at_the_general_line():
    """After three wrong codes the caller is told so and put through to the general line."""
    flow = make_flow()
    state, batches = run(flow, [Digits("1"), Digits("2"), Digits(None)], caller=STRANGER)
    say, dial = batches[-1]
    assert say == Say(("code_retry_exhausted",))
    assert dial.targets[0].dial_string == GENERAL and dial.whisper == ()
    state, steps = flow.advance(state, DialResult("answered", talk_s=3.0))
    assert steps == [Hangup()] and flow.outcome(state).outcome == "general_line"


@pytest.mark.parametrize("keys", [["*4711"], ["*", "4711"]])
def test_star_and_a_code_says_the_alert_is_genuine_and_offers_the_operator(keys):
    """`*` with the code (or `*`, then the code when asked) of an active action: "yes, a genuine alert from the
    police about <title>, still on"; the call is no response to the action until the caller presses 1."""
    flow = make_flow()
    state, batches = run(flow, [Digits(k) for k in keys], caller=STRANGER)
    if len(keys) == 2:
        assert batches[1] == [Gather(("check_enter_code",), max_digits=6, timeout_s=SETTINGS.code_timeout_s)]
    [question] = batches[-1]
    assert question.prompt[0] == "check_genuine" and question.prompt[1].text == "Inbraak Weesp"
    assert question.prompt[2] == "check_still_on" and question.max_digits == 1
    checked, steps = flow.advance(state, Digits(None))
    assert steps == [Say(("goodbye",)), Hangup()]
    outcome = flow.outcome(checked)
    assert (outcome.outcome, outcome.action_id, outcome.route) == ("checked", None, [])

    state, steps = flow.advance(state, Digits("1"))
    assert steps[0] == Say(("connecting",)) and steps[1].targets[0].dial_string == HANDLER.dial_string
    assert steps[1].whisper[-1] == "whisper_not_alerted"
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "abandoned" and flow.outcome(state).action_id == BURGLARY.id


def test_checking_an_ended_alert_says_it_ended():
    flow = make_flow()
    state, batches = run(flow, [Digits("*9000")], caller=STRANGER)
    say, hangup = batches[-1]
    assert say.prompt[0] == "check_genuine" and say.prompt[1].text == "Oud"
    assert say.prompt[2:] == ("check_ended", "goodbye") and hangup == Hangup()
    assert flow.outcome(state).outcome == "checked" and flow.outcome(state).action_id is None


def test_checking_an_exercise_says_it_is_one_and_offers_no_operator():
    drill = ActionSummary(id=4, code="6100", title="Oefening Weesp", status="active", control_room_id=1,
                          exercise=True)
    flow = make_flow(actions=(BURGLARY, drill))
    state, batches = run(flow, [Digits("*6100")], caller=STRANGER)
    say, hangup = batches[-1]
    assert say.prompt[0] == "check_exercise" and say.prompt[1].text == "Oefening Weesp"
    assert say.prompt[2:] == ("check_exercise_nothing_to_do", "goodbye") and hangup == Hangup()
    assert flow.outcome(state).outcome == "checked" and flow.outcome(state).action_id is None


def test_checking_an_unknown_code_says_there_is_no_such_alert_until_the_tries_are_used():
    flow = make_flow()
    state, batches = run(flow, [Digits("*1234"), Digits(None), Digits("12*4")], caller=STRANGER)
    check_again = Gather(("check_enter_code",), max_digits=6, timeout_s=SETTINGS.code_timeout_s)
    assert batches[1] == [Say(("check_not_found",)), check_again]
    assert batches[2] == [Say(("no_input",)), check_again]
    assert batches[3] == [Say(("check_not_found", "goodbye")), Hangup()]
    assert flow.outcome(state).outcome == "checked" and flow.outcome(state).action_id is None


class CheckBudget:
    """Checks allowed per caller across calls (as core.genuine_check.PhoneCheckLimits counts them)."""

    def __init__(self, left):
        self.left, self.asked = left, []

    def allows(self, caller):
        self.asked.append(caller)
        self.left -= 1
        return self.left >= 0


def test_checks_over_the_callers_limit_are_refused_with_the_control_room_offered():
    """Past the limit across calls the caller is told to try later and may press 1 for the control
    room's general line; the code is not looked up, and a withheld number counts as None."""
    budget = CheckBudget(left=1)
    flow = InboundFlow(FakeDirectory(callers={}), SETTINGS, budget)
    state, batches = run(flow, [Digits("*4711")], caller=STRANGER)
    assert batches[-1][0].prompt[0] == "check_genuine"
    state, batches = run(flow, [Digits("*4711")], caller=None)
    refused = Gather(("check_too_many", "check_too_many_operator"), max_digits=1, timeout_s=SETTINGS.menu_timeout_s)
    assert batches[-1] == [refused] and state["phase"] == "refused"
    assert budget.asked == [STRANGER, None]
    put_through, steps = flow.advance(state, Digits("1"))
    assert steps == [Say(("connecting_control_room",)), Dial((DialTarget(GENERAL),), SETTINGS.control_room_ring_s,
                                                             stage="general_line")]
    answered, _ = flow.advance(put_through, DialResult("answered", talk_s=12.0))
    assert flow.outcome(answered).outcome == "general_line"
    declined, steps = flow.advance(state, Digits(None))
    assert steps == [Say(("goodbye",)), Hangup()] and flow.outcome(declined).outcome == "checked"


def test_refused_check_without_a_general_line_says_so_and_goodbye():
    """No general line to offer: the refusal is still said, never silence."""
    flow = InboundFlow(FakeDirectory(callers={}, idle=None), SETTINGS, CheckBudget(left=0))
    state, batches = run(flow, [Digits("*"), Digits("4711")], caller=STRANGER)
    assert batches[-1] == [Say(("check_too_many", "goodbye")), Hangup()]
    assert flow.outcome(state).outcome == "checked"


def test_ended_action_code_is_told_ended_not_also_that_nothing_is_active():
    """The code of an ended action while others are active: told it ended and put through to the
    control room, never also "there is no active alert"."""
    state, batches = run(make_flow(), [Digits("9000")], caller=STRANGER)
    assert batches[-1][0] == Say(("action_ended", "connecting_control_room"))
    assert isinstance(batches[-1][1], Dial) and batches[-1][1].stage == "general_line"


def test_caller_alerted_by_a_recently_ended_action_is_told_it_ended():
    """A caller whose alert's action ended in the last hours is told it ended and thanked, then put
    through to the control room (not asked for a code, not told "no active alert")."""
    callers = {ALERTED_ONCE: (101, "en", [], [ENDED])}
    flow = InboundFlow(FakeDirectory(callers=callers), SETTINGS)
    state, (steps,) = run(flow, [])
    assert steps[0] == Say(("inbound_welcome", "action_ended", "connecting_control_room"))
    assert isinstance(steps[1], Dial) and steps[1].targets[0].dial_string == GENERAL
    assert state["action"]["id"] == ENDED.id and flow.outcome(state).outcome == "no_action"


def test_no_active_action_without_general_line_says_goodbye():
    """No active action and no general line to go to: told so, then goodbye."""
    flow = make_flow(actions=(), idle=None)
    state, (steps,) = run(flow, [], caller=STRANGER)
    assert steps == [Say(("inbound_welcome", "no_active_action", "goodbye")), Hangup()]
    assert flow.outcome(state).outcome == "no_action"


def test_no_active_action_goes_to_the_general_line_unless_disabled():
    """With no active action the caller reaches the general line, unless the setting says not to."""
    flow = make_flow(actions=())
    _, (steps,) = run(flow, [], caller=STRANGER)
    assert isinstance(steps[-1], Dial) and steps[-1].stage == "general_line"
    flow = InboundFlow(FakeDirectory(actions=()), FlowSettings(idle_to_general_line=False))
    _, (steps,) = run(flow, [], caller=STRANGER)
    assert steps[-1] == Hangup()


def test_general_line_unanswered_says_goodbye():
    """An unanswered general line ends with goodbye; the outcome stays no_action."""
    flow = make_flow(actions=())
    state, batches = run(flow, [DialResult("noanswer")], caller=STRANGER)
    assert batches[-1] == [Say(("goodbye",)), Hangup()]
    assert flow.outcome(state).outcome == "no_action"


@pytest.mark.parametrize("events", [[], [DialResult("busy")], [Digits("*")]])
def test_hangup_at_any_moment_ends_abandoned(events):
    """A hangup in any phase ends the flow with no steps and outcome 'abandoned'."""
    flow = make_flow()
    state, batches = run(flow, [*events, Hungup()])
    assert batches[-1] == [] and flow.outcome(state).outcome == "abandoned"


def test_unexpected_event_is_a_clear_error():
    """An event the flow cannot be waiting for raises, naming it (the runner then falls back)."""
    flow = make_flow()
    state, _ = run(flow, [])
    with pytest.raises(ValueError, match="Recorded in phase 'routing'"):
        flow.advance(state, Recorded("x.wav", 1.0))
