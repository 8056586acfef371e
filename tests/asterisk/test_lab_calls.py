"""Calls through the real Asterisk lab, observed over AMI."""

from __future__ import annotations

import pytest

from lab.asterisk import LAB_CONTROL_ROOM

CONTROL_ROOM_DIAL = LAB_CONTROL_ROOM.removeprefix("Local/")  # DialString in DialBegin
# A participant in a fallback test stays on through the generic fallback prompt (about 8 s).
FALLBACK_LISTEN_S = 15


def dial_begin_from(uniqueid: str):
    """A predicate for DialBegin events whose calling channel is `uniqueid`."""
    return lambda e: e.name == "DialBegin" and e.get("Uniqueid") == uniqueid


def test_answered_originate_goes_up_and_ends_with_normal_clearing(ami, ami_events, channel_id):
    """An Originate to a 01 number is answered (Reason 4), goes Up, and hangs up with cause 16."""
    action_id = ami.originate("Local/31201234501@lab-pstn", context="lab-hold",
                              variables={"LAB_LISTEN": 1}, channel_id=channel_id)

    response = ami_events.originate_response(action_id)
    assert (response["Response"], response["Reason"]) == ("Success", "4")
    assert response["Uniqueid"] == channel_id
    ami_events.wait_for(lambda e: e.name == "Newstate" and e.get("Uniqueid") == channel_id
                        and e.get("ChannelStateDesc") == "Up")
    assert ami_events.wait_hangup(channel_id)["Cause"] == "16"


@pytest.mark.parametrize(("number", "reason"), [
    ("31201234503", "5"),   # busy
    ("31201234504", "3"),   # rings until the Originate timeout
    ("31201234506", "8"),   # congestion
    ("31201234508", "0"),   # not in service: no call could be set up
])
def test_unanswered_originate_reports_its_reason(ami, ami_events, channel_id, number, reason):
    """Busy, no answer, congestion and unallocated numbers fail with their OriginateResponse Reason."""
    action_id = ami.originate(f"Local/{number}@lab-pstn", context="lab-hold", ring_timeout=2,
                              channel_id=channel_id)

    response = ami_events.originate_response(action_id)
    assert (response["Response"], response["Reason"]) == ("Failure", reason)


def test_alert_call_reaches_fastagi_on_the_host(ami, ami_events, fastagi, channel_id):
    """The alert context opens agi://…/alert from inside the chroot, with the delivery id set."""
    agi = fastagi(["GET VARIABLE UITKIJK_DELIVERY"])
    ami.originate("Local/31201234501@lab-pstn", context="uitkijk-alert",
                  variables={"UITKIJK_DELIVERY": "delivery-77", "LAB_LISTEN": 2},
                  channel_id=channel_id)

    agi.wait()
    assert agi.environment["agi_network_script"] == "alert"
    assert agi.environment["agi_uniqueid"] == channel_id
    assert agi.replies == ["200 result=1 (delivery-77)", "200 result=1"]
    ami_events.wait_hangup(channel_id)
    assert not ami_events.events(dial_begin_from(channel_id))  # no fallback after a done flow


def test_participant_keypress_reaches_alert_flow(ami, ami_events, fastagi, channel_id):
    """A 02 number presses 1 after answering; the flow reads it as digit 49 ('1')."""
    agi = fastagi(["WAIT FOR DIGIT 10000"])
    ami.originate("Local/31201234502@lab-pstn", context="uitkijk-alert",
                  variables={"UITKIJK_DELIVERY": "delivery-78", "LAB_DTMF_DELAY": 1,
                             "LAB_LISTEN": 2},
                  channel_id=channel_id)

    agi.wait()
    assert agi.replies[0] == "200 result=49"


def test_lab_caller_reaches_inbound_flow_with_caller_id_and_keypress(
        ami, ami_events, fastagi, channel_id):
    """A lab-caller call enters the free-number flow with its number as caller id and its DTMF."""
    agi = fastagi(["WAIT FOR DIGIT 10000"])
    ami.originate("Local/31612345678@lab-caller", context="lab-caller-phone",
                  variables={"LAB_DTMF": "1", "LAB_DTMF_DELAY": 1, "LAB_LISTEN": 2},
                  channel_id=channel_id)

    agi.wait()
    assert agi.environment["agi_network_script"] == "inbound"
    assert agi.environment["agi_callerid"] == "31612345678"
    assert agi.replies[0] == "200 result=49"


def test_alert_without_fastagi_falls_back_to_the_control_room(ami, ami_events, channel_id, asterisk_lab):
    """With no FastAGI server the alert call plays the generic fallback prompt, then reaches the
    control room, which answers."""
    ami.originate("Local/31201234501@lab-pstn", context="uitkijk-alert",
                  variables={"UITKIJK_DELIVERY": "delivery-79", "LAB_LISTEN": FALLBACK_LISTEN_S},
                  channel_id=channel_id)

    dial = ami_events.wait_for(dial_begin_from(channel_id))
    assert dial["DialString"] == CONTROL_ROOM_DIAL
    ami_events.wait_for(lambda e: e.name == "DialEnd" and e.get("Uniqueid") == channel_id
                        and e.get("DialStatus") == "ANSWER")
    fallback = f"{asterisk_lab.sound_dir}/alert-fallback"
    log = asterisk_lab.log_file.read_text(errors="replace")
    assert f'"{fallback}")' in log  # Executing [alert@uitkijk-fallback:N] Playback("<channel>", "<fallback>")
    assert not [line for line in log.splitlines() if "Unable to open" in line and "alert-fallback" in line]
    assert (asterisk_lab.sound_dir_host / "alert-fallback.wav").stat().st_size > 8000


def test_alert_fallback_dials_the_control_room_given_by_the_call(ami, ami_events, channel_id):
    """UITKIJK_CONTROL_ROOM set on the Originate overrides the default fallback destination."""
    ami.originate("Local/31201234501@lab-pstn", context="uitkijk-alert",
                  variables={"UITKIJK_DELIVERY": "delivery-80", "LAB_LISTEN": FALLBACK_LISTEN_S,
                             "UITKIJK_CONTROL_ROOM": "Local/31200000107@lab-pstn"},
                  channel_id=channel_id)

    dial = ami_events.wait_for(dial_begin_from(channel_id))
    assert dial["DialString"] == "31200000107@lab-pstn"


def test_alert_flow_that_dies_midway_falls_back(ami, ami_events, fastagi, channel_id):
    """A FastAGI session that ends without UITKIJK_FLOW_DONE=1 (a crash) still falls back."""
    agi = fastagi(["GET VARIABLE UITKIJK_DELIVERY"], flow_done=False)
    ami.originate("Local/31201234501@lab-pstn", context="uitkijk-alert",
                  variables={"UITKIJK_DELIVERY": "delivery-81", "LAB_LISTEN": FALLBACK_LISTEN_S},
                  channel_id=channel_id)

    agi.wait()
    dial = ami_events.wait_for(dial_begin_from(channel_id))
    assert dial["DialString"] == CONTROL_ROOM_DIAL


def test_inbound_without_fastagi_dials_the_control_room(ami, ami_events, channel_id):
    """A call to the free number with no FastAGI server goes to the control room line."""
    ami.originate("Local/31612345678@lab-caller", context="lab-caller-phone",
                  variables={"LAB_LISTEN": 2}, channel_id=channel_id)

    dial = ami_events.wait_for(lambda e: e.name == "DialBegin"
                               and e.get("Linkedid") == channel_id)
    assert dial["DialString"] == CONTROL_ROOM_DIAL
