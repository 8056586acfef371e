"""Scale-out on the engines the project already uses: two workers, two call services and two FastAGI
servers (the dialplan's `UITKIJK_AGI_FALLBACK` names the second) on one PostgreSQL and one Redis, all
real processes beside the lab Asterisk, and one of each killed with SIGKILL in the middle of a
5,000-participant action, all three at the same moment (as when their machine loses power): while
SMS go out, alert calls are up and a free-number caller is in the middle of the flow on the killed
FastAGI server.

What is checked comes from the receiving side: each SMS is a row in the console transport's outbox,
each alert call a channel in Asterisk's own AMI events (Newchannel, Newstate Up, Hangup, with the
switch's timestamps), each free-number caller a bridge Asterisk reports. The figures are printed
(and quoted in the README's "Several machines" section).
"""
from __future__ import annotations

import time
import uuid

import pytest
from test_inbound_calls import call_free_number

from lab import factories
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import wait_until
from tests.asterisk.fleet import (CHANNEL_LIMIT, CPS, AlertCallsSeen, Bridged, alert_audio_played, assert_alerted_once,
                                  flow_running_on, kill_at_once, logs, ready, seed, sent_sms, start_fleet,
                                  wait_settled)

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PARTICIPANTS = 5_000
LANDLINES = 150  # called through Asterisk; the others are mobiles reached by SMS
FREE_NUMBER_CALLERS = 4
CALLER_WAIT = 60.0  # seconds; a generous bound for every caller to be put through, not a performance check
CALLER_LISTEN_S = 20  # how long a caller stays on the line after keying nothing: past the greeting and the ring


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    """Two of each process kind, as on two machines; stopped (or already killed) afterwards."""
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path)
    yield processes
    for process in processes.values():
        process.stop()


def test_two_of_each_one_of_each_killed_everyone_alerted_once(voice_rt, fleet, asterisk_lab, ami):
    """Kill -9 one worker, one call service and the primary FastAGI server at once, mid SMS fan-out, mid
    calls and mid a free-number call: every participant is alerted, an SMS exactly once and a call at most
    once more than the calls in flight at the kill, every answered call recorded answered, the trunk never
    holds more than its channels or starts more than its calls per second, and every free-number caller
    (the one whose FastAGI server died under them, and those after) is put through."""
    rt = voice_rt
    seen, bridged = AlertCallsSeen(rt.config["QUEUE_PREFIX"]), Bridged()
    for listener in (seen, bridged):
        ami.subscribe("*", listener)
    room_id, operator_id, landlines = seed(rt, PARTICIPANTS, LANDLINES)
    ready(fleet, asterisk_lab)
    log_from = asterisk_lab.log_file.stat().st_size
    started = time.monotonic()
    action_id = factories.launch(rt, room_id, operator_id, "Vermiste man Weesp")

    callers = [f"scale-{uuid.uuid4().hex[:10]}" for _ in range(FREE_NUMBER_CALLERS)]
    wait_until(lambda: sent_sms(rt) >= 200 and len(seen.answered) >= 3, "the first SMS and calls", every=0.02)
    call_free_number(ami, callers[0], landlines[0], listen=CALLER_LISTEN_S)
    wait_until(lambda: flow_running_on(ami, asterisk_lab.agi_port), "the caller's flow on the primary server",
               every=0.02)
    with seen.lock:
        in_flight = len(seen.alive)
    kill_at_once(fleet["worker-a"], fleet["calls-a"], fleet["fastagi-a"])
    sms_at_kill = sent_sms(rt)
    for channel_id, caller in zip(callers[1:], landlines[1:]):
        call_free_number(ami, channel_id, caller, listen=CALLER_LISTEN_S)  # the primary refuses: the fallback takes it

    routed = bridged.wait(callers, CALLER_WAIT)
    assert routed == set(callers), f"callers not put through: {set(callers) - routed}\n{logs(fleet)}"
    states = wait_settled(rt, action_id, PARTICIPANTS, fleet)
    took = time.monotonic() - started

    assert sms_at_kill < PARTICIPANTS - LANDLINES, "the worker was not killed mid fan-out"
    assert in_flight > 0, "no call was up at the kill"
    doubles, busiest = assert_alerted_once(rt, seen, states, PARTICIPANTS, LANDLINES, in_flight)
    assert all(fleet[name].alive for name in ("worker-b", "calls-b", "fastagi-b")), logs(fleet)
    assert "took over" in fleet["calls-b"].log()
    # Every alerted phone was played the action's alert (its lab behaviour hangs up 2 s into it), on whichever
    # call service and FastAGI server, none a file Asterisk could not open.
    played, unopened = alert_audio_played(asterisk_lab, log_from)
    assert not unopened, unopened[:5]
    assert set(played) == set(seen.answered_per_delivery()), "an answered alert call was played nothing"
    assert len({files[0] for files in played.values()}) == 1, "not every phone heard the same alert"
    assert not [name for name, process in fleet.items() if "could not play" in process.log()], logs(fleet)
    print(f"scale-out: {PARTICIPANTS} participants ({LANDLINES} called) settled in {took:.0f} s; killed at once "
          f"at {sms_at_kill} SMS with {in_flight} calls up and a caller mid-flow: calls answered twice {doubles}, "
          f"answered calls recorded answered {states['answered']}/{LANDLINES}; trunk peak "
          f"{seen.peak}/{CHANNEL_LIMIT} channels, busiest second {busiest}/{CPS:g} calls; free-number callers "
          f"put through {len(routed)}/{len(callers)}")
