"""The FastAGI server's limits with the real lab Asterisk: hundreds of peers trickling their AGI
environment do not stop a real free-number call from being bridged, and a call that finds every call
slot taken goes to the dialplan's fallback (the control room), never to silence."""
from __future__ import annotations

import threading

import pytest
from test_inbound_calls import SETTINGS, World, bridged_to, call_free_number, inbound_server, lab_prompts  # noqa: F401
from test_lab_calls import CONTROL_ROOM_DIAL

from bridge.leases import OperatorLeases
from core.alert_calls import AlertCallLedger
from core.call_records import InboundCallLog
from core.caller_directory import InboundDirectory
from ivr.agi_runner import CallServices
from ivr.call_engine import build_flows
from ivr.fastagi import FastAgiServer
from ivr.prompts import PromptFiles
from lab.tricklers import Trickler

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

TRICKLERS = 300
CUT_WAIT = 60.0  # seconds; a generous bound for the server to cut every trickler, not a performance check


def test_real_call_is_bridged_while_hundreds_of_peers_trickle(ami, ami_events, channel_id, rt, inbound_server,
                                                             lab_prompts, asterisk_lab):
    """Three hundred peers trickle an environment a byte every two seconds; meanwhile an alerted caller
    is bridged to the handler, and every trickler is cut at its deadline without a command."""
    tricklers = [Trickler(asterisk_lab.agi_port) for _ in range(TRICKLERS)]
    world = World(rt, lab_prompts)
    world.participant("0201234501")
    world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", listen=4)

    assert bridged_to(ami_events, channel_id).startswith(world.handler.dial_string + "-")
    assert len(inbound_server.decisions) == 1
    for trickler in tricklers:
        assert trickler.cut.wait(CUT_WAIT), "a trickler was never cut"
    assert not any(t.got_command for t in tricklers)
    assert inbound_server.counts["cut"] >= TRICKLERS and inbound_server.counts["overflow"] == 0
    print(f"decision time with {TRICKLERS} tricklers: {inbound_server.decisions[0] * 1000:.1f} ms")


@pytest.fixture
def full_server(asterisk_lab, rt, lab_prompts):
    """A FastAGI server on the lab's port whose every call slot is taken (max_calls=0)."""
    services = CallServices(
        flows=build_flows(InboundDirectory(rt.db), SETTINGS),
        prompts=PromptFiles(lab_prompts, f"{asterisk_lab.sound_dir}/prompts"),
        call_log=InboundCallLog(rt.db), alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"], 600))
    server = FastAgiServer(("127.0.0.1", asterisk_lab.agi_port), services, max_calls=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_call_beyond_the_call_slots_goes_to_the_control_room(ami, ami_events, channel_id, rt, full_server,
                                                             lab_prompts):
    """With no call slot free the server closes the connection at once, and the dialplan's fallback
    puts the caller through to the control room."""
    world = World(rt, lab_prompts)
    world.participant("0201234501")
    world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", listen=4)

    dial = ami_events.wait_for(lambda e: e.name == "DialBegin" and e.get("Linkedid") == channel_id)
    assert dial["DialString"] == CONTROL_ROOM_DIAL
    assert full_server.counts["overflow"] == 1 and full_server.counts["calls"] == 0
