"""The time-to-reach timeline on SQLite and PostgreSQL: reached_at set where a delivery counts as reached,
the quantiles picked right, responses and the first caller put through, in the API and the dashboard."""
from datetime import timedelta

from sqlalchemy import insert, select

from core import ledger, timeline
from core.models import Action, Delivery, InboundCall, Tip
from lab import factories


def _launch(app, client, auth, *numbers):
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        for i, number in enumerate(numbers):
            factories.participant(s, number, 100 + 100 * i)
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_sent_sms_is_reached_a_placed_call_only_when_answered(app, client, auth, work):
    """An SMS the provider took counts as reached; a voice call counts only once answered and listened to,
    and its first reached moment is kept when a later receipt moves the state on."""
    action_id = _launch(app, client, auth, "0612345601", "0612345602", "0201234501")
    work()
    with app.extensions["uitkijk"].db.session() as s:
        rows = {d.channel + str(d.rank): d for d in s.scalars(select(Delivery).where(Delivery.action_id == action_id))}
        sms = [d for d in rows.values() if d.channel == "sms"]
        voice = next(d for d in rows.values() if d.channel == "voice")
        assert all(d.state == "sent" and d.reached_at is not None for d in sms)
        # A console call is its message in the outbox, as if listened to: answered, so reached.
        assert voice.state == "answered" and voice.reached_at is not None
        first = sms[0].reached_at
        assert ledger.transition(s, sms[0].id, "delivered")  # the handset's receipt, later
        s.commit()
        s.expire_all()
        assert s.get(Delivery, sms[0].id).reached_at == first

    shown = client.get(f"/api/actions/{action_id}/timeline", headers=auth)
    assert shown.status_code == 200
    data = shown.json
    assert data["channels"]["sms"]["planned"] == 2 and data["channels"]["sms"]["reached"] == 2
    assert data["channels"]["voice"]["reached"] == 1
    for channel in ("sms", "voice"):
        seconds = data["channels"][channel]["seconds"]
        assert 0 <= seconds["first"] <= seconds["p50"] <= seconds["p95"] <= seconds["p100"]
        assert data["channels"][channel]["curve"][-1]["percent"] == 100
    assert data["events"]["launched"]["seconds"] == 0
    assert data["events"]["first_sent"]["seconds"] >= 0
    assert data["events"]["first_response"] == {"at": None, "seconds": None}
    assert client.get("/api/actions/999999/timeline", headers=auth).status_code == 404
    assert client.get(f"/api/actions/{action_id}/timeline").status_code == 401


def _ledger_with_known_times(session, total, reached_seconds):
    """An action with `total` SMS alerts of which those in reached_seconds were reached that long after launch."""
    room, operators = factories.control_room(session)
    people = [factories.participant(session, f"06123{i:05d}", 50) for i in range(total)]
    action = Action(code="1234", kind="missing_person", time_critical=True, title="t", message="m",
                    area={"type": "circle"}, operator_id=operators[0].id, control_room_id=room.id,
                    launched_by="test")
    session.add(action)
    session.flush()
    launched = action.launched_at
    session.execute(insert(Delivery), [
        dict(action_id=action.id, participant_id=p.id, to_e164=p.numbers[0].e164, channel="sms", purpose="alert",
             rank=i, distance_m=50, state="sent" if i < len(reached_seconds) else "queued",
             claimed_at=launched + timedelta(seconds=0.2) if i < len(reached_seconds) else None,
             reached_at=launched + timedelta(seconds=reached_seconds[i]) if i < len(reached_seconds) else None)
        for i, p in enumerate(people)])
    session.commit()
    return action


def test_quantiles_are_the_right_deliveries(app):
    """Of 40 alerts, 38 reached at 1..38 s: 50 % is the 20th (20 s), 95 % the 38th (38 s), 100 % not yet."""
    with app.extensions["uitkijk"].db.session() as s:
        action = _ledger_with_known_times(s, 40, [float(n) for n in range(38, 0, -1)])
        data = timeline.compute(s, action)
        sms = data["channels"]["sms"]
        assert (sms["planned"], sms["reached"]) == (40, 38)
        assert sms["seconds"] == {"first": 1.0, "p50": 20.0, "p95": 38.0, "p100": None}
        assert [p["percent"] for p in sms["curve"]] == list(range(5, 100, 5))
        assert sms["curve"][0] == {"percent": 5, "seconds": 2.0}
        assert data["events"]["first_sent"]["seconds"] == 0.2
        assert timeline.summaries(s, [action.id]) == {action.id: (1.0, 38.0)}


def test_first_response_and_first_caller_put_through(app):
    """The first free-number call or SMS reply is the first response; the first connected call is the first bridged."""
    with app.extensions["uitkijk"].db.session() as s:
        action = _ledger_with_known_times(s, 3, [1.0, 2.0, 3.0])
        launched = action.launched_at
        s.add_all([
            InboundCall(backend="asterisk", call_ref="c1", action_id=action.id, started_at=launched + timedelta(seconds=30)),
            InboundCall(backend="asterisk", call_ref="c2", action_id=action.id, started_at=launched + timedelta(seconds=40),
                        connected_at=launched + timedelta(seconds=41)),
            Tip(action_id=action.id, source="sms", from_e164="+31612300000", text="gezien",
                created_at=launched + timedelta(seconds=12)),
        ])
        s.commit()
        events = timeline.compute(s, action)["events"]
        assert events["first_call"]["seconds"] == 30.0
        assert events["first_sms_reply"]["seconds"] == 12.0
        assert events["first_response"]["seconds"] == 12.0
        assert events["first_bridged"]["seconds"] == 41.0
        assert timeline.summaries(s, [action.id]) == {action.id: (1.0, 3.0)}
