"""Webhooks out for action events: a control-room system's real HTTP receiver hears one action launched,
changed and ended, signed and in order, retried when it answers 500; the /api/webhooks endpoints attacked
with the wrong scope and from another control room (SQLite and PostgreSQL).

Every API response here is also checked against the OpenAPI document by the suite's test client.
"""
import json
from datetime import timedelta

import pytest
import requests
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from core import action_webhooks, runtime
from core.models import ActionWebhookDelivery, AuditEvent, utcnow
from lab import factories
from tests.conftest import app_for
from tests.integration.admin_web import login, make_user, post
from tests.integration.test_api_control_rooms import rooms, token  # noqa: F401  (rooms is a fixture)
from tests.publish_support import WebhookReceiver, work_until


@pytest.fixture
def app(config):
    yield from app_for({**config, "PARTNER_RETRY_BASE_S": 0.2, "PARTNER_RETRY_MAX_S": 0.5})


def launch_body(room_id, operator_id):
    return factories.launch_body(type("R", (), {"id": room_id}), type("O", (), {"id": operator_id}))


def deliveries(app, webhook_id):
    with app.extensions["uitkijk"].db.session() as s:
        return s.scalars(select(ActionWebhookDelivery).where(ActionWebhookDelivery.webhook_id == webhook_id)
                         .order_by(ActionWebhookDelivery.id)).all()


def test_receiver_hears_launch_change_and_end_signed_in_order_and_retried_after_500(app, client, rooms):
    (north, north_ops), _ = rooms
    hooks, actions = token(app, ["webhooks"]), token(app, ["actions"])
    with WebhookReceiver(fail_first=2) as receiver:
        created = client.post("/api/webhooks", json={"url": receiver.url}, headers=hooks)
        assert created.status_code == 201 and created.json["control_room_id"] is None
        receiver.secret, webhook_id = created.json["new_secret"], created.json["id"]

        action = client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=actions).json
        work_until(lambda: len(receiver.accepted) == 1)
        area = {**action["area"], "radius_m": 1500}
        assert client.post(f"/api/actions/{action['id']}/area", json={"area": area},
                           headers=actions).status_code == 200
        work_until(lambda: len(receiver.accepted) == 2)
        assert client.post(f"/api/actions/{action['id']}/end", json={"result": "person_found"},
                           headers=actions).status_code == 200
        work_until(lambda: len(receiver.accepted) == 3)

    assert [b["event"] for b in receiver.accepted] == ["action.launched", "action.updated", "action.ended"]
    assert [h["X-Uitkijk-Event"] for status, h, _ in receiver.attempts if status == 200] == \
        ["action.launched", "action.updated", "action.ended"]
    assert {b["action"]["id"] for b in receiver.accepted} == {action["id"]}
    assert receiver.accepted[1]["change"] == "area" and receiver.accepted[1]["action"]["area"]["radius_m"] == 1500
    assert receiver.accepted[2]["action"]["result"] == "person_found"
    assert [status for status, _, _ in receiver.attempts] == [500, 500, 200, 200, 200]
    assert len({b["id"] for b in receiver.accepted}) == 3  # each event its own id, for the receiver's dedup

    log = client.get(f"/api/webhooks/{webhook_id}/deliveries", headers=hooks).json
    assert [(d["event"], d["state"], d["attempts"], d["last_status"]) for d in log] == [
        ("action.ended", "delivered", 1, 200), ("action.updated", "delivered", 1, 200),
        ("action.launched", "delivered", 3, 200)]
    shown = client.get(f"/api/webhooks/{webhook_id}", headers=hooks).json
    assert shown["secret"] == "stored encrypted" and "new_secret" not in shown
    assert receiver.secret not in json.dumps(client.get("/api/webhooks", headers=hooks).json)


def test_a_forged_or_unsigned_body_is_what_the_receiver_refuses(app, client, rooms):
    """Signed with another secret every attempt is refused (401) and the row ends failed; an unsigned or
    altered body fails the receiver's check too."""
    (north, north_ops), _ = rooms
    app.extensions["uitkijk"].config["PARTNER_MAX_ATTEMPTS"] = 2
    hooks = token(app, ["webhooks"])
    with WebhookReceiver(secret="not-the-webhook-secret") as receiver:
        webhook_id = client.post("/api/webhooks", json={"url": receiver.url}, headers=hooks).json["id"]
        client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=token(app, ["actions"]))
        work_until(lambda: deliveries(app, webhook_id)[0].state == "failed")
        assert [status for status, _, _ in receiver.attempts] == [401, 401]
        row, = deliveries(app, webhook_id)
        assert (row.last_status, row.last_error, row.next_attempt_at) == (401, "HTTP 401", None)

    with WebhookReceiver() as receiver:
        created = client.post("/api/webhooks", json={"url": receiver.url}, headers=hooks).json
        receiver.secret = created["new_secret"]
        assert requests.post(receiver.url, data=b'{"event": "action.ended"}', timeout=5).status_code == 401
        action = client.post("/api/actions", json=launch_body(north, north_ops[0]),
                             headers=token(app, ["actions"])).json
        work_until(lambda: len(receiver.accepted) == 1)
        _, headers, body = receiver.attempts[-1]
        assert receiver.signature_ok(headers, body)
        forged = body.replace(str(action["id"]).encode(), str(action["id"] + 1).encode())
        assert not receiver.signature_ok(headers, forged)
        assert not receiver.signature_ok({**headers, "X-Uitkijk-Timestamp": "1000000000"}, body)  # replayed


def test_room_bound_tokens_see_and_hear_only_their_room(app, client, rooms):
    (north, north_ops), (south, south_ops) = rooms
    national, north_token = token(app, ["webhooks"]), token(app, ["webhooks"], room_id=north)
    south_hook = client.post("/api/webhooks", json={"url": "https://zuid.example.nl/hook", "control_room_id": south},
                             headers=national).json
    north_hook = client.post("/api/webhooks", json={"url": "https://noord.example.nl/hook"}, headers=north_token)
    assert north_hook.status_code == 201 and north_hook.json["control_room_id"] == north
    north_hook = north_hook.json

    refused = client.post("/api/webhooks", json={"url": "https://x.example.nl", "control_room_id": south},
                          headers=north_token)
    assert refused.status_code == 400 and refused.json["field"] == "control_room_id"
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(f"/api/webhooks/{south_hook['id']}", json={"active": False},
                                           headers=north_token)
        assert response.status_code == 404, method
    assert client.get(f"/api/webhooks/{south_hook['id']}/deliveries", headers=north_token).status_code == 404
    assert [h["id"] for h in client.get("/api/webhooks", headers=north_token).json] == [north_hook["id"]]
    assert client.get("/api/webhooks", headers=token(app, ["actions"])).status_code == 403

    # A south action is written for the south subscription only.
    client.post("/api/actions", json=launch_body(south, south_ops[0]), headers=token(app, ["actions"]))
    assert [d.event for d in deliveries(app, south_hook["id"])] == ["action.launched"]
    assert deliveries(app, north_hook["id"]) == []

    bad = client.post("/api/webhooks", json={"url": "ftp://noord.example.nl"}, headers=north_token)
    assert bad.status_code == 400 and bad.json["field"] == "url"
    unknown = client.patch(f"/api/webhooks/{north_hook['id']}", json={"secret": "mine"}, headers=north_token)
    assert unknown.status_code == 400 and unknown.json["field"] == "secret"
    rotated = client.patch(f"/api/webhooks/{north_hook['id']}", json={"new_secret": True, "active": False},
                           headers=north_token).json
    assert rotated["new_secret"] and rotated["new_secret"] != north_hook["new_secret"] and not rotated["active"]
    assert client.delete(f"/api/webhooks/{north_hook['id']}", headers=north_token).status_code == 204
    assert client.get(f"/api/webhooks/{north_hook['id']}", headers=north_token).status_code == 404
    with app.extensions["uitkijk"].db.session() as s:
        verbs = [e.verb for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "action_webhook",
                                                                       AuditEvent.subject_id == str(north_hook["id"])))]
    assert verbs == ["create", "change", "delete"]


def test_a_webhook_cannot_be_aimed_at_the_inside_network(app, client, rooms):
    """SSRF: without WEBHOOK_PRIVATE_ADDRESSES a loopback, private or link-local address is refused when
    subscribed (400 naming url), and a name that resolves inside by the time of sending is never posted to."""
    (north, north_ops), _ = rooms
    config = app.extensions["uitkijk"].config
    hooks = token(app, ["webhooks"])
    with WebhookReceiver() as receiver:
        inside_url = receiver.url
        created = client.post("/api/webhooks", json={"url": inside_url}, headers=hooks).json
        config["WEBHOOK_PRIVATE_ADDRESSES"], config["PARTNER_MAX_ATTEMPTS"] = False, 1  # the worker's
        app.config["WEBHOOK_PRIVATE_ADDRESSES"] = False  # the API's
        for url in (inside_url, "http://localhost:8080/x", "http://[::1]/x", "http://169.254.169.254/latest",
                    "https://10.1.2.3/hook", "http://192.168.0.1/"):
            refused = client.post("/api/webhooks", json={"url": url}, headers=hooks)
            assert refused.status_code == 400 and refused.json["field"] == "url", url
            assert client.patch(f"/api/webhooks/{created['id']}", json={"url": url},
                                headers=hooks).status_code == 400
        client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=token(app, ["actions"]))
        work_until(lambda: deliveries(app, created["id"])[0].state == "failed")
        row, = deliveries(app, created["id"])
        assert row.last_status is None and row.last_error.startswith("refused")
        assert receiver.attempts == []


def test_events_redis_never_got_are_sent_by_the_sweeper(app, client, rooms, monkeypatch):
    """Redis refuses the webhook job after the launch committed: the launch still answers 201, the row stays
    queued, and the worker's sweeper enqueues it once it is overdue; the receiver then gets it."""
    (north, north_ops), _ = rooms
    rt = runtime.get()
    urgent = rt.queues.urgent
    enqueue = urgent.enqueue

    def refuse_webhook_jobs(function, *args, **kwargs):
        if function is action_webhooks.deliver:
            raise RedisConnectionError("Redis is down")
        return enqueue(function, *args, **kwargs)

    with WebhookReceiver() as receiver:
        created = client.post("/api/webhooks", json={"url": receiver.url}, headers=token(app, ["webhooks"])).json
        receiver.secret = created["new_secret"]
        monkeypatch.setattr(urgent, "enqueue", refuse_webhook_jobs)
        launched = client.post("/api/actions", json=launch_body(north, north_ops[0]),
                               headers=token(app, ["actions"]))
        assert launched.status_code == 201
        row, = deliveries(app, created["id"])
        assert row.state == "queued"
        monkeypatch.setattr(urgent, "enqueue", enqueue)
        assert action_webhooks.requeue_stale(rt) == []  # not yet: it may still be on its way
        later = utcnow() + timedelta(seconds=rt.config["REQUEUE_AFTER_S"] + 1)
        assert action_webhooks.requeue_stale(rt, now=later) == [row.id]
        work_until(lambda: len(receiver.accepted) == 1)
    assert receiver.accepted[0]["event"] == "action.launched" and receiver.accepted[0]["id"] == row.id


def test_the_admin_sees_each_webhook_its_log_and_pauses_it(app, client, rooms):
    """The admin web lists the API's subscriptions with their room, shows the delivery log, and a paused
    webhook hears nothing more; an operator is refused the page."""
    (north, north_ops), _ = rooms
    app.config["SECURE_COOKIES"] = False
    admin = app.test_client()
    login(admin, make_user(app, "admin"))
    hooks, actions = token(app, ["webhooks"], room_id=north), token(app, ["actions"])
    with WebhookReceiver(fail_first=1) as receiver:
        created = client.post("/api/webhooks", json={"url": receiver.url}, headers=hooks).json
        receiver.secret = created["new_secret"]
        client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=actions)
        work_until(lambda: len(receiver.accepted) == 1)
    listing = admin.get("/config/action-webhooks/").get_data(as_text=True)
    assert receiver.url in listing and "Meldkamer Noord" in listing and receiver.secret not in listing
    log = admin.get(f"/config/action-webhooks/{created['id']}").get_data(as_text=True)
    assert "action.launched" in log and "afgeleverd" in log and ">2<" in log  # 500, then 200
    assert post(admin, f"/config/action-webhooks/{created['id']}/active", {}).status_code == 302
    assert client.get(f"/api/webhooks/{created['id']}", headers=hooks).json["active"] is False
    client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=actions)
    assert len(deliveries(app, created["id"])) == 1  # paused: the second launch wrote nothing for it
    assert admin.get("/config/action-webhooks/999999").status_code == 404

    operator = app.test_client()
    login(operator, make_user(app, "operator", operator_id=north_ops[0]))
    assert operator.get("/config/action-webhooks/").status_code == 403
    assert post(operator, f"/config/action-webhooks/{created['id']}/active", {"active": "on"}).status_code == 403
    assert client.get(f"/api/webhooks/{created['id']}", headers=hooks).json["active"] is False
