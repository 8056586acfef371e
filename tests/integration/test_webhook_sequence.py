"""Webhooks out number each action's events: a real receiver gets 1, 2, 3 … per action in the body and the
X-Uitkijk-Sequence header, as the OpenAPI document's webhooks section describes; a rolled-back event gives
its number back and concurrent events never share one (SQLite and PostgreSQL)."""
import json
import threading

import jsonschema
import pytest
from sqlalchemy import select, text

from api.openapi import SPEC
from core import action_webhooks, migrate
from core.db import make_engine
from core.models import Action, ActionWebhookDelivery
from tests.conftest import app_for
from tests.integration.test_action_webhooks import launch_body
from tests.integration.test_api_control_rooms import rooms, token  # noqa: F401  (rooms is a fixture)
from tests.publish_support import WebhookReceiver, work_until

EVENT_SCHEMA = jsonschema.Draft202012Validator(SPEC["components"]["schemas"]["ActionEvent"],
                                               format_checker=jsonschema.FormatChecker())
HEADERS = {p["name"]: p["schema"] for p in SPEC["webhooks"]["actionEvent"]["post"]["parameters"]}


@pytest.fixture
def app(config):
    yield from app_for(config)


def test_each_actions_events_are_numbered_in_body_and_header(app, client, rooms):
    (north, north_ops), _ = rooms
    hooks, actions = token(app, ["webhooks"]), token(app, ["actions"])
    db = app.extensions["uitkijk"].db
    with WebhookReceiver() as receiver:
        created = client.post("/api/webhooks", json={"url": receiver.url}, headers=hooks).json
        receiver.secret = created["new_secret"]
        first = client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=actions).json
        second = client.post("/api/actions", json=launch_body(north, north_ops[1]), headers=actions).json
        with db.session() as s:  # an event written and rolled back (its transaction failed): never sent
            action_webhooks.record(s, s.get(Action, first["id"]), "action.updated", "area")
            s.rollback()
        assert client.post(f"/api/actions/{first['id']}/area", json={"area": {**first["area"], "radius_m": 1500}},
                           headers=actions).status_code == 200
        for action in (first, second):
            assert client.post(f"/api/actions/{action['id']}/end", json={"result": "person_found"},
                               headers=actions).status_code == 200
        work_until(lambda: len(receiver.accepted) == 5)

    numbered = {}
    for status, headers, body in receiver.attempts:
        assert status == 200
        event = json.loads(body)
        EVENT_SCHEMA.validate(event)
        for name, schema in HEADERS.items():
            value = headers[name]
            jsonschema.validate(int(value) if schema.get("type") == "integer" else value, schema)
        assert int(headers["X-Uitkijk-Sequence"]) == event["sequence"]
        numbered.setdefault(event["action"]["id"], []).append((event["sequence"], event["event"]))
    assert sorted(numbered[first["id"]]) == [(1, "action.launched"), (2, "action.updated"), (3, "action.ended")]
    assert sorted(numbered[second["id"]]) == [(1, "action.launched"), (2, "action.ended")]

    log = client.get(f"/api/webhooks/{created['id']}/deliveries", headers=hooks).json
    assert [(d["action_id"], d["sequence"]) for d in log] == [
        (second["id"], 2), (first["id"], 3), (first["id"], 2), (second["id"], 1), (first["id"], 1)]


def test_concurrent_events_of_one_action_take_consecutive_numbers(app, client, rooms):
    """Eight events recorded at once, each in its own transaction: the numbers 2 to 9, none twice, none
    missing (on PostgreSQL the counter's UPDATE holds the row until commit; SQLite writes one at a time)."""
    (north, north_ops), _ = rooms
    client.post("/api/webhooks", json={"url": "https://meldkamer.example.nl/hook"}, headers=token(app, ["webhooks"]))
    action = client.post("/api/actions", json=launch_body(north, north_ops[0]), headers=token(app, ["actions"])).json
    db = app.extensions["uitkijk"].db
    start, errors = threading.Barrier(8), []

    def one_event():
        try:
            start.wait()
            with db.session() as s:
                action_webhooks.record(s, s.get(Action, action["id"]), "action.updated", "publication")
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=one_event) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as s:
        numbers = sorted(s.scalars(select(ActionWebhookDelivery.sequence)
                                   .where(ActionWebhookDelivery.action_id == action["id"])))
        assert numbers == list(range(1, 10))
        assert s.get(Action, action["id"]).event_sequence == 9


def test_the_migration_numbers_the_events_already_in_the_log(empty_database):
    """Deliveries from before the numbers get them: an action's events in the order recorded, one number
    shared by the subscriptions' rows of one event; the action's counter goes on after the last."""
    migrate.upgrade(empty_database, "0018_reach_points")
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO control_rooms (id, name, free_number, voice_backend)"
                          " VALUES (1, 'Meldkamer', '08000011', 'asterisk')"))
        conn.execute(text("INSERT INTO operators (id, control_room_id, name, dial_string, available)"
                          " VALUES (1, 1, 'Op', 'PJSIP/op', true)"))
        for action_id in (1, 2):
            conn.execute(text(
                "INSERT INTO actions (id, code, kind, time_critical, title, message, area, status, operator_id,"
                " control_room_id, launched_by, launched_at, ledger_rows) VALUES (:id, :code, 'burglary', true,"
                " 't', 'm', '{}', 'active', 1, 1, 'test', CURRENT_TIMESTAMP, 0)"),
                {"id": action_id, "code": f"12{action_id}4"})
        for hook_id in (1, 2):
            conn.execute(text("INSERT INTO action_webhooks (id, url, secret, active, created_by, created_at)"
                              " VALUES (:id, 'https://x.example.nl', '{}', true, 'test', CURRENT_TIMESTAMP)"),
                         {"id": hook_id})
        # action 1: launched (both hooks), updated (both); action 2: launched (hook 2 only); action 1 ended.
        for hook_id, action_id, event, at in [(1, 1, "action.launched", "t1"), (2, 1, "action.launched", "t1"),
                                              (1, 1, "action.updated", "t2"), (2, 1, "action.updated", "t2"),
                                              (2, 2, "action.launched", "t3"), (1, 1, "action.ended", "t4")]:
            conn.execute(text(
                "INSERT INTO action_webhook_deliveries (webhook_id, action_id, event, payload, state, attempts,"
                " created_at) VALUES (:hook, :action, :event, :payload, 'delivered', 1, CURRENT_TIMESTAMP)"),
                {"hook": hook_id, "action": action_id, "event": event,
                 "payload": json.dumps({"event": event, "occurred_at": at})})
    migrate.upgrade(empty_database)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT action_id, event, sequence FROM action_webhook_deliveries ORDER BY id"
                                 )).all() == [(1, "action.launched", 1), (1, "action.launched", 1),
                                              (1, "action.updated", 2), (1, "action.updated", 2),
                                              (2, "action.launched", 1), (1, "action.ended", 3)]
        assert conn.execute(text("SELECT id, event_sequence FROM actions ORDER BY id")).all() == [(1, 3), (2, 1)]
    engine.dispose()
