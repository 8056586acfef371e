"""An action's area changed after launch (API and web): whoever the new area adds is alerted, nearest first
from its centre, nobody twice; a public action's publication gets a CAP Update with the new <area>."""
import re

import pytest
from sqlalchemy import select

from core import ledger, partners
from core.actions import ActionService, parse_launch
from core.jobs import retry_or_fail, send_one
from core.messages import message_for
from core.models import AuditEvent, Delivery
from lab import factories
from tests.conftest import app_for
from tests.integration.admin_web import login, make_user
from tests.publish_support import WebhookReceiver, amber_body, cap_fields, consume_cap, path_of, signed_config

NEAR, MIDDLE, FAR, BEYOND = "+31612345611", "+31612345612", "+31612345613", "+31612345614"


@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, CAP_STATUS="Test"))


@pytest.fixture
def area(app):
    """A control room and participants 100 m, 800 m, 1.5 km and 6 km east of the centre."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        for number, distance in ((NEAR, 100), (MIDDLE, 800), (FAR, 1500), (BEYOND, 6000)):
            factories.participant(session, number, distance_m=distance)
        return room, operators[0]


def _sms_to(client, auth):
    """Who got a message, in the order they were sent (what the console transport handed over)."""
    return [m["to"] for m in client.get("/api/outbox?limit=1000", headers=auth).json]


def _alerts(app, action_id):
    with app.extensions["uitkijk"].db.session() as session:
        return [(d.to_e164, d.rank) for d in session.scalars(
            select(Delivery).where(Delivery.action_id == action_id, Delivery.purpose == "alert")
            .order_by(Delivery.rank))]


def test_a_wider_area_alerts_only_the_people_it_adds_nearest_first(app, client, auth, area, work):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 500), headers=auth).json
    work()
    assert [n for n, _ in _alerts(app, action["id"])] == [NEAR]
    wider = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2000}
    response = client.post(f"/api/actions/{action['id']}/area", json={"area": wider}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["area"]["radius_m"] == 2000 and response.json["published"] is False
    work()
    assert [n for n, _ in _alerts(app, action["id"])] == [NEAR, MIDDLE, FAR]
    received = _sms_to(client, auth)
    assert sorted(received) == sorted([NEAR, MIDDLE, FAR])  # each once: nobody alerted twice
    assert received.index(MIDDLE) < received.index(FAR)
    with app.extensions["uitkijk"].db.session() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.verb == "change_area"))
        assert audit.subject_id == str(action["id"]) and audit.detail["to"]["radius_m"] == 2000


def test_a_moved_area_ranks_the_new_people_from_its_own_centre(app, client, auth, area, work):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 300), headers=auth).json
    work()
    lat, lon = factories.point_east(6000)
    moved = {"type": "circle", "lat": lat, "lon": lon, "radius_m": 5000}  # reaches 1.5 km and 6 km, not 100 m
    assert client.post(f"/api/actions/{action['id']}/area", json={"area": moved}, headers=auth).status_code == 200
    work()
    assert [n for n, _ in _alerts(app, action["id"])] == [NEAR, BEYOND, FAR]
    assert sorted(_sms_to(client, auth)) == sorted([NEAR, BEYOND, FAR])


def _states(app, action_id, purpose="alert"):
    with app.extensions["uitkijk"].db.session() as session:
        return {d.to_e164: (d.state, d.error) for d in session.scalars(
            select(Delivery).where(Delivery.action_id == action_id, Delivery.purpose == purpose))}


def _claim(app, action_id, number):
    """A worker takes one queued alert for sending (what send_deliveries does first): it is in flight."""
    with app.extensions["uitkijk"].db.session() as session:
        delivery_id = session.scalar(select(Delivery.id).where(Delivery.action_id == action_id,
                                                               Delivery.to_e164 == number))
        claimed = ledger.claim(session, [delivery_id])
        session.commit()
        return claimed


def _finish(app, claimed):
    """The worker hands its claimed alerts to the transport, as send_deliveries goes on after the claim."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        for delivery, language, action, free_number in claimed:
            send_one(rt, session, delivery, message_for(action, delivery.channel, delivery.purpose, language,
                                                        free_number, None))
        session.commit()


def test_a_smaller_area_cancels_the_queued_alerts_it_leaves_out_and_lets_those_in_flight_finish(
        app, client, auth, area, work):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 2000), headers=auth).json
    in_flight = _claim(app, action["id"], FAR)  # a worker is sending the 1.5 km alert as the operator shrinks
    smaller = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 500}
    response = client.post(f"/api/actions/{action['id']}/area", json={"area": smaller}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["cancelled"] == 1
    _finish(app, in_flight)
    work()
    assert sorted(_sms_to(client, auth)) == sorted([NEAR, FAR])  # 800 m never got the alert
    states = _states(app, action["id"])
    assert states[MIDDLE] == ("cancelled", "outside changed area")
    assert states[NEAR][0] == states[FAR][0] == "sent"
    with app.extensions["uitkijk"].db.session() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.verb == "change_area"))
        assert audit.detail["cancelled"] == 1
    # The end's closing message goes to those the alert reached, not to the one it was cancelled for.
    last = max(m["id"] for m in client.get("/api/outbox?limit=1000", headers=auth).json)
    ended = client.post(f"/api/actions/{action['id']}/end", json={"result": "suspect_caught"}, headers=auth)
    assert ended.status_code == 200, ended.json
    work()
    closings = client.get(f"/api/outbox?limit=1000&after_id={last}", headers=auth).json
    assert sorted(m["to"] for m in closings) == sorted([NEAR, FAR])
    assert set(_states(app, action["id"], "closing")) == {NEAR, FAR}


def test_an_alert_that_failed_on_its_way_is_not_tried_again_once_the_area_leaves_its_person_out(
        app, client, auth, area, work):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 2000), headers=auth).json
    in_flight = _claim(app, action["id"], FAR)
    smaller = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 1000}
    assert client.post(f"/api/actions/{action['id']}/area", json={"area": smaller}, headers=auth).status_code == 200
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:  # the provider answered "busy, try later" (what send_one does then)
        retry_or_fail(rt, session, in_flight[0][0], "busy", None)
        session.commit()
    work()
    assert sorted(_sms_to(client, auth)) == sorted([NEAR, MIDDLE])
    assert _states(app, action["id"])[FAR] == ("cancelled", "outside changed area")


def test_an_area_moved_away_and_back_alerts_the_cancelled_once_it_holds_them_again(app, client, auth, area, work):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 300), headers=auth).json
    lat, lon = factories.point_east(6000)
    away = {"type": "circle", "lat": lat, "lon": lon, "radius_m": 1000}  # only the participant at 6 km
    assert client.post(f"/api/actions/{action['id']}/area", json={"area": away}, headers=auth).json["cancelled"] == 1
    # Back as a polygon around the centre, to 2 km east: the 100 m alert is queued again, the 6 km one cancelled.
    east = factories.point_east(2000)[1]
    south, north = factories.CENTRE[0] - 0.01, factories.CENTRE[0] + 0.01
    west = factories.CENTRE[1] - 0.01
    back = {"type": "polygon", "geometry": {"type": "Polygon", "coordinates": [
        [[west, south], [east, south], [east, north], [west, north], [west, south]]]}}
    response = client.post(f"/api/actions/{action['id']}/area", json={"area": back}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["cancelled"] == 1
    work()
    assert sorted(_sms_to(client, auth)) == sorted([NEAR, MIDDLE, FAR])  # each once
    assert _states(app, action["id"])[BEYOND] == ("cancelled", "outside changed area")


@pytest.mark.parametrize("body, field", [
    ({"area": {"type": "circle", "lat": 52.3, "lon": 5.0, "radius_m": 10 ** 7}}, "area.radius_m"),
    ({"area": "everywhere"}, "area"),
    ({"area": {"type": "country"}}, "area.type"),  # only an AMBER alert may cover the country
])
def test_a_bad_area_is_refused_naming_the_field_and_changes_nothing(app, client, auth, area, work, body, field):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 500), headers=auth).json
    response = client.post(f"/api/actions/{action['id']}/area", json=body, headers=auth)
    assert response.status_code == 400 and response.json["field"] == field
    assert client.get(f"/api/actions/{action['id']}", headers=auth).json["area"]["radius_m"] == 500
    work()
    assert [n for n, _ in _alerts(app, action["id"])] == [NEAR]


def test_an_ended_actions_area_cannot_change(app, client, auth, area):
    room, operator = area
    action = client.post("/api/actions", json=factories.launch_body(room, operator, 500), headers=auth).json
    client.post(f"/api/actions/{action['id']}/end", json={"result": "not_found"}, headers=auth)
    wider = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2000}
    assert client.post(f"/api/actions/{action['id']}/area", json={"area": wider}, headers=auth).status_code == 409


@pytest.fixture
def receiver():
    """A partner's webhook endpoint (it checks each delivery's signature)."""
    with WebhookReceiver() as endpoint:
        yield endpoint


def test_a_public_actions_new_area_goes_out_as_a_cap_update_in_feeds_and_page(app, client, auth, area, signing, work,
                                                                              receiver):
    room, operator = area
    with app.extensions["uitkijk"].db.session() as session:
        receiver.secret = partners.register_partner(session, "NS stationsschermen", receiver.url, "user:admin",
                                                    app.config)[1]
    body = amber_body(area, area={"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1],
                                  "radius_m": 500}, area_name="Weesp")
    launched = client.post("/api/actions", json=body, headers=auth)
    assert launched.status_code == 201, launched.json
    action = launched.json
    first = client.get("/publiek/alerts.json").json["alerts"][0]
    lat, lon = factories.point_east(6000)
    moved = {"type": "circle", "lat": lat, "lon": lon, "radius_m": 3000}
    response = client.post(f"/api/actions/{action['id']}/area", json={"area": moved, "area_name": "Muiden"},
                           headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["msg_type"] == "Update"
    update = cap_fields(consume_cap(client.get(path_of(response.json["cap_url"])).get_data(), signing[2]))
    assert update["msgType"] == "Update"
    assert update["references"] == f"{update['sender']},{first['id']},{first['sent']}"
    for language, words in (("nl-NL", "Muiden en omgeving (3 km)"), ("en-GB", "Muiden and surroundings (3 km)")):
        info = update["info"][language]
        assert info["circle"] == f"{lat:.5f},{lon:.5f} 3.000" and info["areaDesc"] == words
    item = client.get("/publiek/alerts.json").json["alerts"][0]
    assert item["type"] == "Update" and item["area"]["description"] == "Muiden en omgeving (3 km)"
    assert item["area"]["circle"]["radius_km"] == 3
    page = client.get(path_of(action["publication"]["page_url"])).get_data(as_text=True)
    assert "Muiden en omgeving (3 km)" in page and "Weesp" not in page
    work()
    assert [m["type"] for m in receiver.accepted] == ["Alert", "Update"]  # signatures checked by the receiver
    assert receiver.accepted[1]["area"]["description"] == "Muiden en omgeving (3 km)"


def test_the_operator_changes_the_area_on_the_follow_page(app, client, area, work):
    room, operator = area
    login(client, make_user(app, "operator", operator_id=operator.id))  # an operator of the action's room
    with app.extensions["uitkijk"].db.session() as session:
        action, _ = ActionService(app.extensions["uitkijk"]).launch(
            session, parse_launch(factories.launch_body(room, operator, 500), 640, 50_000), "user:operator")
        action_id = action.id
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert 'id="area-form"' in page
    form = {"area_type": "circle", "lat": str(factories.CENTRE[0]), "lon": str(factories.CENTRE[1]),
            "radius_m": "2000", "csrf_token": _csrf(page)}
    response = client.post(f"/actions/{action_id}/area", data=form)
    assert response.status_code == 302
    work()
    assert [n for n, _ in _alerts(app, action_id)] == [NEAR, MIDDLE, FAR]
    bad = client.post(f"/actions/{action_id}/area", data={**form, "radius_m": "veel"}, follow_redirects=True)
    assert "radius_m" in bad.get_data(as_text=True)


def _csrf(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
