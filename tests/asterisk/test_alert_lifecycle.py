"""The alert call's life cycle through the real lab Asterisk: ending an action, closing calls, and
the trunk's channel limit as Asterisk itself reports it."""
from __future__ import annotations

import dataclasses

import pytest

from lab.asterisk import LAB_TRUNK
from core.configuration import save_trunk
from core.models import Action
from voice.call_events import TrunkServices
from voice.settings import VoiceSettings
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, STAYS, hang_up, heard, wait_until
from tests.call_scenarios import expected

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_ending_an_action_cancels_the_calls_still_waiting_for_a_channel(scenario, start_service, ami):
    """With one channel busy, the calls still waiting when the action ends are cancelled, never placed."""
    start_service(trunk=scenario_trunk(scenario, channel_limit=1))
    first, *waiting = scenario.participants(STAYS, STAYS, STAYS)
    action_id = scenario.launch()
    on_line = wait_until(lambda: next((d for d in scenario.deliveries(action_id).values()
                                       if (d.detail or {}).get("answered_at")), None), "the first call answered")

    scenario.end(action_id)
    hang_up(ami, on_line.provider_ref)
    deliveries = scenario.wait_settled(action_id)
    assert deliveries[on_line.to_e164].state == "answered"
    others = [d for d in deliveries.values() if d.id != on_line.id]
    assert [d.state for d in others] == ["cancelled", "cancelled"]
    assert all(d.error == "action ended" and "call" not in (d.detail or {}) for d in others)


@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_everyone_reached_hears_the_closing_text_twice_in_their_language(scenario, call_service, voice_rt,
                                                                        voice_prompts, asterisk_lab, language):
    """After the action ends, each participant reached is called again and Asterisk plays them the
    closing text (rendered in their language) twice, then 'press 2 to hear it again', then goodbye:
    never "this action has ended" as news, never an operator rung."""
    numbers = scenario.participants(STAYS, language=language)
    action_id = scenario.launch()
    alerts = scenario.wait_settled(action_id, timeout=120)  # the flow says goodbye after one silent menu
    assert {d.state for d in alerts.values()} == {"answered"}

    scenario.end(action_id, closing_text="De verdachte zit vast.")
    closings = scenario.wait_settled(action_id, purpose="closing", timeout=120)
    assert sorted(closings) == sorted(numbers)
    for number, closing in closings.items():
        assert closing.state == "answered"
        closing_prompt = closing.detail["prompt"]
        assert closing_prompt.startswith(f"{language}/") and closing_prompt != alerts[number].detail["prompt"]
        assert heard(asterisk_lab, voice_prompts, closing.id) == expected(
            "closing", "listened", closing_prompt, language)
        assert heard(asterisk_lab, voice_prompts, alerts[number].id) == expected(
            "alert", "listened", alerts[number].detail["prompt"], language)
    with voice_rt.db.session() as session:
        assert session.get(Action, action_id).status == "ended"


def test_trunk_never_carries_more_calls_than_its_channel_limit(scenario, start_service, asterisk_lab):
    """Ten answered calls on a 3-channel trunk: Asterisk never has more than 3 up, and all 3 get used."""
    observer, counter = asterisk_lab.count_calls(f"{scenario.rt.config['QUEUE_PREFIX']}-")
    try:
        start_service(trunk=scenario_trunk(scenario, channel_limit=3, cps=5.0))
        scenario.participants(*[ANSWERS] * 10)
        action_id = scenario.launch()
        deliveries = scenario.wait_settled(action_id, timeout=120)
    finally:
        observer.close()
    assert {d.state for d in deliveries.values()} == {"answered"}
    assert counter.started == 10
    assert counter.peak == 3


def scenario_trunk(scenario, **changes):
    """The lab trunk of the test's configuration with other limits."""
    return dataclasses.replace(VoiceSettings.from_config(scenario.rt.config).trunk, **changes)


def test_a_room_with_its_own_trunk_calls_through_it(scenario, voice_rt, alert_server, asterisk_lab, ami, ami_events):
    """A trunk an admin configured for the room (its own AMI login, caller ID and limits) carries the
    room's calls, placed by the call service the trunk list starts."""
    with voice_rt.db.session() as session:
        save_trunk(session, {
            "name": "weesp", "backend": "asterisk", "control_room_id": str(scenario.room_id),
            "dial_template": LAB_TRUNK.dial_template, "caller_id": "+31201110000", "channel_limit": "2",
            "calls_per_second": "5", "ami_host": asterisk_lab.ami_host, "ami_port": str(asterisk_lab.ami_port),
            "ami_user": asterisk_lab.ami_user, "ami_secret": asterisk_lab.ami_secret, "enabled": "on"},
            "test", voice_rt.config)
    services = TrunkServices(voice_rt)
    services.refresh()
    try:
        assert "weesp" in services.services
        (number,) = scenario.participants(ANSWERS)
        action_id = scenario.launch()
        delivery = scenario.wait_settled(action_id)[number]
    finally:
        services.stop()
    assert delivery.state == "answered"
    hangup = ami_events.wait_for(lambda e: e.name == "Hangup" and e.get("Uniqueid") == delivery.provider_ref)
    assert hangup["CallerIDNum"].endswith("201110000")
