"""A free-number caller whose FastAGI server is killed (SIGKILL) in the middle of the flow: the dialplan
(uitkijk-flow) runs the same flow again on the second FastAGI server, which recognises the caller and
puts them through to the action's operator, not to the control room's fallback. Real FastAGI processes
beside the lab Asterisk; where the flow ran and who was rung and bridged come from Asterisk itself."""
from __future__ import annotations

import pytest
from sqlalchemy import update
from test_inbound_calls import bridged_to, call_free_number, dialled, lab_line

from core.models import ControlRoom, Delivery, Operator
from lab import factories
from lab.asterisk import LAB_CONTROL_ROOM
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import wait_until
from tests.asterisk.fleet import flow_running_on, logs, ready, start_fleet

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CALLER = "+31201234501"
TITLE = "Inbraak Weesp"


@pytest.fixture
def fastagi_servers(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    """The two FastAGI servers of the dialplan (the first on its AGI port, the second on the fallback)."""
    processes = start_fleet(voice_rt, asterisk_lab, tmp_path, kinds=("fastagi",))
    ready(processes, asterisk_lab)
    yield processes
    for process in processes.values():
        process.stop()


def test_caller_whose_fastagi_server_dies_mid_flow_is_put_through_by_the_other(
        voice_rt, voice_prompts, fastagi_servers, asterisk_lab, ami, ami_events, channel_id):
    """Kill -9 the FastAGI server while it greets a recognised caller: the second server runs the free-number
    flow again and the caller is bridged with the action's operator; the control room is never rung."""
    rt = voice_rt
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        session.execute(update(ControlRoom).where(ControlRoom.id == room.id).values(general_line=LAB_CONTROL_ROOM))
        # An operator at their desk (lab behaviour 07): the factory's first operator hangs up after 5 s, about
        # as long as the whisper the operator hears before the bridge, so the bridge was a race.
        session.execute(update(Operator).where(Operator.id == operators[0].id).values(dial_string=lab_line(11, "07")))
        factories.participant(session, "0201234501")
        room_id, operator_id, operator_line = room.id, operators[0].id, lab_line(11, "07")
    action_id = factories.launch(rt, room_id, operator_id, TITLE)
    with rt.db.session() as session:
        session.execute(update(Delivery).where(Delivery.action_id == action_id).values(state="sent"))
    voice_prompts.render_text(TITLE, "nl")  # as the launch does for the free-number greeting

    call_free_number(ami, channel_id, CALLER, listen=15)
    wait_until(lambda: flow_running_on(ami, asterisk_lab.agi_port), "the flow on the first FastAGI server",
               every=0.05)
    fastagi_servers["fastagi-a"].kill()

    try:
        phone = bridged_to(ami_events, channel_id)
    except AssertionError:
        bridges = [dict(e.headers) for e in ami_events.events(lambda e: e.name.startswith("Bridge") or e.name == "DialBegin")]
        pytest.fail(f"the caller was not bridged\n{bridges}\n{logs(fastagi_servers)}")
    assert phone.startswith(operator_line + "-")
    assert LAB_CONTROL_ROOM.removeprefix("Local/") not in " ".join(dialled(ami_events, channel_id))
    assert "inbound" in fastagi_servers["fastagi-b"].log()
