"""core.caller_directory, call_routes and call_records on SQLite and PostgreSQL: who is calling about what, routes, and the call record."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from core import alert_calls
from core.actions import ActionService, parse_launch
from core.alert_calls import AlertCallLedger
from core.configuration import set_operator_available
from core.call_records import InboundCallLog
from core.caller_directory import RECENTLY_ENDED, InboundDirectory
from core.directory_snapshot import SnapshotDirectory
from core.models import Action, Delivery, InboundCall, Operator, Tip, utcnow
from ivr.steps import Outcome
from lab import factories


def launch(rt, session, room, operator, title, radius_m=1000):
    body = factories.launch_body(room, operator, radius_m, title=title)
    action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "test")
    return action


def alerted(session, action_id, state="sent"):
    session.execute(update(Delivery).where(Delivery.action_id == action_id).values(state=state))


@pytest.fixture(params=["database", "snapshot"])
def directory(request, rt):
    """directory() -> the directory as a call would find it now: read from the database each time,
    or from the FastAGI server's in-memory snapshot (loaded now, so it holds what the test set up)."""
    made = []

    def make():
        if request.param == "database":
            return InboundDirectory(rt.db)
        made.append(SnapshotDirectory(rt.db, refresh_s=3600))
        return made[-1]
    yield make
    for snapshot in made:
        snapshot.close()


@pytest.fixture
def world(rt):
    """Two actions: a landline participant alerted by both, an SMS participant by the first only."""
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        both = factories.participant(s, "0201234567", 100)
        first_only = factories.participant(s, "0612345678", 800)
        first = launch(rt, s, room, operators[0], "Inbraak Weesp", radius_m=1000)
        second = launch(rt, s, room, operators[1], "Vermiste jongen", radius_m=500)
        alerted(s, first.id)
        alerted(s, second.id)
        return {"room": room.id, "ops": [o.id for o in operators], "both": both.id, "first_only": first_only.id,
                "first": first, "second": second}


def test_caller_alerted_by_two_actions_gets_both_newest_first(rt, directory, world):
    """A number alerted by two active actions is matched to both, newest first, with its participant."""
    match = directory().identify("+31201234567")
    assert match.participant_id == world["both"]
    assert [a.id for a in match.actions] == [world["second"].id, world["first"].id]
    assert match.actions[1].title == "Inbraak Weesp" and match.actions[1].code == world["first"].code


def test_participant_recognised_from_another_of_their_numbers(rt, directory, world):
    """Alerted by SMS on the mobile, calling from a landline of the same participant: still matched."""
    with rt.db.session() as s:
        from core.models import PhoneNumber
        s.add(PhoneNumber(participant_id=world["first_only"], e164="+31201112233", kind="landline",
                          channel="voice"))
    match = directory().identify("+31201112233")
    assert match.participant_id == world["first_only"]
    assert [a.id for a in match.actions] == [world["first"].id]


@pytest.mark.parametrize("state", ["queued", "failed", "cancelled"])
def test_not_yet_or_never_alerted_does_not_count(rt, directory, world, state):
    """Deliveries still queued, failed or cancelled do not make the caller 'alerted'."""
    with rt.db.session() as s:
        alerted(s, world["first"].id, state)
    match = directory().identify("+31612345678")
    assert match.actions == () and match.participant_id == world["first_only"]


def test_ended_action_no_longer_matches_and_its_code_reads_ended(rt, directory, world):
    """After an action ends it is not offered; its code is found as ended."""
    with rt.db.session() as s:
        ActionService(rt).end(s, world["first"].id, "not_found", None, "test")
    directory = directory()
    assert [a.id for a in directory.identify("+31201234567").actions] == [world["second"].id]
    assert directory.action_by_code(world["first"].code).status == "ended"
    assert directory.action_by_code(world["second"].code).status == "active"
    assert directory.has_active_actions()


def test_caller_alerted_only_by_a_recently_ended_action_is_told_which(rt, directory, world):
    """When every action that alerted a caller has ended, the latest one that ended in the last
    hours is named (the free number tells them it ended); one that ended long ago is not."""
    with rt.db.session() as s:
        for action in (world["first"], world["second"]):
            ActionService(rt).end(s, action.id, "not_found", None, "test")
    match = directory().identify("+31201234567")
    assert match.actions == () and {a.id for a in match.ended} <= {world["first"].id, world["second"].id}
    assert match.ended and all(a.status == "ended" for a in match.ended)
    with rt.db.session() as s:
        s.execute(update(Action).values(ended_at=utcnow() - RECENTLY_ENDED - timedelta(minutes=1)))
    assert directory().identify("+31201234567").ended == ()


@pytest.mark.parametrize("code", [None, "", "12", "abcd", "1234567", "0000"])  # codes start at 1000
def test_unknown_or_malformed_code_is_none(rt, world, code):
    """Codes that are no action's code, or not codes at all, give None."""
    assert InboundDirectory(rt.db).action_by_code(code) is None


def test_unknown_and_withheld_callers_match_nothing(rt, directory, world):
    """A number nobody registered, and a withheld one, match no participant and no action."""
    directory = directory()
    assert directory.identify("+31209999999").actions == ()
    assert directory.identify(None).participant_id is None


def test_route_lists_handler_colleagues_availability_and_general_line(rt, directory, world):
    """The route is the action's operator, the other operators of its room (with availability), the line."""
    with rt.db.session() as s:
        set_operator_available(s, world["ops"][1], False, "test")
    route = directory().route(world["first"].id)
    assert route.handler.id == world["ops"][0] and route.handler.available
    assert [(o.id, o.available) for o in route.others] == [(world["ops"][1], False)]
    assert route.general_line == "Local/31209990000@lab-pstn"


def test_idle_line_by_dialled_free_number_or_single_room(rt, world):
    """The general line for idle calls: the room whose free number was dialled, or the only room."""
    directory = InboundDirectory(rt.db)
    assert directory.idle_line("08000011") == "Local/31209990000@lab-pstn"
    assert directory.idle_line(None) == "Local/31209990000@lab-pstn"


def test_alert_call_reads_delivery_language_and_spoken_text(rt, world):
    """The alert call of a delivery carries the action and the spoken alert text with the code."""
    with rt.db.Session() as s:
        delivery_id = s.scalar(select(Delivery.id).where(Delivery.action_id == world["first"].id,
                                                         Delivery.channel == "voice"))
    call = InboundDirectory(rt.db).alert_call(delivery_id)
    assert call.action.id == world["first"].id and call.language == "nl"
    assert " ".join(world["first"].code) in call.text and call.purpose == "alert"
    assert InboundDirectory(rt.db).alert_call(10 ** 9) is None


def test_tip_and_call_record_are_kept_and_listed_for_the_operator(rt, world):
    """A tip is saved at once with its call; finishing the call fills the record; the view lists both."""
    log_ = InboundCallLog(rt.db)
    tip_id = log_.save_tip("1700.1", "asterisk", "+31201234567", world["first"].id, "tip-1700.1-1.wav", 6.5)
    route = [{"stage": "operator", "targets": ["Local/x@lab-pstn"], "status": "busy"}]
    call_id = log_.finish("1700.1", "asterisk", "+31201234567",
                          Outcome("tip", action_id=world["first"].id, participant_id=world["both"], alerted=True,
                                  route=route),
                          started_at=datetime.now(timezone.utc), wait_s=None)
    with rt.db.Session() as s:
        call = s.get(InboundCall, call_id)
        assert (call.outcome, call.alerted, call.route, call.participant_id) == ("tip", True, route, world["both"])
        assert s.get(Tip, tip_id).inbound_call_id == call_id
        assert s.get(Tip, tip_id).duration_s == 6.5


def test_finish_refuses_an_unknown_outcome(rt, world):
    """A call outcome outside the known list is a programming error, refused."""
    with pytest.raises(ValueError):
        InboundCallLog(rt.db).finish("x", "asterisk", None, Outcome("exploded"), started_at=datetime.now(timezone.utc))


def test_alert_call_facts_reach_the_ledger_only_for_the_current_attempt(rt, world):
    """What the flow learnt (key, plays, transfer, seconds listened) is checked and kept for the
    delivery's current attempt; an earlier attempt's or an unknown delivery's changes nothing."""
    with rt.db.session() as s:
        delivery = s.scalar(select(Delivery).where(Delivery.action_id == world["first"].id))
        delivery.provider_ref = "call-2"
        delivery_id = delivery.id
    ledger = AlertCallLedger(rt.db)
    assert not ledger.flow_facts(delivery_id, "call-1", key="2")
    assert ledger.flow_facts(delivery_id, "call-2", key="1", alert_plays=2, routed_to="operator", listened_s=23.46)
    with rt.db.Session() as s:
        detail = s.get(Delivery, delivery_id).detail
    assert (detail["key"], detail["alert_plays"], detail["routed_to"], detail["listened_s"]) == ("1", 2, "operator", 23.5)
    assert detail["answered_at"]
    with pytest.raises(ValueError, match="key"):
        ledger.flow_facts(delivery_id, "call-2", key="x")
    assert not ledger.flow_facts(10 ** 9, "call-2", key="1")


def test_operator_availability_unknown_operator(rt, world):
    """Marking an unknown operator available is a NotFound and changes nothing."""
    from core.errors import NotFound
    with rt.db.session() as s, pytest.raises(NotFound):
        set_operator_available(s, 10 ** 6, True, "test")
    with rt.db.Session() as s:
        assert s.get(Operator, world["ops"][0]).available


def test_snapshot_falls_back_to_the_database_and_catches_up_on_reload(rt, world):
    """A caller alerted after the snapshot was taken is still recognised (from the database), and an
    action that ended is no longer offered once the snapshot reloads."""
    snapshot = SnapshotDirectory(rt.db, refresh_s=3600)
    try:
        with rt.db.session() as s:
            factories.participant(s, "0201230000", 200)
            operator = s.get(Operator, world["ops"][0])
            later = launch(rt, s, operator.control_room, operator, "Later", radius_m=300)
            alerted(s, later.id)
        assert [a.id for a in snapshot.identify("+31201230000").actions] == [later.id]
        with rt.db.session() as s:
            ActionService(rt).end(s, world["second"].id, "not_found", None, "test")
        assert world["second"].id in [a.id for a in snapshot.identify("+31201234567").actions]  # until reloaded
        assert snapshot.reload() is True
        assert world["second"].id not in [a.id for a in snapshot.identify("+31201234567").actions]
        assert snapshot.reload() is False  # nothing changed: nothing rebuilt
        with rt.db.session() as s:
            set_operator_available(s, world["ops"][1], False, "test")
        assert snapshot.reload() is True
        assert not snapshot.route(world["first"].id).others[0].available
    finally:
        snapshot.close()


def test_a_snapshot_reloads_in_the_background_only_once_started(rt, world):
    """Making a snapshot loads it but starts no thread; start() does, close() stops it."""
    import threading

    def reloaders():
        return [t for t in threading.enumerate() if t.name == "inbound-snapshot"]
    before = len(reloaders())
    snapshot = SnapshotDirectory(rt.db, refresh_s=3600)
    assert len(reloaders()) == before
    assert snapshot.start() is snapshot and len(reloaders()) == before + 1
    snapshot.close()


def test_a_machine_answered_call_ends_as_voicemail_until_a_key_proves_a_person(rt, world):
    """Detection's verdict is kept; a call the flow left its voicemail message on ends `voicemail`, not
    reached; a key the flow reports afterwards makes it `answered` by a person, reached."""
    with rt.db.session() as s:
        delivery = s.scalar(select(Delivery).where(Delivery.action_id == world["first"].id))
        delivery.provider_ref, delivery.state = "call-3", "sending"
        delivery_id = delivery.id
    ledger = AlertCallLedger(rt.db)
    assert ledger.flow_facts(delivery_id, "call-3", amd_status="machine", amd_cause="LONGGREETING-1500-1500",
                             voicemail=True)
    with rt.db.session() as s:
        assert alert_calls.ended(rt, s, delivery_id, "call-3", cause=16) == "voicemail"
    with rt.db.Session() as s:
        row = s.get(Delivery, delivery_id)
        assert (row.state, row.reached_at, row.amd_status, row.amd_cause) == (
            "voicemail", None, "machine", "LONGGREETING-1500-1500")
    assert ledger.flow_facts(delivery_id, "call-3", key="5", amd_status="key", voicemail=False)
    with rt.db.Session() as s:
        row = s.get(Delivery, delivery_id)
        assert (row.state, row.amd_status, row.detail["voicemail"]) == ("answered", "key", False)
        assert row.reached_at is not None
    with pytest.raises(ValueError, match="amd_status"):
        ledger.flow_facts(delivery_id, "call-3", amd_status="robot")
