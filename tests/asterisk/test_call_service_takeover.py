"""A call service killed (SIGKILL) while its alert calls are up, and a call service started after it: the
new one takes the dead one's calls over (core.alert_calls.take_over_orphans) and settles them from what
Asterisk says and the ledger already knows, so the people who answered count as answered, not as merely
`sent`, and hear the closing call of an action that ended meanwhile. Real processes beside the lab
Asterisk; which calls were answered, and which closing calls went out, come from Asterisk's own events."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.actions import ActionService
from core.models import Delivery
from lab import factories
from lab.servers import ProjectProcess
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import ANSWERS, wait_until
from tests.asterisk.fleet import AlertCallsSeen, logs, process_environment, ready, seed, start_fleet

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

LANDLINES = 8
LISTEN_S = 12  # how long each participant stays on the line: the kill falls in the middle of the calls
SETTLE_WAIT = 120.0  # seconds; a generous bound for the calls to settle, not a performance check


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    environment = {"TRUNK_CHANNEL_VARIABLES": f'{{"LAB_LISTEN": "{LISTEN_S}"}}'}
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path, sides="a", **environment)
    processes["calls-a2"] = ProjectProcess(["-m", "voice.call_events"],
                                           process_environment(voice_rt, asterisk_lab, **environment),
                                           tmp_path / "calls-a2.log")
    yield processes
    for process in processes.values():
        process.stop()


def voice_states(rt, purpose):
    with rt.db.session() as session:
        return dict(session.execute(select(Delivery.id, Delivery.state)
                                    .where(Delivery.channel == "voice", Delivery.purpose == purpose)).all())


def test_a_call_service_started_after_one_was_killed_records_its_answered_calls(voice_rt, fleet, asterisk_lab,
                                                                                 ami):
    """Kill -9 the only call service while its alert calls are up and end the action; start another: every
    call Asterisk saw answered ends `answered` in the ledger (none merely `sent`), each participant answered
    one alert call, and each of them gets the closing call, answered in Asterisk."""
    rt = voice_rt
    seen = AlertCallsSeen(rt.config["QUEUE_PREFIX"])
    ami.subscribe("*", seen)
    room_id, operator_id, _ = seed(rt, LANDLINES, LANDLINES, behaviour=ANSWERS)
    ready({name: process for name, process in fleet.items() if name != "calls-a2"}, asterisk_lab)
    action_id = factories.launch(rt, room_id, operator_id, "Inbraak Weesp")

    wait_until(lambda: len(seen.answered) >= LANDLINES // 2, "half of the calls answered", every=0.05)
    fleet["calls-a"].kill()
    with seen.lock:
        up_at_kill = set(seen.alive)
    with rt.db.session() as session:
        ActionService(rt).end(session, action_id, "suspect_caught", "De verdachte is aangehouden.", "test")
    fleet["calls-a2"].start()

    def alerts_settled():
        states = voice_states(rt, "alert")
        return states if all(state not in ("queued", "sending") for state in states.values()) else None

    try:
        alerts = wait_until(alerts_settled, "every alert call settled", timeout=SETTLE_WAIT, every=0.5)
    except AssertionError:
        pytest.fail(f"alert calls not settled: {voice_states(rt, 'alert')}\n{logs(fleet)}")
    answered_in_asterisk = seen.answered_per_delivery()
    alerted = {delivery for delivery in alerts if delivery in answered_in_asterisk}
    assert up_at_kill and alerted, "no call was up when the call service was killed"
    assert {delivery: alerts[delivery] for delivery in alerted} == dict.fromkeys(alerted, "answered")
    assert all(answered_in_asterisk[delivery] == 1 for delivery in alerted)

    with rt.db.session() as session:
        closings = dict(session.execute(
            select(Delivery.id, Delivery.participant_id).where(Delivery.purpose == "closing")).all())
        participants = dict(session.execute(
            select(Delivery.id, Delivery.participant_id).where(Delivery.id.in_(alerted))).all())
    assert sorted(closings.values()) == sorted(participants.values()), "someone who answered got no closing"
    wait_until(lambda: set(closings) <= set(seen.answered_per_delivery()), "every closing call answered",
               timeout=SETTLE_WAIT, every=0.5)
    log = fleet["calls-a2"].log()
    assert "took over" in log and "Traceback" not in log, log[-4000:]
    print(f"call service killed with {len(up_at_kill)} call(s) up; {len(alerted)} answered alert calls recorded "
          f"answered by its successor, {len(closings)} closing calls answered")
