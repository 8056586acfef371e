"""The AGI runner against recorded Asterisk exchanges (tests/fixtures/agi)."""
import pytest
from agi_peer import ScriptedAsterisk, environment, load
from fake_directory import BURGLARY, COLLEAGUE, GENERAL, HANDLER, MISSING, SECOND_COLLEAGUE, FakeDirectory, alert_call
from redis import Redis

from bridge.leases import OperatorLeases
from core.call_routes import RouteInfo
from ivr.agi_channel import SocketAGI
from ivr.agi_runner import AgiCall, CallServices, caller_e164, script_name
from ivr.call_engine import build_flows
from ivr.settings import FlowSettings
from ivr.steps import Spoken

CALLER = "+31201234501"
RENDERED = {"Inbraak Weesp": "/snd/title/4711", "Vermiste jongen": "/snd/title/5822",
            "Alert text of 4711": "/snd/alert/4711"}


class TablePrompts:
    """Prompt parts to /snd/<language>/<id>; spoken texts from a table of renderings."""

    def files(self, parts, language):
        out = []
        for part in parts:
            if isinstance(part, Spoken):
                out += [RENDERED[part.text]] if part.text in RENDERED else self.files(part.fallback, language)
            else:
                out.append(f"/snd/{language}/{part}")
        return out


class CallLog:
    def __init__(self):
        self.tips, self.finished = [], []

    def save_tip(self, call_ref, backend, caller, action_id, recording, duration_s, origin):
        self.tips.append((call_ref, caller, action_id, recording, duration_s, origin))

    def finish(self, call_ref, backend, caller, outcome, *, started_at, wait_s, origin):
        self.finished.append((call_ref, caller, outcome, wait_s, origin))



class AlertLedger:
    def __init__(self):
        self.calls, self.facts = [], []

    def answered(self, delivery_id, call_id):
        self.calls.append((delivery_id, call_id))

    def flow_facts(self, delivery_id, call_id, **facts):
        self.facts.append((delivery_id, call_id, facts))
        return True


class Leases:
    def __init__(self, busy=()):
        self.busy, self.claims, self.releases = set(busy), [], []

    def claim(self, call_ref, operator_ids):
        self.claims.append(list(operator_ids))
        return [o for o in operator_ids if o not in self.busy]

    def release(self, call_ref, operator_ids):
        self.releases.append(list(operator_ids))


def services(leases=None, **directory):
    directory.setdefault("callers", {CALLER: (101, "en", [BURGLARY])})
    directory.setdefault("alerts", {7: alert_call(language="en")})
    decisions = []
    return CallServices(flows=build_flows(FakeDirectory(**directory), FlowSettings()), prompts=TablePrompts(),
                        call_log=CallLog(), alert_ledger=AlertLedger(), leases=leases or Leases(), recording_dir="/rec",
                        on_decision=lambda flow, seconds: decisions.append(flow)), decisions


def replay(transcript, services_, **env):
    return run_call(ScriptedAsterisk(load(transcript), environment(**env)), services_)


def run_call(peer, services_):
    """Run one call on the server side of the scripted Asterisk; returns the peer when both are done."""
    peer.start()
    with peer.server_sock as sock:
        AgiCall(SocketAGI(sock), services_).run()
    peer.wait()
    return peer


def test_alerted_caller_is_connected_and_recorded():
    """Greeting, Dial with the whisper, DIALSTATUS ANSWER: recorded as connected to the handler."""
    svc, decisions = services()
    replay("inbound_alerted_connected.txt", svc)
    (call_ref, caller, outcome, wait_s, origin), = svc.call_log.finished
    assert (call_ref, caller, origin) == ("1717171717.42", CALLER, "free_number")
    assert (outcome.outcome, outcome.operator_id, outcome.talk_s) == ("connected", HANDLER.id, 42.0)
    assert wait_s is not None and decisions == ["inbound"]
    assert svc.leases.claims == [[HANDLER.id]] and svc.leases.releases == [[HANDLER.id]]


def test_busy_noanswer_congestion_then_tip_saved():
    """Every stage fails in turn; the caller's tip is recorded with its length and saved."""
    svc, _ = services()
    replay("inbound_busy_then_tip.txt", svc)
    (_, caller, action_id, recording, duration, origin), = svc.call_log.tips
    assert (caller, action_id, duration, origin) == (CALLER, BURGLARY.id, 8.0, "free_number")
    assert recording.startswith("tip-1717171717.42-") and recording.endswith(".wav")
    outcome = svc.call_log.finished[0][2]
    assert outcome.outcome == "tip"
    assert [r["status"] for r in outcome.route] == ["busy", "noanswer", "failed"]


def test_busy_operator_is_not_rung_twice():
    """An operator another call holds is left out of the Dial; with nobody left the stage is skipped."""
    svc, _ = services(leases=Leases(busy={HANDLER.id}))
    run_call(ScriptedAsterisk([
        ("S", 'STREAM FILE /snd/en/inbound_calling_about "0123456789*#" 0'), ("A", "200 result=0 endpos=1"),
        ("S", 'STREAM FILE /snd/title/4711 "0123456789*#" 0'), ("A", "200 result=0 endpos=1"),
        ("S", 'STREAM FILE /snd/en/connecting "0123456789*#" 0'), ("A", "200 result=0 endpos=1"),
        ("S", "WAIT FOR DIGIT 1000"), ("A", "200 result=0"),
        ("S", 'EXEC Dial "Local/31209990002@lab-pstn,20,U(*)"'), ("A", "HANGUP"), ("A", "200 result=-1"),
        ("S", 'GET VARIABLE "DIALSTATUS"'), ("A", "200 result=1 (CANCEL)"),
    ], environment()), svc)
    route = svc.call_log.finished[0][2].route
    assert [(r["stage"], r["status"]) for r in route] == [("operator", "busy"), ("others", None)]


def test_hangup_while_ringing_is_abandoned_and_releases_the_operator():
    """HANGUP during Dial: no more commands but DIALSTATUS, the lease is released, outcome abandoned."""
    svc, _ = services()
    peer = replay("inbound_hangup_while_ringing.txt", svc)
    assert peer.extra == []
    assert svc.call_log.finished[0][2].outcome == "abandoned"
    assert svc.leases.releases == [[HANDLER.id]]


def test_colleagues_rung_together_get_the_call_ref_for_the_answer():
    """A Dial of several leased operators passes the call ref to the whisper subroutine; the answerer
    is recorded and every lease is released when the Dial returns."""
    svc, _ = services(routes={1: RouteInfo(1, HANDLER, (COLLEAGUE, SECOND_COLLEAGUE), GENERAL)})
    replay("inbound_others_answered.txt", svc)
    outcome = svc.call_log.finished[0][2]
    assert (outcome.outcome, outcome.operator_id) == ("connected", SECOND_COLLEAGUE.id)
    assert svc.leases.claims == [[HANDLER.id], [COLLEAGUE.id, SECOND_COLLEAGUE.id]]
    assert svc.leases.releases == [[HANDLER.id], [COLLEAGUE.id, SECOND_COLLEAGUE.id]]


@pytest.fixture
def redis_leases(redis_url, queue_prefix):
    redis = Redis.from_url(redis_url)
    yield OperatorLeases(redis, queue_prefix, ttl_s=60)
    redis.close()


def rung_together(leases):
    """Call 1717171717.42 rings the two colleagues; the handler is on another call."""
    leases.claim("other-call", {HANDLER.id: HANDLER.dial_string})
    leases.claim("1717171717.42", {COLLEAGUE.id: COLLEAGUE.dial_string,
                                   SECOND_COLLEAGUE.id: SECOND_COLLEAGUE.dial_string})


def test_answered_script_frees_the_colleagues_who_did_not_answer(redis_leases):
    """The answering operator's channel names the call and itself: the other colleague is free at once,
    the answerer stays leased; no AGI command is sent and no call is recorded."""
    rung_together(redis_leases)
    svc, decisions = services(leases=redis_leases)
    peer = run_call(ScriptedAsterisk([], environment("env_operator_answered.txt")), svc)
    assert peer.extra == [] and svc.call_log.finished == [] and decisions == []
    assert not redis_leases.busy(COLLEAGUE.id)
    assert redis_leases.busy(SECOND_COLLEAGUE.id) and redis_leases.busy(HANDLER.id)


@pytest.mark.parametrize("env", [
    {"agi_arg_2": "31209990009@lab-pstn"},  # not one of the call's operators
    {"agi_arg_2": None},  # DIALEDPEERNUMBER empty
    {"agi_arg_1": "other-call"},  # a call that rang only the handler
    {"agi_arg_1": "1717171717.42)x"},  # not a call ref
    {"agi_arg_1": None},
])
def test_answered_script_without_a_match_frees_nobody(redis_leases, env):
    """An answer that names no operator the call holds frees nothing: the Dial's end releases as before."""
    rung_together(redis_leases)
    svc, _ = services(leases=redis_leases)
    peer = run_call(ScriptedAsterisk([], environment("env_operator_answered.txt", **env)), svc)
    assert peer.extra == []
    assert all(redis_leases.busy(o.id) for o in (HANDLER, COLLEAGUE, SECOND_COLLEAGUE))


def test_hangup_during_tip_still_saves_the_tip():
    """A caller who hangs up while speaking the tip: the recording is saved anyway (length unknown)."""
    svc, _ = services(routes={1: RouteInfo(1, None, (), None)})
    replay("inbound_hangup_during_tip.txt", svc)
    (_, _, action_id, recording, duration, _), = svc.call_log.tips
    assert action_id == BURGLARY.id and duration is None
    assert svc.call_log.finished[0][2].outcome == "tip"


def test_hangup_mid_prompt_sends_nothing_more_and_claims_nobody():
    """Asterisk's HANGUP during the greeting ends the flow at once: no further STREAM FILE, no Dial,
    no operator lease claimed; the call is recorded as abandoned."""
    svc, decisions = services()
    peer = replay("inbound_hangup_mid_greeting.txt", svc)
    assert peer.extra == [] and svc.leases.claims == [] and decisions == []
    assert svc.call_log.finished[0][2].outcome == "abandoned"


def test_star_then_code_puts_through_not_alerted():
    """`*` during the greeting, then another action's code: put through with 'not alerted'."""
    svc, _ = services()
    replay("inbound_star_then_code.txt", svc)
    outcome = svc.call_log.finished[0][2]
    assert (outcome.outcome, outcome.action_id, outcome.alerted) == ("connected", 2, False)


def test_socket_dropped_mid_command_ends_the_call_cleanly():
    """Asterisk closing the socket mid-command ends the call; it is still recorded (abandoned)."""
    svc, _ = services()
    replay("inbound_socket_dropped.txt", svc)
    assert svc.call_log.finished[0][2].outcome == "abandoned"


def test_alert_press_1_records_key_and_bridge():
    """The alert call reads its delivery, plays the alert; 1 puts through and both records are written."""
    svc, _ = services()
    replay("alert_press_1.txt", svc, agi_network_script="alert", agi_context="uitkijk-alert")
    assert svc.alert_ledger.calls == [(7, "t0-7-001")]
    [(delivery_id, attempt, facts)] = svc.alert_ledger.facts
    assert (delivery_id, attempt, facts["key"], facts["alert_plays"], facts["routed_to"]) == (
        7, "t0-7-001", "1", 2, "operator")
    assert facts["listened_s"] >= 0
    (_, _, outcome, _, origin), = svc.call_log.finished
    assert (outcome.outcome, origin) == ("connected", "alert_call")


def test_unknown_script_sends_nothing():
    """A script name with no flow gets no command: the dialplan falls back to the control room."""
    svc, _ = services()
    peer = run_call(ScriptedAsterisk([], environment(agi_network_script="nothing-here")), svc)
    assert peer.extra == [] and svc.call_log.finished == []


@pytest.mark.parametrize(("raw", "e164"), [
    ("0201234501", "+31201234501"), ("0031201234501", "+31201234501"), ("+31201234501", "+31201234501"),
    ("31201234501", "+31201234501"), ("+4930123456", "+4930123456"), ("004930123456", "+4930123456"),
    ("anonymous", None), ("unknown", None), ("", None), (None, None), ("Restricted", None), ("12", None),
])
def test_caller_id_normalisation(raw, e164):
    """National, 0031, +31, international-without-plus and foreign caller IDs become E.164; withheld is None."""
    assert caller_e164(raw, "NL") == e164


def test_script_name_strips_arguments():
    """`agi_network_script` may carry arguments and slashes; only the name picks the flow."""
    assert script_name("inbound?x=1") == "inbound" and script_name("/alert") == "alert" and script_name(None) == ""


def test_menu_key_during_the_prompts_answers_the_question():
    """GET DATA plays one file, so menu parts play as interruptible prompts; a key there is the answer."""
    svc, _ = services(callers={CALLER: (101, "en", [MISSING, BURGLARY])})
    run_call(ScriptedAsterisk([
        ("S", 'STREAM FILE /snd/en/inbound_welcome "" 0'), ("A", "200 result=0 endpos=8000"),
        ("S", 'STREAM FILE /snd/en/inbound_menu_intro "0123456789*#" 0'), ("A", "200 result=0 endpos=8000"),
        ("S", 'STREAM FILE /snd/en/press_1 "0123456789*#" 0'), ("A", "200 result=0 endpos=8000"),
        ("S", 'STREAM FILE /snd/title/5822 "0123456789*#" 0'), ("A", "200 result=50 endpos=4000"),
        ("S", 'STREAM FILE /snd/en/connecting "" 0'), ("A", "200 result=0 endpos=8000"),
        ("S", 'EXEC Dial "Local/31209990001@lab-pstn,20,U(*)"'), ("A", "HANGUP"), ("A", "200 result=-1"),
        ("S", 'GET VARIABLE "DIALSTATUS"'), ("A", "200 result=1 (CANCEL)"),
    ], environment()), svc)
    outcome = svc.call_log.finished[0][2]
    assert (outcome.action_id, outcome.outcome) == (BURGLARY.id, "abandoned")


def test_code_continues_after_the_first_key_in_the_prompt():
    """A first key pressed during the welcome is kept; GET DATA collects the rest without a prompt."""
    svc, _ = services(callers={})
    run_call(ScriptedAsterisk([
        ("S", 'STREAM FILE /snd/nl/inbound_welcome "0123456789*#" 0'), ("A", "200 result=53 endpos=4000"),
        ("S", 'GET DATA "" 10000 6'), ("A", "200 result=822"),
        ("S", 'STREAM FILE /snd/nl/inbound_calling_about "" 0'), ("A", "HANGUP"), ("A", "200 result=-1 endpos=0"),
    ], environment()), svc)
    outcome = svc.call_log.finished[0][2]
    assert (outcome.action_id, outcome.outcome, outcome.alerted) == (MISSING.id, "abandoned", False)


def test_alert_cut_short_by_a_hang_up_is_a_hang_up_not_a_file_asterisk_could_not_play(caplog):
    """STREAM FILE's -1 arrives before Asterisk's HANGUP: the NOOP after it tells a hang-up from a missing
    file, so nothing is logged as unplayable and the call is recorded as the participant ending it."""
    svc, _ = services()
    with caplog.at_level("WARNING", logger="ivr.agi_runner"):
        replay("alert_hangup_mid_alert.txt", svc, agi_network_script="alert", agi_context="uitkijk-alert")
    assert "could not play" not in caplog.text
    [(_, _, facts)] = svc.alert_ledger.facts
    assert facts.get("key") is None and facts.get("routed_to") is None
