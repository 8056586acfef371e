"""Scale-out on the engines the project already uses: two workers, two call services and two FastAGI
servers (the dialplan's `UITKIJK_AGI_FALLBACK` names the second) on one PostgreSQL and one Redis, all
real processes beside the lab Asterisk, and one of each killed with SIGKILL in the middle of a
5,000-participant action.

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
from tests.asterisk.fleet import (CHANNEL_LIMIT, CPS, AlertCallsSeen, Bridged, assert_alerted_once, logs,
                                  ready, seed, sent_sms, start_fleet, wait_settled)

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PARTICIPANTS = 5_000
LANDLINES = 150  # called through Asterisk; the others are mobiles reached by SMS
FREE_NUMBER_CALLERS = 4
CALLER_WAIT = 60.0  # seconds; a generous bound for every caller to be put through, not a performance check


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    """Two of each process kind, as on two machines; stopped (or already killed) afterwards."""
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path)
    yield processes
    for process in processes.values():
        process.stop()


def test_two_of_each_one_of_each_killed_everyone_alerted_once(voice_rt, fleet, asterisk_lab, ami):
    """Kill -9 one worker (mid SMS fan-out), one call service and the primary FastAGI server (mid calls):
    every participant is alerted, an SMS exactly once and a call at most once more than the calls in
    flight at the kill, the trunk never holds more than its channels or starts more than its calls per
    second, and every free-number caller around the kill is put through."""
    rt = voice_rt
    seen, bridged = AlertCallsSeen(rt.config["QUEUE_PREFIX"]), Bridged()
    for listener in (seen, bridged):
        ami.subscribe("*", listener)
    room_id, operator_id, landlines = seed(rt, PARTICIPANTS, LANDLINES)
    ready(fleet, asterisk_lab)
    started = time.monotonic()
    action_id = factories.launch(rt, room_id, operator_id, "Vermiste man Weesp")

    wait_until(lambda: sent_sms(rt) >= 500, "the first SMS", every=0.02)
    fleet["worker-a"].kill()
    sms_at_kill = sent_sms(rt)

    wait_until(lambda: len(seen.answered) >= LANDLINES // 3, "a third of the calls answered", every=0.05)
    callers = [f"scale-{uuid.uuid4().hex[:10]}" for _ in range(FREE_NUMBER_CALLERS)]
    call_free_number(ami, callers[0], landlines[0], listen=8)  # on the primary FastAGI server as it dies
    with seen.lock:
        in_flight = len(seen.alive)
    fleet["calls-a"].kill()
    fleet["fastagi-a"].kill()
    for channel_id, caller in zip(callers[1:], landlines[1:]):
        call_free_number(ami, channel_id, caller, listen=8)  # the primary refuses: the fallback server takes it

    routed = bridged.wait(callers, CALLER_WAIT)
    assert routed == set(callers), f"callers not put through: {set(callers) - routed}"
    states = wait_settled(rt, action_id, PARTICIPANTS, fleet)
    took = time.monotonic() - started

    assert 500 <= sms_at_kill < PARTICIPANTS - LANDLINES, "the worker was not killed mid fan-out"
    doubles, lost, busiest = assert_alerted_once(rt, seen, states, PARTICIPANTS, LANDLINES, in_flight)
    assert all(fleet[name].alive for name in ("worker-b", "calls-b", "fastagi-b")), logs(fleet)
    print(f"scale-out: {PARTICIPANTS} participants ({LANDLINES} called) settled in {took:.0f} s; "
          f"SMS at the worker's kill {sms_at_kill}; calls in flight at the call service's kill {in_flight}, "
          f"calls answered twice {doubles}, outcomes lost with it {lost}; trunk peak {seen.peak}/{CHANNEL_LIMIT} "
          f"channels, busiest second {busiest}/{CPS:g} calls; free-number callers put through "
          f"{len(routed)}/{len(callers)}")
