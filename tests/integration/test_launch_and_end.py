"""An action end to end through the API, the ledger, RQ and the console transports (SQLite and PostgreSQL)."""
from sqlalchemy import func, select

from core.models import Action, AuditEvent, Delivery, OutboxMessage
from lab import factories
from tests.publish_support import launch_approved


def setup_area(app):
    """Participants at 100 m (mobile), 400 m (landline), 900 m (work only inside), 1500 m and 5 km."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        near = factories.participant(s, "0612345678", 100)
        landline = factories.participant(s, "0201234567", 400)
        worker = factories.participant(s, "0612345670", 8000, work_distance_m=900)
        factories.participant(s, "0612345671", 1500)
        factories.participant(s, "0612345672", 5000)
        both = factories.participant(s, "0612345673", 700)
        both.numbers[0].channel = "sms"
        from core.participants import Registry, validate
        lat, lon = factories.point_east(700)
        Registry(s).save(validate({"phones": ["0612345673", "0201234568"], "home": {"lat": lat, "lon": lon}}), both)
        return room, operators, {"near": near.id, "landline": landline.id, "worker": worker.id, "both": both.id}


def test_launch_reaches_exactly_the_circle_once_each_nearest_first(app, client, auth, work):
    """Only participants with home or work inside the circle get an alert, once per channel, nearest first."""
    room, operators, ids = setup_area(app)
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth)
    assert response.status_code == 201, response.json
    action = response.json
    assert len(action["code"]) == 4 and action["code"].isdigit()
    work()
    deliveries = client.get(f"/api/actions/{action['id']}/deliveries", headers=auth).json
    got = [(d["participant_id"], d["channel"]) for d in deliveries]
    assert got == [(ids["near"], "sms"), (ids["landline"], "voice"), (ids["both"], "sms"),
                   (ids["both"], "voice"), (ids["worker"], "sms")]
    # A console call is answered (its message is in the outbox); an SMS the console took is sent.
    assert [d["state"] for d in deliveries] == ["answered" if d["channel"] == "voice" else "sent" for d in deliveries]
    assert [d["rank"] for d in deliveries] == sorted(d["rank"] for d in deliveries)
    assert "*" in deliveries[0]["to"]
    outbox = client.get("/api/outbox", headers=auth).json
    assert len(outbox) == 5
    assert {m["transport"] for m in outbox} == {"console-sms", "console-voice"}
    assert all(action["code"] in m["body"] or " ".join(action["code"]) in m["body"] for m in outbox)
    progress = client.get(f"/api/actions/{action['id']}", headers=auth).json["progress"]
    assert progress == {"sms": {"alert": {"sent": 3}}, "voice": {"alert": {"answered": 2}}}
    shown = client.get(f"/api/actions/{action['id']}", headers=auth).json
    assert shown["transports"] == {"voice": "console-voice", "sms": "console-sms", "email": "console-email"}


def test_same_client_request_id_gives_one_action(app, client, auth, work):
    """A launch request sent twice with the same client request id makes one action and one set of alerts."""
    room, operators, _ = setup_area(app)
    body = factories.launch_body(room, operators[0], 1000, client_request_id="meldkamer-2026-0042")
    first = client.post("/api/actions", json=body, headers=auth)
    second = client.post("/api/actions", json=body, headers=auth)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    work()
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 5


def test_repeated_jobs_never_double_an_alert(app, client, auth, work):
    """Running every send job twice (a retried job, a sweeper re-enqueue) sends each alert once."""
    room, operators, _ = setup_area(app)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth).json
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        ids = list(s.scalars(select(Delivery.id).where(Delivery.action_id == action["id"])))
    from core.jobs import enqueue_sends
    enqueue_sends(rt.queues.urgent, [ids, ids])
    work()
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == len(ids)


def test_end_cancels_unsent_alerts_and_closes_for_everyone_reached(app, client, auth, work):
    """Ending cancels alerts not yet sent and sends the closing message on the channel that reached them."""
    room, operators, ids = setup_area(app)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth).json
    rt = app.extensions["uitkijk"]
    # Send only the first two alerts (nearest first); the rest are still queued when the action ends.
    with rt.db.session() as s:
        first_two = list(s.scalars(select(Delivery.id).where(Delivery.action_id == action["id"])
                                   .order_by(Delivery.rank).limit(2)))
    from core.jobs import send_deliveries
    send_deliveries(first_two)
    ended = client.post(f"/api/actions/{action['id']}/end",
                        json={"result": "suspect_caught", "closing_text": "Dank voor het uitkijken."}, headers=auth)
    assert ended.status_code == 200, ended.json
    assert ended.json["status"] == "ended"
    work()
    deliveries = client.get(f"/api/actions/{action['id']}/deliveries?limit=100", headers=auth).json
    states = {(d["participant_id"], d["channel"], d["purpose"]): d["state"] for d in deliveries}
    assert states[(ids["near"], "sms", "closing")] == "sent"
    assert states[(ids["landline"], "voice", "closing")] == "answered"
    assert states[(ids["worker"], "sms", "alert")] == "cancelled"
    assert (ids["worker"], "sms", "closing") not in states
    bodies = [m["body"] for m in client.get("/api/outbox", headers=auth).json]
    assert len(bodies) == 4
    assert "aangehouden" in bodies[2] and "aangehouden" in bodies[3]
    again = client.post(f"/api/actions/{action['id']}/end", json={"result": "not_found"}, headers=auth)
    assert again.status_code == 409
    with rt.db.session() as s:
        verbs = [(e.verb, e.actor) for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "action"))]
    assert [v for v, _ in verbs] == ["launch", "end"]
    assert all(actor.startswith("token:") for _, actor in verbs)


def test_alert_reached_after_end_still_gets_closing(app, client, auth, work):
    """An alert that was being sent while the action ended still gets its closing message."""
    room, operators, ids = setup_area(app)
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 200), headers=auth).json
    rt = app.extensions["uitkijk"]
    from core import ledger
    with rt.db.session() as s:
        claimed = ledger.claim(s, list(s.scalars(select(Delivery.id).where(Delivery.action_id == action["id"]))))
    assert len(claimed) == 1
    client.post(f"/api/actions/{action['id']}/end", json={"result": "not_found"}, headers=auth)
    from core.jobs import send_one
    with rt.db.session() as s:
        send_one(rt, s, claimed[0][0], "late alert")
    work()
    with rt.db.session() as s:
        purposes = sorted(s.scalars(select(Delivery.purpose).where(Delivery.state == "sent")))
    assert purposes == ["alert", "closing"]


def test_quiet_hours_delay_only_non_critical_actions(app, client, auth, work):
    """A participant in quiet hours gets a time-critical alert now, and a non-urgent one after the quiet hours."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100, quiet_hours={"start": "00:00", "end": "23:59"})
    urgent = client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth).json
    calm = client.post("/api/actions", json=factories.launch_body(room, operators[0], time_critical=False,
                                                                  kind="information"), headers=auth).json
    work()
    with rt.db.session() as s:
        states = dict(s.execute(select(Delivery.action_id, Delivery.state)).all())
        waiting = s.scalar(select(Delivery).where(Delivery.action_id == calm["id"]))
    assert states == {urgent["id"]: "sent", calm["id"]: "queued"}
    assert waiting.not_before is not None


def test_time_critical_work_goes_to_the_urgent_queue(app, client, auth):
    """Time-critical actions are enqueued on the queue every worker takes first."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612345678", 100)
    client.post("/api/actions", json=factories.launch_body(room, operators[0], kind="information",
                                                          time_critical=False), headers=auth)
    client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth)
    assert (rt.queues.urgent.count, rt.queues.normal.count) == (1, 1)
    assert rt.queues.in_priority_order()[0] is rt.queues.urgent


def test_amber_alert_for_the_whole_country(app, client, auth, work):
    """An AMBER alert with area 'country' reaches every active participant."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(3):
            factories.participant(s, f"061234567{n}", 40_000 * n)
    body = factories.launch_body(room, operators[0], kind="amber_alert", area={"type": "country"})
    action = launch_approved(client, json=body, headers=auth).json  # four eyes: a colleague approves
    assert action["planned"] == 3
    work()
    shown = client.get(f"/api/actions/{action['id']}", headers=auth).json
    assert shown["progress"] == {"sms": {"alert": {"sent": 3}}}
    assert shown["ledger_complete"] is True


def test_an_alert_left_as_voicemail_gets_its_closing_call(app, client, auth, work):
    """A machine's tape holds the alert: when the action ends, the closing call goes there too (on a machine
    the flow leaves it as a voicemail); a participant not reached at all gets none. The deliveries list
    keeps what detection said, for tuning it."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        machine = factories.participant(s, "0201234567", 100).id
        unreached = factories.participant(s, "0201234568", 200).id
    action = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth).json
    rt = app.extensions["uitkijk"]
    work()
    with rt.db.session() as s:
        for delivery in s.scalars(select(Delivery).where(Delivery.action_id == action["id"])):
            delivery.state = "voicemail" if delivery.participant_id == machine else "failed"
            if delivery.participant_id == machine:
                delivery.amd_status, delivery.amd_cause = "machine", "LONGGREETING-1500-1500"
    listed = client.get(f"/api/actions/{action['id']}/deliveries", headers=auth).json
    assert {(d["state"], d["amd_status"], d["amd_cause"]) for d in listed} == {
        ("voicemail", "machine", "LONGGREETING-1500-1500"), ("failed", None, None)}
    client.post(f"/api/actions/{action['id']}/end", json={"result": "not_found"}, headers=auth)
    with rt.db.session() as s:
        closings = list(s.scalars(select(Delivery.participant_id).where(
            Delivery.action_id == action["id"], Delivery.purpose == "closing")))
    assert closings == [machine] and unreached not in closings
