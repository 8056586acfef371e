"""Expanding rings (core.widening): an action starts small and widens by itself while nobody responds; each
ring alerts only the people it adds; a response stops the widening; the operator can widen at once, on the web
and through the API. What the phones got is read from the console transports' outbox."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from core import widening
from core.models import Action, AuditEvent, InboundCall, OutboxMessage, utcnow
from core.tokens import create_token
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app

# Participants 100, 500, 1,000 and 2,000 m east of the centre.
NUMBERS = {100: "+31612345611", 500: "+31612345612", 1000: "+31612345613", 2000: "+31612345614"}
RINGS = {"radii_m": [600, 1200], "every_min": 5}


@pytest.fixture
def app(config):
    yield from web_app({**config, "ESTIMATE_MIN_PARTICIPANTS": 1})


@pytest.fixture
def people(app):
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        for distance, number in NUMBERS.items():
            factories.participant(session, number, distance_m=distance)
        token = create_token(session, "meldkamer", ["actions"], "test", control_room_id=room.id)
        return {"room": room.id, "operator": operators[0].id, "headers": {"Authorization": f"Bearer {token}"}}


def _body(people, **extra):
    return factories.launch_body(type("Room", (), {"id": people["room"]}),
                                 type("Operator", (), {"id": people["operator"]}), radius_m=300, **extra)


def _alerted(app, work):
    """Who the phones say was alerted, by distance, after the workers ran."""
    work()
    with app.extensions["uitkijk"].db.session() as session:
        numbers = set(session.scalars(select(OutboxMessage.to_e164)))
    return sorted(d for d, n in NUMBERS.items() if n in numbers)


def _make_due(app, action_id):
    with app.extensions["uitkijk"].db.session() as session:
        session.execute(update(Action).where(Action.id == action_id).values(widen_next_at=utcnow() - timedelta(seconds=1)))
        session.commit()


def _audit(app, verb):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.actor, e.detail) for e in session.scalars(select(AuditEvent).where(AuditEvent.verb == verb)
                                                            .order_by(AuditEvent.id))]


def test_rings_widen_while_nobody_responds_and_stop_at_a_response(app, client, people, work):
    rt = app.extensions["uitkijk"]
    launched = client.post("/api/actions", json=_body(people, rings=RINGS), headers=people["headers"])
    assert launched.status_code == 201, launched.json
    action = launched.json
    rings = action["rings"]
    assert (rings["ring"], rings["rings"], rings["radius_m"], rings["wider_m"], rings["stopped"]) == (1, 3, 300, 600, None)
    assert 295 <= (datetime.fromisoformat(rings["next_at"]) - datetime.fromisoformat(action["launched_at"])).total_seconds() <= 305
    assert _alerted(app, work) == [100]
    assert widening.widen_due(rt) == 0  # not due yet

    _make_due(app, action["id"])
    assert widening.widen_due(rt) == 1
    assert widening.widen_due(rt) == 0  # a second sweeper finds nothing due: the ring is taken once
    assert _alerted(app, work) == [100, 500]
    shown = client.get(f"/api/actions/{action['id']}", headers=people["headers"]).json
    assert shown["area"]["radius_m"] == 600 and shown["rings"]["ring"] == 2 and shown["rings"]["wider_m"] == 1200
    assert [(actor, d["ring"], d["radius_m"]) for actor, d in _audit(app, "widen")] == [("system:rings", 2, 600)]

    with rt.db.session() as session:  # someone calls the free number about it
        session.add(InboundCall(backend="asterisk", call_ref="call-1", action_id=action["id"], started_at=utcnow()))
        session.commit()
    assert client.get(f"/api/actions/{action['id']}", headers=people["headers"]).json["rings"]["stopped"] == "response"
    _make_due(app, action["id"])
    assert widening.widen_due(rt) == 0
    assert _alerted(app, work) == [100, 500]
    assert [d["reason"] for _, d in _audit(app, "rings-stopped")] == ["response"]

    # The operator still widens at once when they choose to: the last ring, then nothing wider.
    widened = client.post(f"/api/actions/{action['id']}/widen", headers=people["headers"])
    assert widened.status_code == 200 and widened.json["rings"]["ring"] == 3
    assert widened.json["rings"]["stopped"] == "last_ring" and widened.json["rings"]["wider_m"] is None
    assert _alerted(app, work) == [100, 500, 1000]
    assert client.post(f"/api/actions/{action['id']}/widen", headers=people["headers"]).status_code == 409


def test_an_ended_action_does_not_widen(app, client, people, work):
    rt = app.extensions["uitkijk"]
    action = client.post("/api/actions", json=_body(people, rings=RINGS), headers=people["headers"]).json
    assert _alerted(app, work) == [100]
    ended = client.post(f"/api/actions/{action['id']}/end", json={"result": "suspect_caught"},
                        headers=people["headers"])
    assert ended.status_code == 200 and ended.json["rings"]["stopped"] == "ended"
    _make_due(app, action["id"])
    assert widening.widen_due(rt) == 0
    assert client.post(f"/api/actions/{action['id']}/widen", headers=people["headers"]).status_code == 409
    assert _alerted(app, work) == [100]


@pytest.mark.parametrize("rings, field", [
    ("wide", "rings"),
    ({"radii_m": [], "every_min": 5}, "rings.radii_m"),
    ({"radii_m": [600, 500], "every_min": 5}, "rings.radii_m[1]"),
    ({"radii_m": [200], "every_min": 5}, "rings.radii_m[0]"),
    ({"radii_m": ["600"], "every_min": 5}, "rings.radii_m[0]"),
    ({"radii_m": [600, 900_000], "every_min": 5}, "rings.radii_m[1]"),
    ({"radii_m": [600], "every_min": 0}, "rings.every_min"),
    ({"radii_m": [600], "every_min": True}, "rings.every_min"),
    ({"radii_m": [600] * 6, "every_min": 5}, "rings.radii_m"),
])
def test_a_bad_plan_is_refused_naming_its_field(app, client, people, rings, field):
    response = client.post("/api/actions", json=_body(people, rings=rings), headers=people["headers"])
    assert response.status_code == 400 and response.json["field"] == field, response.json
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Action.id)) is None


def test_a_polygon_cannot_widen_by_itself(app, client, people):
    body = _body(people, rings=RINGS)
    lat, lon = body["area"]["lat"], body["area"]["lon"]
    body["area"] = {"type": "polygon", "geometry": {"type": "Polygon", "coordinates": [[
        [lon - .01, lat - .01], [lon + .01, lat - .01], [lon + .01, lat + .01], [lon - .01, lat - .01]]]}}
    response = client.post("/api/actions", json=body, headers=people["headers"])
    assert response.status_code == 400 and response.json["field"] == "rings"


def test_the_operator_plans_the_rings_on_the_launch_form_and_widens_on_the_follow_page(app, people, work):
    operator = app.test_client()
    token = sign_in(operator, make_user(app, "operator", operator_id=people["operator"]))
    form = {"kind": "burglary", "urgency": "urgent", "title": "Inbraak Weesp", "message": "Man op een rode fiets.",
            "area_type": "circle", "lat": str(factories.CENTRE[0]), "lon": str(factories.CENTRE[1]), "radius_m": "300",
            "operator_id": str(people["operator"]), "control_room_id": str(people["room"]),
            "rings_on": "on", "rings_radii": "600, 1200", "rings_every_min": "10"}
    refused = post(operator, "/actions/", token, {**form, "rings_radii": "600, veel"})
    assert refused.status_code == 400 and "geef de ruimere stralen in hele meters" in refused.get_data(as_text=True)
    launched = post(operator, "/actions/", token, form)
    assert launched.status_code == 302
    action_id = int(launched.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = operator.get(f"/actions/{action_id}").get_data(as_text=True)
    assert 'id="rings-card"' in page and "Uitbreidende ringen" in page
    status = operator.get(f"/actions/{action_id}/status").json["rings"]
    assert (status["ring"], status["rings"], status["every_s"]) == (1, 3, 600)
    assert post(operator, f"/actions/{action_id}/widen", token, {}).status_code == 302
    assert operator.get(f"/actions/{action_id}/status").json["rings"]["radius_m"] == 600
    assert _alerted(app, work) == [100, 500]
    assert [actor for actor, _ in _audit(app, "widen")] == ["user:operator@example.org"]
