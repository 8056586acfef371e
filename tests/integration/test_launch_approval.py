"""Four eyes (core.approvals) over the API, the web and the CLI: a national AMBER alert or a launch above
LAUNCH_APPROVAL_PARTICIPANTS waits, sends nothing, and is launched by someone else's approval, or rejected;
each step is in the audit trail. A small local launch goes out at once."""
import pytest
from sqlalchemy import func, select

from core.models import Action, AuditEvent, Delivery, LaunchApproval, OutboxMessage
from core.tokens import create_token
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app

NUMBERS = ("+31612345601", "+31201234501", "+31612345602", "+31201234502")


@pytest.fixture
def app(config):
    # Four people in 1 km; more than three needs a second person.
    yield from web_app({**config, "ESTIMATE_MIN_PARTICIPANTS": 1, "LAUNCH_APPROVAL_PARTICIPANTS": 3})


@pytest.fixture
def people(app):
    """Four participants within 1 km of the centre, a control room with two operators, and another room."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        other, other_operators = factories.control_room(session, "Meldkamer Elders")
        for n, number in enumerate(NUMBERS):
            factories.participant(session, number, distance_m=100 + 200 * n)
        return {"room": room.id, "operators": [o.id for o in operators], "other_room": other.id,
                "other_operator": other_operators[0].id}


def _token(app, name, scopes=("actions", "approvals"), room=None):
    with app.extensions["uitkijk"].db.session() as session:
        token = create_token(session, name, list(scopes), "test", control_room_id=room)
    return {"Authorization": f"Bearer {token}"}


def _body(people, **extra):
    room = type("Room", (), {"id": people["room"]})
    operator = type("Operator", (), {"id": people["operators"][0]})
    return factories.launch_body(room, operator, **extra)


def _sent(app, work):
    """The numbers the console transports reached (what the phones got), after the workers ran."""
    work()
    with app.extensions["uitkijk"].db.session() as session:
        return sorted(set(session.scalars(select(OutboxMessage.to_e164))))


def _count(app, model):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _audit(app, verb):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.actor, e.subject_id, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id))]


def test_a_large_launch_waits_and_a_second_token_launches_it(app, client, people, work):
    """Over the threshold: 202 awaiting approval with the preview, nothing sent nor in the ledger; the asking
    token cannot approve its own (409); another token approves and everyone in the area is alerted."""
    asking, second = _token(app, "meldkamer-systeem"), _token(app, "chef-van-dienst")
    response = client.post("/api/actions", json=_body(people, client_request_id="big-1"), headers=asking)
    assert response.status_code == 202, response.json
    approval = response.json["approval"]
    assert approval["status"] == "awaiting" and approval["reason"] == "participants"
    assert approval["impact"]["participants"] == 4 and approval["impact"]["needs_approval"] is True
    assert _sent(app, work) == [] and _count(app, Action) == 0 and _count(app, Delivery) == 0
    assert _audit(app, "request_approval")[0][:2] == ("token:meldkamer-systeem", str(approval["id"]))

    again = client.post("/api/actions", json=_body(people, client_request_id="big-1"), headers=asking)
    assert again.status_code == 200 and again.json["approval"]["id"] == approval["id"]  # no second request
    assert client.get("/api/approvals", headers=second).json[0]["id"] == approval["id"]

    own = client.post(f"/api/approvals/{approval['id']}/approve", headers=asking)
    assert own.status_code == 409 and "someone else" in own.json["reason"]
    assert _sent(app, work) == []

    launched = client.post(f"/api/approvals/{approval['id']}/approve", headers=second)
    assert launched.status_code == 201, launched.json
    assert launched.json["launched_by"] == "token:meldkamer-systeem"
    assert _sent(app, work) == sorted(NUMBERS)
    assert _audit(app, "approve")[0][:2] == ("token:chef-van-dienst", str(approval["id"]))
    shown = client.get(f"/api/approvals/{approval['id']}", headers=asking).json
    assert shown["status"] == "approved" and shown["action_id"] == launched.json["id"]
    twice = client.post(f"/api/approvals/{approval['id']}/approve", headers=second)
    # The state in words, English for the API by default and Dutch when asked; the code stays "conflict".
    assert twice.status_code == 409 and twice.json["error"] == "conflict"
    assert twice.json["reason"] == f"launch approval {approval['id']} has been approved already"
    dutch = client.post(f"/api/approvals/{approval['id']}/approve", headers={**second, "Accept-Language": "nl"})
    assert dutch.json["reason"] == f"startverzoek {approval['id']} is al goedgekeurd"
    retried = client.post("/api/actions", json=_body(people, client_request_id="big-1"), headers=asking)
    assert retried.status_code == 200 and retried.json["id"] == launched.json["id"]  # not launched twice
    assert _count(app, Action) == 1


def test_a_national_amber_alert_waits_whatever_its_size(app, client, people, work):
    """A national AMBER alert needs a second person even below the threshold of participants."""
    app.extensions["uitkijk"].config["LAUNCH_APPROVAL_PARTICIPANTS"] = 100  # the four are few
    body = _body(people, kind="amber_alert", area={"type": "country"}, title="AMBER Alert Lisa",
                 message="Lisa, 8 jaar, blauwe jas, vermist sinds 14:00.")
    response = client.post("/api/actions", json=body, headers=_token(app, "landelijk"))
    assert response.status_code == 202 and response.json["approval"]["reason"] == "wide_amber"
    assert _sent(app, work) == []


def test_a_small_local_launch_goes_out_at_once(app, client, people, work):
    """Below the threshold and local: launched at once (201), no approval asked."""
    response = client.post("/api/actions", json=_body(people, area={
        "type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 400}),
        headers=_token(app, "meldkamer-systeem"))
    assert response.status_code == 201
    assert _count(app, LaunchApproval) == 0
    assert _sent(app, work) == sorted(NUMBERS[:2])


def test_rejection_needs_a_reason_sends_nothing_and_is_audited(app, client, people, work):
    """A rejection without a reason is refused naming the field; with one, nothing is sent, ever."""
    approval = client.post("/api/actions", json=_body(people), headers=_token(app, "vraagt")).json["approval"]
    second = _token(app, "beslist")
    empty = client.post(f"/api/approvals/{approval['id']}/reject", json={"reason": "  "}, headers=second)
    assert empty.status_code == 400 and empty.json["field"] == "reason"
    rejected = client.post(f"/api/approvals/{approval['id']}/reject", json={"reason": "Straal te groot"},
                           headers=second)
    assert rejected.status_code == 200
    assert rejected.json["status"] == "rejected" and rejected.json["rejection"] == "Straal te groot"
    twice = client.post(f"/api/approvals/{approval['id']}/approve", headers=second)
    assert twice.status_code == 409
    assert twice.json["reason"] == f"launch approval {approval['id']} has been rejected already"
    dutch = client.post(f"/api/approvals/{approval['id']}/reject", json={"reason": "Nogmaals"},
                        headers={**second, "Accept-Language": "nl"})
    assert dutch.status_code == 409 and dutch.json["reason"] == f"startverzoek {approval['id']} is al afgewezen"
    assert _sent(app, work) == [] and _count(app, Action) == 0
    assert _audit(app, "reject") == [("token:beslist", str(approval["id"]),
                                      {"requested_by": "token:vraagt", "reason": "Straal te groot"})]


def test_approval_is_refused_without_the_scope_or_from_another_room(app, client, people, work):
    """A token without the approvals scope is refused (403); another room's token does not find it (404)."""
    approval = client.post("/api/actions", json=_body(people), headers=_token(app, "vraagt")).json["approval"]
    no_scope = _token(app, "alleen-acties", scopes=("actions",))
    assert client.post(f"/api/approvals/{approval['id']}/approve", headers=no_scope).status_code == 403
    elsewhere = _token(app, "elders", room=people["other_room"])
    assert client.post(f"/api/approvals/{approval['id']}/approve", headers=elsewhere).status_code == 404
    missing = client.get(f"/api/approvals/{approval['id']}", headers=elsewhere)
    assert missing.status_code == 404 and missing.json == {
        "error": "not_found", "reason": f"launch approval {approval['id']} not found"}
    dutch = client.get(f"/api/approvals/{approval['id']}", headers={**elsewhere, "Accept-Language": "nl"})
    assert dutch.json["reason"] == f"startverzoek {approval['id']} niet gevonden"
    assert client.get("/api/approvals", headers=elsewhere).json == []
    assert _sent(app, work) == []


def _form(people, **extra):
    lat, lon = factories.CENTRE
    form = {"kind": "burglary", "urgency": "urgent", "title": "Inbraak Weesp",
            "message": "Man, ongeveer 30 jaar, donkere jas, op een rode fiets.", "lat": str(lat), "lon": str(lon),
            "radius_m": "1000", "operator_id": str(people["operators"][0]), "control_room_id": str(people["room"]),
            "client_request_id": "form-big"}
    form.update(extra)
    return form


def test_web_approval_by_a_colleague_of_the_same_room(app, people, work):
    """In the web: the launch form leads to the request page with its impact; the requester may not approve
    it, an operator of another room does not see it, a colleague of the same room approves and it goes out."""
    asking, colleague, elsewhere = app.test_client(), app.test_client(), app.test_client()
    token = sign_in(asking, make_user(app, "operator", "ann@example.org", operator_id=people["operators"][0]))
    response = post(asking, "/actions/", token, _form(people))
    assert response.status_code == 302 and "/approvals/" in response.location
    page = asking.get(response.location).get_data(as_text=True)
    assert "Wacht op goedkeuring" in page or "Awaiting approval" in page
    assert 'data-impact="voice-reached">2<' in page and 'data-impact="sms-reached">2<' in page
    assert "approve-button" not in page  # not offered to the requester
    assert post(asking, response.location + "/approve", token).status_code == 302
    assert _sent(app, work) == []

    other = sign_in(elsewhere, make_user(app, "operator", "bob@example.org", operator_id=people["other_operator"]))
    assert elsewhere.get(response.location).status_code == 404
    assert post(elsewhere, response.location + "/approve", other).status_code == 404

    second = sign_in(colleague, make_user(app, "operator", "cor@example.org", operator_id=people["operators"][1]))
    assert "approve-button" in colleague.get(response.location).get_data(as_text=True)
    approved = post(colleague, response.location + "/approve", second)
    assert approved.status_code == 302 and "/actions/" in approved.location
    assert _sent(app, work) == sorted(NUMBERS)
    assert [a[0] for a in _audit(app, "approve")] == ["user:cor@example.org"]
    assert [a[0] for a in _audit(app, "launch")] == ["user:ann@example.org"]
    again = post(colleague, response.location + "/approve", second, follow_redirects=True)
    approval_id = response.location.rstrip("/").rsplit("/", 1)[-1]
    assert f"Niet goedgekeurd: startverzoek {approval_id} is al goedgekeurd" in again.get_data(as_text=True)


def test_web_rejection_shows_the_reason(app, people, work):
    """A colleague rejects with a reason; the request page says so and nothing is sent."""
    asking, colleague = app.test_client(), app.test_client()
    token = sign_in(asking, make_user(app, "operator", "ann@example.org", operator_id=people["operators"][0]))
    location = post(asking, "/actions/", token, _form(people)).location
    second = sign_in(colleague, make_user(app, "operator", "cor@example.org", operator_id=people["operators"][1]))
    assert post(colleague, location + "/reject", second, {"reason": ""}).status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(LaunchApproval.status)) == "awaiting"
    post(colleague, location + "/reject", second, {"reason": "Verkeerde wijk"})
    page = asking.get(location).get_data(as_text=True)
    assert "Verkeerde wijk" in page
    assert _sent(app, work) == [] and _count(app, Action) == 0


def test_the_cli_holds_a_large_launch_for_approval_too(app, people, work):
    """`flask actions launch` is no back door: a launch above the threshold waits, nothing is sent."""
    import json
    result = app.test_cli_runner().invoke(args=["actions", "launch", json.dumps(_body(people)),
                                                "--actor", "user:jansen"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["launched"] is False and answer["approval"]["requested_by"] == "user:jansen"
    assert _sent(app, work) == [] and _count(app, Action) == 0
