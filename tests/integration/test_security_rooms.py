"""An operator account acts for its own operator's control room only, and so does an API token bound to a
room: another room's actions are not listed, not shown, not changed, not ended, and nobody launches in
another room's name. Each attack is made over HTTP, in the web and in the API."""
import pytest
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.models import Action, Operator, Tip
from core.tokens import SCOPES, create_token
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app


@pytest.fixture
def app(config, tmp_path):
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    (recordings / "tip-b.wav").write_bytes(b"RIFF a caller of room B")
    yield from web_app({**config, "RECORDINGS_DIR": str(recordings)})


@pytest.fixture
def rooms(app):
    """Rooms A and B, each with two operators and a running action (B's with a recorded tip)."""
    rt = app.extensions["uitkijk"]
    ids = {}
    with rt.db.session() as session:
        factories.participant(session, "+31612345601", distance_m=100)
        for name in ("A", "B"):
            room, operators = factories.control_room(session, f"Meldkamer {name}")
            body = factories.launch_body(room, operators[0], 1000, client_request_id=f"cad-{name}")
            action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "user:admin")
            ids[name] = {"room": room.id, "operators": [o.id for o in operators], "action": action.id,
                         "code": action.code}
        tip = Tip(action_id=ids["B"]["action"], source="voice", recording="tip-b.wav", duration_s=3.0)
        session.add(tip)
        session.flush()
        ids["B"]["tip"] = tip.id
    return ids


def _status(app, action_id):
    with app.extensions["uitkijk"].db.session() as session:
        return session.get(Action, action_id).status


def _actions(app):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalar(select(Action.id).order_by(Action.id.desc()).limit(1))


@pytest.fixture
def operator_a(app, rooms):
    client = app.test_client()
    token = sign_in(client, make_user(app, "operator", "op-a@example.org", operator_id=rooms["A"]["operators"][0]))
    return client, token


def launch_form(room_id, operator_id, **extra):
    lat, lon = factories.CENTRE
    return {"kind": "burglary", "urgency": "urgent", "title": "Inbraak", "message": "Man op een rode fiets.",
            "lat": str(lat), "lon": str(lon), "radius_m": "1000", "operator_id": str(operator_id),
            "control_room_id": str(room_id), **extra}


def test_an_operator_sees_and_follows_only_their_own_room(app, rooms, operator_a):
    client, _token = operator_a
    index = client.get("/actions/").get_data(as_text=True)
    assert f'/actions/{rooms["A"]["action"]}"' in index and f'/actions/{rooms["B"]["action"]}"' not in index
    assert client.get(f"/actions/{rooms['A']['action']}").status_code == 200
    b = rooms["B"]["action"]
    for path in (f"/actions/{b}", f"/actions/{b}/status", f"/actions/{b}/tips/{rooms['B']['tip']}/recording"):
        assert client.get(path).status_code == 404, path
    launch_page = client.get("/actions/new").get_data(as_text=True)
    assert "Meldkamer A" in launch_page and "Meldkamer B" not in launch_page


def test_an_operator_cannot_change_or_end_another_rooms_action(app, rooms, operator_a):
    client, token = operator_a
    b = rooms["B"]["action"]
    lat, lon = factories.CENTRE
    assert post(client, f"/actions/{b}/end", token, {"result": "cancelled"}).status_code == 404
    assert post(client, f"/actions/{b}/area", token, {"area_type": "circle", "lat": str(lat), "lon": str(lon),
                                                      "radius_m": "3000"}).status_code == 404
    assert post(client, f"/actions/{b}/publication", token, {"title": "Gekaapt"}).status_code == 404
    assert _status(app, b) == "active"


def test_an_operator_cannot_launch_for_another_room(app, rooms, operator_a):
    client, token = operator_a
    before = _actions(app)
    other_room = post(client, "/actions/", token, launch_form(rooms["B"]["room"], rooms["B"]["operators"][0]))
    assert other_room.status_code == 400 and "control_room_id" in other_room.get_data(as_text=True)
    other_operator = post(client, "/actions/", token, launch_form(rooms["A"]["room"], rooms["B"]["operators"][1]))
    assert other_operator.status_code == 400 and "operator_id" in other_operator.get_data(as_text=True)
    assert _actions(app) == before
    # Replaying room B's client request id in room A's name shows nothing of B's action.
    replay = post(client, "/actions/", token, launch_form(rooms["A"]["room"], rooms["A"]["operators"][1],
                                                          client_request_id="cad-B"))
    assert replay.status_code == 404 and rooms["B"]["code"] not in replay.get_data(as_text=True)
    own = post(client, "/actions/", token, launch_form(rooms["A"]["room"], rooms["A"]["operators"][1]))
    assert own.status_code == 302


def test_an_operator_cannot_mark_another_operator_available(app, rooms, operator_a):
    client, token = operator_a
    target = rooms["B"]["operators"][0]
    with app.extensions["uitkijk"].db.session() as session:
        session.get(Operator, target).available = False
    assert post(client, f"/config/operators/{target}/availability", token, {"available": "on"}).status_code == 403
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(Operator, target).available is False


def test_an_operator_account_without_an_operator_acts_for_no_room(app, rooms):
    client = app.test_client()
    token = sign_in(client, make_user(app, "operator", "unlinked@example.org"))
    assert client.get("/actions/").status_code == 403
    assert client.get(f"/actions/{rooms['A']['action']}").status_code == 403
    assert post(client, f"/actions/{rooms['A']['action']}/end", token, {"result": "cancelled"}).status_code == 403


@pytest.fixture
def token_a(app, rooms):
    with app.extensions["uitkijk"].db.session() as session:
        return {"Authorization": f"Bearer {create_token(session, 'cad-room-a', SCOPES, 'test', 30, rooms['A']['room'])}"}


def test_a_room_token_sees_and_acts_on_its_own_room_only(app, rooms, token_a):
    client = app.test_client()
    listed = client.get("/api/actions", headers=token_a).get_json()
    assert [a["id"] for a in listed] == [rooms["A"]["action"]]
    assert [r["name"] for r in client.get("/api/control-rooms", headers=token_a).get_json()] == ["Meldkamer A"]
    b = rooms["B"]["action"]
    assert client.get(f"/api/actions/{b}", headers=token_a).status_code == 404
    assert client.get(f"/api/actions/{b}/deliveries", headers=token_a).status_code == 404
    assert client.post(f"/api/actions/{b}/end", json={"result": "cancelled"}, headers=token_a).status_code == 404
    assert client.post(f"/api/actions/{b}/publication", json={"title": "x"}, headers=token_a).status_code == 404
    area = {"area": {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 3000}}
    assert client.post(f"/api/actions/{b}/area", json=area, headers=token_a).status_code == 404
    assert _status(app, b) == "active"
    assert client.get(f"/api/actions/{rooms['A']['action']}", headers=token_a).status_code == 200


def test_a_room_token_cannot_launch_for_another_room(app, rooms, token_a):
    client = app.test_client()
    before = _actions(app)
    with app.extensions["uitkijk"].db.session() as session:
        room_b = session.get(Operator, rooms["B"]["operators"][0]).control_room
        operator_b = session.get(Operator, rooms["B"]["operators"][1])
        room_a = session.get(Operator, rooms["A"]["operators"][0]).control_room
        body_b = factories.launch_body(room_b, operator_b, 1000)
        body_mixed = factories.launch_body(room_a, operator_b, 1000)
        replay = factories.launch_body(room_a, session.get(Operator, rooms["A"]["operators"][0]), 1000,
                                       client_request_id="cad-B")
    refused = client.post("/api/actions", json=body_b, headers=token_a)
    assert refused.status_code == 400 and refused.get_json()["field"] == "control_room_id"
    mixed = client.post("/api/actions", json=body_mixed, headers=token_a)
    assert mixed.status_code == 400 and mixed.get_json()["field"] == "operator_id"
    assert client.post("/api/actions", json=replay, headers=token_a).status_code == 404
    assert _actions(app) == before


def test_an_unbound_token_still_serves_every_room(app, rooms, auth):
    client = app.test_client()
    listed = client.get("/api/actions", headers=auth).get_json()
    assert sorted(a["id"] for a in listed) == sorted([rooms["A"]["action"], rooms["B"]["action"]])


def test_create_token_binds_to_a_control_room_from_the_cli(app, rooms):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["create-token", "cad-b", "--scope", "actions", "--control-room", str(rooms["B"]["room"])]).output.strip()
    listed = app.test_client().get("/api/actions", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [a["id"] for a in listed] == [rooms["B"]["action"]]
    unknown = runner.invoke(args=["create-token", "cad-x", "--scope", "actions", "--control-room", "999999"])
    assert unknown.exit_code != 0 and "control_room_id" in unknown.output
