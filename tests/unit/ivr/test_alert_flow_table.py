"""The outbound alert call as a table: state + event -> steps."""
import dataclasses
import json

import pytest
from fake_directory import BURGLARY, ENDED, HANDLER, FakeDirectory, alert_call, closing_call

from ivr.alert_flow import AlertFlow
from ivr.settings import FlowSettings
from ivr.steps import Detected, Dial, DialResult, Digits, Gather, Hangup, Hungup, KeypadChoice, Say, Spoken, Started

SETTINGS = FlowSettings()


def make_flow():
    return AlertFlow(FakeDirectory(alerts={7: alert_call()}), SETTINGS)


def run(flow, events, delivery_id=7):
    state, steps = flow.advance(None, Started("call-9", caller="+31201234501", delivery_id=delivery_id))
    batches = [steps]
    for event in events:
        state, steps = flow.advance(state, event)
        json.dumps(state)
        batches.append(steps)
    return state, batches


ALERT = Say((Spoken("Alert text of 4711", key="nl/alert1",
                    fallback=("alert_intro", "whisper_action_code", "digit_4", "digit_7", "digit_1", "digit_1")),),
            interrupt="120")
MENU = Gather(("alert_menu",), max_digits=1, timeout_s=SETTINGS.menu_timeout_s)
CONFIRM_STOP = Gather(("stop_calls_confirm",), max_digits=1, timeout_s=SETTINGS.menu_timeout_s)


def test_alert_plays_twice_then_the_menu():
    """The alert is played twice, then 'press 1 to be put through, press 2 to hear it again'."""
    _, (steps,) = run(make_flow(), [])
    assert steps == [ALERT, ALERT, MENU]


def test_press_1_puts_through_to_the_action_operator():
    """Pressing 1 (even during the alert) takes the free number's routing for the action."""
    flow = make_flow()
    state, batches = run(flow, [Digits("1")])
    say, dial = batches[-1]
    assert say == Say(("connecting",)) and isinstance(dial, Dial)
    assert dial.targets[0].operator_id == HANDLER.id and dial.whisper[-1] == "whisper_alerted"
    assert state["key"] == "1"
    state, _ = flow.advance(state, DialResult("answered", talk_s=12.0, operator_id=HANDLER.id))
    assert flow.outcome(state).outcome == "connected" and flow.outcome(state).action_id == BURGLARY.id


def test_press_2_plays_the_alert_again():
    """Pressing 2 plays the alert once more and asks again."""
    state, batches = run(make_flow(), [Digits("2")])
    assert batches[-1] == [ALERT, MENU] and state["key"] == "2"


@pytest.mark.parametrize(("event", "complaint"), [(Digits(None), "no_input"), (Digits("5"), "invalid_choice")])
def test_no_or_wrong_key_asks_again(event, complaint):
    """No key or another key is named and the menu is repeated."""
    _, batches = run(make_flow(), [event])
    assert batches[-1] == [Say((complaint,)), MENU]


def test_press_0_then_9_stops_alert_calls_to_this_number():
    """0 asks for a 9 to confirm; the 9 applies the choice at once and says how to undo it."""
    flow = make_flow()
    state, batches = run(flow, [Digits("0"), Digits("9")])
    assert batches[1] == [CONFIRM_STOP]
    assert batches[2] == [KeypadChoice(7, "stop_calls"), Say(("calls_stopped",)), Hangup()]
    assert state["key"] == "0" and flow.outcome(state).outcome == "listened"


@pytest.mark.parametrize("second", [Digits("1"), Digits("0"), Digits(None)])
def test_press_0_without_the_9_goes_back_to_the_menu(second):
    """Any other key after the 0, a second 0 or silence changes nothing and returns to the menu."""
    state, batches = run(make_flow(), [Digits("0"), second])
    assert batches[2] == [MENU] and state["phase"] == "menu"
    assert not any(isinstance(step, KeypadChoice) for batch in batches for step in batch)


def test_a_mobile_hears_press_3_and_gets_sms_instead():
    """A mobile's menu offers 3 (also during the alert); 3 switches the number to SMS at once."""
    flow = AlertFlow(FakeDirectory(alerts={7: alert_call(mobile=True)}), SETTINGS)
    state, batches = run(flow, [Digits("3")])
    alert, _, menu = batches[0]
    assert alert.interrupt == "1203" and menu.prompt == ("alert_menu", "alert_menu_sms")
    assert batches[1] == [KeypadChoice(7, "sms_instead"), Say(("sms_instead_done",)), Hangup()]
    assert state["key"] == "3"


def test_a_landline_pressing_3_hears_the_wrong_key():
    """A landline is not offered SMS: 3 is a wrong key there."""
    _, batches = run(make_flow(), [Digits("3")])
    assert batches[-1] == [Say(("invalid_choice",)), MENU]


def test_silence_after_three_menus_thanks_and_hangs_up():
    """A participant who only listens is thanked after three menus; the outcome is 'listened'."""
    flow = make_flow()
    state, batches = run(flow, [Digits(None)] * 3)
    assert batches[-1] == [Say(("thanks_goodbye",)), Hangup()]
    assert flow.outcome(state).outcome == "listened" and state["key"] is None


def test_hangup_while_listening_is_listened():
    """Hanging up during the alert counts as listened, not as a failed call."""
    flow = make_flow()
    state, batches = run(flow, [Hungup()])
    assert batches[-1] == [] and flow.outcome(state).outcome == "listened"


def test_unknown_delivery_hangs_up_failed():
    """An alert call whose delivery is unknown hangs up and is recorded as failed."""
    flow = make_flow()
    state, (steps,) = run(flow, [], delivery_id=999)
    assert steps == [Hangup()] and flow.outcome(state).outcome == "failed"


def test_alert_for_an_ended_action_says_so():
    """An alert call about an action that has ended in the meantime says so and hangs up."""
    flow = AlertFlow(FakeDirectory(alerts={7: alert_call(action=ENDED)}), SETTINGS)
    _, (steps,) = run(flow, [])
    assert steps == [Say(("action_ended", "goodbye")), Hangup()]


CLOSING = Say((Spoken("Closing text of 9000", key="nl/closing9000", fallback=("alert_closing_intro",)),),
              interrupt="2")
CLOSING_MENU = Gather(("closing_menu",), max_digits=1, timeout_s=SETTINGS.menu_timeout_s)


def closing_flow():
    return AlertFlow(FakeDirectory(alerts={8: closing_call()}), SETTINGS)


def test_closing_call_plays_the_result_twice_then_press_2():
    """A closing call plays how the action ended twice, then offers 'press 2 to hear it again'."""
    _, (steps,) = run(closing_flow(), [], delivery_id=8)
    assert steps == [CLOSING, CLOSING, CLOSING_MENU]


def test_closing_call_press_2_plays_it_again_and_never_puts_through():
    """2 replays the closing text; 1 (or nothing) says goodbye: a closing call rings nobody."""
    flow = closing_flow()
    state, batches = run(flow, [Digits("2"), Digits("1")], delivery_id=8)
    assert batches[1] == [CLOSING, CLOSING_MENU]
    assert batches[2] == [Say(("goodbye",)), Hangup()]
    assert flow.outcome(state).outcome == "listened" and state["plays"] == 3 and state["route"] == []
    assert not any(isinstance(step, Dial) for batch in batches for step in batch)


def test_closing_call_does_not_announce_the_end_as_news():
    """The closing call never plays the free number's 'this action has ended' prompt."""
    flow = closing_flow()
    _, batches = run(flow, [Digits(None)], delivery_id=8)
    prompts = [part for batch in batches for step in batch for part in getattr(step, "prompt", ())]
    assert "action_ended" not in prompts


def started(answered_by, cause=None):
    return Started("call-9", caller="+31201234501", delivery_id=7, answered_by=answered_by, amd_cause=cause)


VOICEMAIL = Say(("voicemail_intro", Spoken(BURGLARY.title, language=SETTINGS.title_language,
                                           fallback=("whisper_action_code", "digit_4", "digit_7", "digit_1", "digit_1")),
                 "voicemail_code", "digit_4", "digit_7", "digit_1", "digit_1",
                 "voicemail_free_number", "digit_0", "digit_8", "digit_0", "digit_0", "digit_0", "digit_0", "digit_1",
                 "digit_1", "goodbye"), interrupt="0123456789*#")


def test_a_machine_gets_the_voicemail_message_once_and_a_voicemail_outcome():
    """A machine (its greeting over) hears the title, the code and the free number once; the call is a voicemail."""
    flow = make_flow()
    state, steps = flow.advance(None, started("machine", "LONGGREETING-1500-1500"))
    assert steps == [VOICEMAIL, Hangup()]
    assert state["voicemail"] is True and state["amd"] == "machine" and state["plays"] == 0
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "voicemail"


def test_a_machine_that_hangs_up_during_the_message_is_still_a_voicemail():
    """A machine that stops recording mid-message leaves a voicemail, not a listened call."""
    flow = make_flow()
    state, _ = flow.advance(None, started("machine"))
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "voicemail" and state["voicemail"] is True


def test_an_exercise_s_voicemail_message_says_it_is_an_exercise_first():
    """A machine recording an exercise's call hears "Oefening" before anything else."""
    drill = alert_call(action=dataclasses.replace(BURGLARY, exercise=True))
    flow = AlertFlow(FakeDirectory(alerts={7: drill}), SETTINGS)
    _, steps = flow.advance(None, started("machine"))
    assert steps == [Say(("voicemail_exercise", *VOICEMAIL.prompt), interrupt=VOICEMAIL.interrupt), Hangup()]


@pytest.mark.parametrize("key", ["5", "1", "#"])
def test_any_key_during_the_voicemail_message_proves_a_person(key):
    """A key during the voicemail message overrules detection: the alert twice and the menu, as a person gets."""
    flow = make_flow()
    state, _ = flow.advance(None, started("machine"))
    state, steps = flow.advance(state, Digits(key))
    assert steps == [ALERT, ALERT, MENU]
    assert state["voicemail"] is False and state["amd"] == "key" and state["phase"] == "menu"
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "listened"


@pytest.mark.parametrize("verdict", ["human", "notsure", None])
def test_a_person_or_an_unsure_verdict_gets_the_full_alert(verdict):
    """HUMAN and NOTSURE (and no detection) are a person: the alert twice and the menu."""
    state, steps = make_flow().advance(None, started(verdict))
    assert steps == [ALERT, ALERT, MENU] and state["voicemail"] is None and state["amd"] == verdict


def test_an_unknown_detection_verdict_is_refused():
    """A verdict the flows do not know is a runner's bug, not a silent person."""
    with pytest.raises(ValueError, match="answering-machine"):
        started("robot")


def test_a_closing_call_a_machine_answered_leaves_the_closing_once():
    """On a machine the closing text is left once, then goodbye; a key proves a person, who gets it twice and the menu."""
    flow = closing_flow()
    state, steps = flow.advance(None, Started("call-9", delivery_id=8, answered_by="machine"))
    assert steps == [Say(CLOSING.prompt + ("goodbye",), interrupt="0123456789*#"), Hangup()]
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "voicemail" and state["voicemail"] is True
    state, _ = flow.advance(None, Started("call-9", delivery_id=8, answered_by="machine"))
    state, steps = flow.advance(state, Digits("4"))
    assert steps == [CLOSING, CLOSING, CLOSING_MENU] and state["amd"] == "key" and state["voicemail"] is False


# Twilio's asynchronous detection: the verdict arrives while the call already plays.

def test_a_machine_verdict_while_the_alert_plays_puts_the_voicemail_in_its_place():
    flow = make_flow()
    state, _ = flow.advance(None, started(None))
    state, steps = flow.advance(state, Detected("machine", "machine_end_beep"))
    assert steps == [VOICEMAIL, Hangup()]
    assert (state["phase"], state["voicemail"], state["amd"], state["amd_cause"]) == (
        "voicemail", True, "machine", "machine_end_beep")
    state, _ = flow.advance(state, Hungup())
    assert flow.outcome(state).outcome == "voicemail"


@pytest.mark.parametrize("verdict", ["human", "notsure"])
def test_a_person_verdict_while_the_alert_plays_changes_nothing_on_the_call(verdict):
    flow = make_flow()
    state, _ = flow.advance(None, started(None))
    state, steps = flow.advance(state, Detected(verdict, "x"))
    assert steps == [] and state["phase"] == "menu" and state["amd"] == verdict and state["voicemail"] is None


def test_a_key_before_a_machine_verdict_proves_a_person():
    """An invalid key counts as much as a valid one: someone pressed it."""
    flow = make_flow()
    state, _ = flow.advance(None, started(None))
    state, _ = flow.advance(state, Digits("7"))
    state, steps = flow.advance(state, Detected("machine", "machine_end_other"))
    assert steps == [] and state["amd"] == "key" and state["voicemail"] is None and state["phase"] == "menu"


def test_a_machine_verdict_on_a_closing_call_leaves_the_closing():
    flow = closing_flow()
    state, _ = flow.advance(None, Started("call-9", delivery_id=8))
    state, steps = flow.advance(state, Detected("machine", "machine_end_silence"))
    assert steps == [Say(CLOSING.prompt + ("goodbye",), interrupt="0123456789*#"), Hangup()]
