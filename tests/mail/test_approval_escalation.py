"""A launch left waiting for its second person is escalated to the control room's supervisors (issue 19):
the worker's sweeper mails them through the real relay, once, shows them a banner until someone decides,
and writes the escalation in the audit trail; other rooms' supervisors, plain operators and deactivated
accounts get nothing, and a decided launch is never escalated. Both databases."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core import runtime
from core.actions import parse_launch
from core.approval_escalation import escalate_overdue
from core.approvals import launch_or_request, reject
from core.models import AuditEvent, LaunchApproval, User, utcnow
from core.outage import Outage
from core.room_scope import RoomScope
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app
from tests.mail.mail_support import parsed
from worker import sweep_round

ESCALATE_S = 300


@pytest.fixture
def app(mail_config):
    yield from web_app({**mail_config, "LAUNCH_APPROVAL_ESCALATE_S": ESCALATE_S,
                        "PUBLIC_BASE_URL": "https://uitkijk.example.org"})


@pytest.fixture
def rooms(app):
    """A control room with a requester, a plain colleague and a supervisor (who reads English), a deactivated
    supervisor, a supervising admin, and another room's supervisor."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        other, other_operators = factories.control_room(session, "Meldkamer Elders")
        factories.participant(session, "+31612345601", distance_m=100)
        ids = {"room": room.id, "operator": operators[0].id, "second": operators[1].id,
               "other_operator": other_operators[0].id}
    accounts = {"requester": make_user(app, "operator", "vraagt@example.org", operator_id=ids["operator"]),
                "colleague": make_user(app, "operator", "collega@example.org", operator_id=ids["operator"]),
                "supervisor": make_user(app, "operator", "chef@example.org", operator_id=ids["second"]),
                "retired": make_user(app, "operator", "oud-chef@example.org", operator_id=ids["second"]),
                "admin": make_user(app, "admin", "beheer@example.org"),
                "elsewhere": make_user(app, "operator", "chef-elders@example.org",
                                       operator_id=ids["other_operator"])}
    with app.extensions["uitkijk"].db.session() as session:
        session.execute(update(User).where(User.email.in_(
            [accounts[k] for k in ("supervisor", "retired", "admin", "elsewhere")])).values(supervisor=True))
        session.execute(update(User).where(User.email == accounts["retired"]).values(active=False))
        session.execute(update(User).where(User.email == accounts["supervisor"]).values(language="en"))
    return ids, accounts


def _request_amber(app, ids, actor="vraagt@example.org"):
    """A national AMBER alert, which always waits for a second person; returns the approval's id."""
    body = factories.launch_body(type("Room", (), {"id": ids["room"]}), type("Operator", (), {"id": ids["operator"]}),
                                 kind="amber_alert", area={"type": "country"}, title="AMBER Alert Lisa",
                                 message="Lisa, 8 jaar, blauwe jas, vermist sinds 14:00.")
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        outcome = launch_or_request(rt, session, parse_launch(body, 640, 50_000), actor)
        return outcome.approval.id


def _age(app, approval_id, seconds):
    with app.extensions["uitkijk"].db.session() as session:
        session.execute(update(LaunchApproval).where(LaunchApproval.id == approval_id)
                        .values(requested_at=utcnow() - timedelta(seconds=seconds)))


def _escalations(app):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.actor, e.subject_id, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.verb == "escalate").order_by(AuditEvent.id))]


def test_the_sweeper_mails_the_rooms_supervisors_once(app, rooms, relay):
    ids, accounts = rooms
    approval_id = _request_amber(app, ids)
    rt = runtime.get()
    _age(app, approval_id, ESCALATE_S - 30)
    assert escalate_overdue(rt) == 0 and relay.messages() == []  # not yet waited long enough

    _age(app, approval_id, ESCALATE_S + 120)
    sweep_round(rt, Outage("Redis"))  # the worker's sweeper round
    mails = {parsed(m)["To"]: parsed(m) for m in relay.wait_for(2)}
    assert set(mails) == {accounts["supervisor"], accounts["admin"]}
    english, dutch = mails[accounts["supervisor"]], mails[accounts["admin"]]
    assert english["Subject"] == "Launch waiting for approval: AMBER Alert Lisa"
    assert dutch["Subject"] == "Lancering wacht op goedkeuring: AMBER Alert Lisa"
    text = dutch.get_body(("plain",)).get_content()
    assert "vraagt@example.org" in text and "7 minuten" in text
    assert f"https://uitkijk.example.org/approvals/{approval_id}" in text
    assert _escalations(app) == [("system", str(approval_id), {
        "waited_minutes": 7, "control_room_id": ids["room"], "supervisors": [accounts["supervisor"], accounts["admin"]],
        "mail_failed": []})]

    assert escalate_overdue(rt) == 0  # once only
    assert len(relay.messages()) == 2 and len(_escalations(app)) == 1


def test_supervisors_see_a_banner_until_someone_decides(app, rooms, relay):
    ids, accounts = rooms
    approval_id = _request_amber(app, ids)
    client = app.test_client()
    sign_in(client, accounts["supervisor"])
    assert "escalations-title" not in client.get("/actions").get_data(as_text=True)  # not escalated yet
    _age(app, approval_id, ESCALATE_S + 1)
    assert escalate_overdue(runtime.get()) == 1
    for who in ("supervisor", "admin"):
        viewer = app.test_client()
        sign_in(viewer, accounts[who])
        html = viewer.get("/dashboard/").get_data(as_text=True)
        assert "escalations-title" in html and f'href="/approvals/{approval_id}"' in html, who
    for who in ("colleague", "elsewhere"):
        viewer = app.test_client()
        sign_in(viewer, accounts[who])
        assert "escalations-title" not in viewer.get("/dashboard/").get_data(as_text=True), who
    api = client.get(f"/api/approvals/{approval_id}", headers=_bearer(app))
    assert api.status_code == 200 and api.json["escalated_at"] is not None

    token = sign_in(client, accounts["supervisor"])
    response = post(client, f"/approvals/{approval_id}/reject", token, {"reason": "Eerst de ouders spreken"})
    assert response.status_code in (302, 303)
    assert "escalations-title" not in client.get("/dashboard/").get_data(as_text=True)


def test_a_decided_launch_is_never_escalated(app, rooms, relay):
    ids, accounts = rooms
    approval_id = _request_amber(app, ids)
    with app.extensions["uitkijk"].db.session() as session:
        reject(session, approval_id, accounts["supervisor"], RoomScope(), "Te breed")
    _age(app, approval_id, ESCALATE_S * 10)
    assert escalate_overdue(runtime.get()) == 0
    assert relay.messages() == [] and _escalations(app) == []


def test_a_room_without_supervisors_is_escalated_in_the_audit_all_the_same(app, rooms, relay, caplog):
    ids, _accounts = rooms
    with app.extensions["uitkijk"].db.session() as session:
        session.execute(update(User).values(supervisor=False))
    approval_id = _request_amber(app, ids)
    _age(app, approval_id, ESCALATE_S + 60)
    assert escalate_overdue(runtime.get()) == 1
    assert relay.messages() == []
    assert _escalations(app)[0][2]["supervisors"] == []
    assert "has no supervisor" in caplog.text


def test_only_operators_and_admins_can_be_marked_supervisor(app, rooms, relay):
    ids, accounts = rooms
    client = app.test_client()
    token = sign_in(client, accounts["admin"])
    with app.extensions["uitkijk"].db.session() as session:
        colleague = session.scalar(select(User).where(User.email == accounts["colleague"]))
        colleague_id = colleague.id
    form = {"name": "Collega", "role": "police", "active": "on", "supervisor": "on"}
    refused = post(client, f"/accounts/{colleague_id}", token, form)
    assert refused.status_code == 400 and "supervisor" in refused.get_data(as_text=True)
    form.update(role="operator", operator_id=str(ids["operator"]))
    assert post(client, f"/accounts/{colleague_id}", token, form).status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(User, colleague_id).supervisor is True
        changed = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.verb == "update", AuditEvent.subject_type == "user")).all()
    assert any("supervisor" in detail["changed"] for detail in changed)


def _bearer(app):
    from core.tokens import SCOPES, create_token
    with app.extensions["uitkijk"].db.session() as session:
        return {"Authorization": f"Bearer {create_token(session, 'chef-api', SCOPES, 'test')}"}
