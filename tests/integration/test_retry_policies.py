"""Retry policies per action kind: set by an admin (web page and API, audited, bad input refused), and followed
by the retries of an action's messages: the wait for the cause, the attempts at most, the window, an ended action."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.jobs import send_deliveries
from core.models import Action, AuditEvent, Delivery, RetryPolicy, utcnow
from core.retry_policy import save_policy
from core.tokens import create_token
from core.transports import TransientFailure
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app

BURGLARY = {"busy_retry_s": 90, "no_answer_retry_s": 600, "failed_retry_s": 45, "max_attempts": 4}


@pytest.fixture
def app(config):
    yield from web_app(config)


def policies(client, auth):
    response = client.get("/api/retry-policies", headers=auth)
    assert response.status_code == 200
    return {p["kind"]: p for p in response.json}


def stored(app):
    with app.extensions["uitkijk"].db.session() as s:
        return {row.kind: (row.busy_retry_s, row.no_answer_retry_s, row.failed_retry_s, row.max_attempts)
                for row in s.scalars(select(RetryPolicy))}


def test_api_lists_defaults_sets_a_kind_audited_and_resets_it(app, client, auth):
    """Every kind starts at the configuration's defaults; a PUT sets one kind (audited, the others keep theirs),
    a field left out keeps its value, and a DELETE brings the defaults back."""
    listed = policies(client, auth)
    assert set(listed) == {"burglary", "robbery", "missing_person", "vehicle", "amber_alert", "information"}
    assert listed["burglary"] == {"kind": "burglary", "busy_retry_s": 120, "no_answer_retry_s": 300,
                                  "failed_retry_s": 60, "max_attempts": 5, "escalate": False,
                                  "escalation_order": ["voice", "sms", "email"], "configured": False,
                                  "updated_by": None, "updated_at": None}

    response = client.put("/api/retry-policies/burglary", headers=auth, json=BURGLARY)
    assert response.status_code == 200 and response.json["configured"] is True
    response = client.put("/api/retry-policies/burglary", headers=auth, json={"busy_retry_s": 30})
    assert {k: response.json[k] for k in BURGLARY} == {**BURGLARY, "busy_retry_s": 30}
    listed = policies(client, auth)
    assert listed["burglary"]["busy_retry_s"] == 30 and listed["robbery"]["configured"] is False
    with app.extensions["uitkijk"].db.session() as s:
        changes = s.scalars(select(AuditEvent).where(AuditEvent.verb == "retry-policy-changed")
                            .order_by(AuditEvent.id)).all()
    assert [c.subject_id for c in changes] == ["burglary", "burglary"]
    assert changes[1].detail == {"busy_retry_s": {"from": 90, "to": 30}}

    response = client.delete("/api/retry-policies/burglary", headers=auth)
    assert response.status_code == 200 and response.json["configured"] is False
    assert stored(app) == {}


@pytest.mark.parametrize("body, field", [
    ({"busy_retry_s": "2 min"}, "busy_retry_s"), ({"no_answer_retry_s": 0}, "no_answer_retry_s"),
    ({"failed_retry_s": 99999}, "failed_retry_s"), ({"max_attempts": True}, "max_attempts"),
    ({"max_attempts": 2.5}, "max_attempts"), ({"busy_retry_s": 60, "max_attempts": 21}, "max_attempts"),
])
def test_api_refuses_bad_values_naming_the_field_and_changes_nothing(app, client, auth, body, field):
    """Letters, zero, too long a wait, a boolean, a fraction, too many attempts: 400 naming the field, nothing
    stored (not even the good field beside it)."""
    response = client.put("/api/retry-policies/burglary", headers=auth, json=body)
    assert response.status_code == 400 and response.json["field"] == field
    assert stored(app) == {}


def test_api_unknown_kind_and_room_bound_tokens_are_refused(app, client, auth):
    """An unknown kind is 404; a token bound to one control room may read but not change what holds for all."""
    assert client.put("/api/retry-policies/picnic", headers=auth, json=BURGLARY).status_code == 404
    with app.extensions["uitkijk"].db.session() as s:
        room, _ = factories.control_room(s)
        bound = {"Authorization": "Bearer " + create_token(s, "room", ["configuration"], "test", 30, room.id)}
        narrow = {"Authorization": "Bearer " + create_token(s, "narrow", ["actions"], "test", 30)}
    assert client.get("/api/retry-policies", headers=bound).status_code == 200
    assert client.put("/api/retry-policies/burglary", headers=bound, json=BURGLARY).status_code == 403
    assert client.delete("/api/retry-policies/burglary", headers=bound).status_code == 403
    assert client.put("/api/retry-policies/burglary", headers=narrow, json=BURGLARY).status_code == 403
    assert stored(app) == {}


def test_admin_page_sets_and_resets_a_kind_and_refuses_bad_input(app, client):
    """The admin page shows every kind in Dutch; a saved form is stored and audited under the admin's name; a
    letter in a field is refused with the field named and nothing stored; the reset button restores defaults."""
    token = sign_in(client, make_user(app, "admin"))
    page = client.get("/config/retry-policies").get_data(as_text=True)
    assert "Herhaalpogingen" in page and "Inbraak" in page and 'value="120"' in page

    form = {k: str(v) for k, v in BURGLARY.items()}
    response = post(client, "/config/retry-policies/burglary", token, {**form, "busy_retry_s": "2m"})
    assert response.status_code == 400 and "busy_retry_s" in response.get_data(as_text=True)
    assert stored(app) == {}

    assert post(client, "/config/retry-policies/burglary", token, form).status_code == 302
    assert stored(app) == {"burglary": (90, 600, 45, 4)}
    page = client.get("/config/retry-policies").get_data(as_text=True)
    assert "admin@example.org" in page and 'value="600"' in page
    assert post(client, "/config/retry-policies/picnic", token, form).status_code == 404

    assert post(client, "/config/retry-policies/burglary/reset", token).status_code == 302
    assert stored(app) == {}
    with app.extensions["uitkijk"].db.session() as s:
        verbs = s.scalars(select(AuditEvent.verb).where(AuditEvent.subject_type == "action_kind")).all()
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.subject_type == "action_kind")))
    assert verbs == ["retry-policy-changed", "retry-policy-reset"] and actors == {"user:admin@example.org"}


def test_operators_cannot_change_retry_policies(app, client):
    """An operator gets 403 on the page and its POSTs."""
    token = sign_in(client, make_user(app, "operator"))
    assert client.get("/config/retry-policies").status_code == 403
    assert post(client, "/config/retry-policies/burglary", token, {"busy_retry_s": "1"}).status_code == 403
    assert stored(app) == {}


class Unreachable:
    """An SMS network that refuses every message for a while, without saying when to come back."""

    name = "unreachable"
    in_database = False

    def send(self, session, delivery, text):
        raise TransientFailure("network down")


def launch_one(app, client, auth, **extra):
    rt = app.extensions["uitkijk"]
    rt.transports["sms"] = Unreachable()
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612000001", 10)
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0], **extra), headers=auth)
    assert response.status_code == 201, response.json
    with rt.db.session() as s:
        delivery_id = s.scalar(select(Delivery.id))
    send_deliveries([delivery_id])
    with rt.db.session() as s:
        return s.get(Delivery, delivery_id)


def test_a_failed_attempt_waits_the_kinds_failed_wait(app, client, auth):
    """A burglary's SMS that met a network fault is queued again after the burglary's failed wait (45 s, with at
    most a tenth more of jitter), not a fixed backoff."""
    with app.extensions["uitkijk"].db.session() as s:
        save_policy(s, app.extensions["uitkijk"].config, "burglary", BURGLARY, "admin@example.org")
    delivery = launch_one(app, client, auth)
    assert delivery.state == "queued" and delivery.error == "network down" and delivery.attempts == 1
    wait = (delivery.not_before - delivery.updated_at).total_seconds()
    assert 45 - 1 <= wait <= 45 * 1.1


def test_the_kinds_max_attempts_end_the_retries(app, client, auth):
    """With one attempt at most for burglaries, the first network fault fails the SMS."""
    with app.extensions["uitkijk"].db.session() as s:
        save_policy(s, app.extensions["uitkijk"].config, "burglary", {"max_attempts": "1"}, "admin@example.org")
    delivery = launch_one(app, client, auth)
    assert delivery.state == "failed" and delivery.error == "gave up: network down"


def test_no_retry_after_the_time_critical_window(app, client, auth):
    """A time-critical alert is not retried once RETRY_WINDOW_S has passed since the launch; an alert that is
    not time-critical is, the window does not hold for it."""
    rt = app.extensions["uitkijk"]
    rt.config["RETRY_WINDOW_S"] = 60
    rt.transports["sms"] = Unreachable()
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612000001", 10)
    ids = []
    for body in (factories.launch_body(room, operators[0]),
                 factories.launch_body(room, operators[0], kind="information", time_critical=False,
                                       title="Informatie")):
        response = client.post("/api/actions", json=body, headers=auth)
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    with rt.db.session() as s:
        for action in s.scalars(select(Action)):
            action.launched_at = utcnow() - timedelta(seconds=120)
        deliveries = {d.action_id: d.id for d in s.scalars(select(Delivery))}
    send_deliveries([deliveries[i] for i in ids])
    with rt.db.session() as s:
        late, informative = (s.get(Delivery, deliveries[i]) for i in ids)
        assert late.state == "failed" and late.error == "gave up: network down"
        assert informative.state == "queued" and informative.not_before is not None


class EndsTheAction(Unreachable):
    """A network fault during which the operator ends the action."""

    def __init__(self, db):
        self.db = db

    def send(self, session, delivery, text):
        with self.db.session() as other:
            other.get(Action, delivery.action_id).status = "ended"
        raise TransientFailure("network down")


def test_no_retry_once_the_action_ended(app, client, auth):
    """An alert whose attempt failed while its action was being ended is not tried again."""
    with app.extensions["uitkijk"].db.session() as s:
        save_policy(s, app.extensions["uitkijk"].config, "burglary", BURGLARY, "admin@example.org")
    rt = app.extensions["uitkijk"]
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, "0612000001", 10)
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth)
    assert response.status_code == 201, response.json
    rt.transports["sms"] = EndsTheAction(rt.db)
    with rt.db.session() as s:
        delivery_id = s.scalar(select(Delivery.id))
    send_deliveries([delivery_id])
    with rt.db.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery.state == "failed" and delivery.error == "gave up: network down"
