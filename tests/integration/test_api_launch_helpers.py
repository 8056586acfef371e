"""What a control-room system asks before a launch, through the API as the web's launch page asks it: the
reach of a circle or a drawn area, where an address is, the alert SMS in each language with its segments;
bad input is refused naming the parameter (SQLite and PostgreSQL). Every response is checked against the
OpenAPI document by the suite's test client."""
import json

import pytest

from core.address_import import import_address_text
from core.demo import sample_address_csv
from lab import factories
from tests.conftest import app_for
from tests.integration.test_api_control_rooms import token


@pytest.fixture
def app(config):
    # Three people here: the estimate answers for any number (its k-anonymity is tested elsewhere).
    yield from app_for({**config, "ESTIMATE_MIN_PARTICIPANTS": 1})


@pytest.fixture
def room(app):
    """A control room with a free number of its own; two participants within 1 km, one 8 km away."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        room.free_number = "0800 1234"
        factories.participant(session, "+31612345601", distance_m=100)
        factories.participant(session, "+31201234501", distance_m=400)
        factories.participant(session, "+31612345602", distance_m=8000)
        session.commit()
        return room.id


def test_the_estimate_counts_a_circle_and_a_drawn_area_per_channel(app, client, room):
    headers = token(app, ["actions"])
    lat, lon = factories.CENTRE
    circle = client.get("/api/estimate", query_string={"lat": lat, "lon": lon, "radius_m": 1000}, headers=headers)
    assert circle.status_code == 200
    assert (circle.json["participants"], circle.json["per_channel"]) == (2, {"voice": 1, "sms": 1})
    assert len(circle.json["points"]) == 2
    east = factories.point_east(200)
    square = {"type": "Polygon", "coordinates": [[[lon - 0.001, lat - 0.001], [east[1], lat - 0.001],
                                                  [east[1], lat + 0.001], [lon - 0.001, lat + 0.001],
                                                  [lon - 0.001, lat - 0.001]]]}
    drawn = client.get("/api/estimate", query_string={"polygon": json.dumps(square), "lat": lat, "lon": lon},
                       headers=headers)
    assert drawn.status_code == 200 and drawn.json["participants"] == 1  # only the one 100 m east


@pytest.mark.parametrize("query, field", [
    ({"lat": "52.3", "lon": "x", "radius_m": "100"}, "lon"),
    ({"lat": "52.3", "lon": "5.0"}, "radius_m"),
    ({"lat": "52.3", "lon": "5.0", "radius_m": "999999"}, "area.radius_m"),
    ({"lat": "52.3", "lon": "5.0", "polygon": "{not json"}, "area.geometry"),
])
def test_a_bad_estimate_names_the_parameter(app, client, room, query, field):
    response = client.get("/api/estimate", query_string=query, headers=token(app, ["actions"]))
    assert response.status_code == 400 and response.json["field"] == field


def test_geocode_places_an_address_as_the_launch_would(app, client):
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
        session.commit()
    headers = token(app, ["actions"])
    found = client.get("/api/geocode", query_string={"address": "Damrak 1, Amsterdam"}, headers=headers)
    assert found.status_code == 200 and found.json["label"].startswith("Damrak 1, 1012")
    assert abs(found.json["lat"] - 52.3788) < 0.001
    by_parts = client.get("/api/geocode", query_string={"postcode": "1012 LG", "house_number": "1"}, headers=headers)
    assert by_parts.json == found.json
    unknown = client.get("/api/geocode", query_string={"postcode": "9999 ZZ", "house_number": "1"}, headers=headers)
    assert unknown.status_code == 400 and unknown.json["field"] == "area.postcode"
    nothing = client.get("/api/geocode", headers=headers)
    assert nothing.status_code == 400 and nothing.json["field"] == "area.address"


def test_the_sms_preview_names_the_rooms_free_number_with_its_segments(app, client, room):
    headers = token(app, ["actions"])
    previews = client.get("/api/sms-preview", query_string={"message": "Rode fiets gezien?", "control_room_id": room},
                          headers=headers)
    assert previews.status_code == 200
    assert [p["language"] for p in previews.json] == ["nl", "en", "de"]
    assert "0800 1234" in previews.json[0]["text"] and "code 0000" in previews.json[0]["text"]
    assert previews.json[0]["segments"] == 1 and previews.json[0]["encoding"] == "GSM-7"
    national = client.get("/api/sms-preview", query_string={"message": "ł" * 300}, headers=headers).json[0]
    assert "0800 0011" in national["text"]
    assert national["encoding"] == "UCS-2" and national["truncated"] and national["segments"] == 2
    drill = client.get("/api/sms-preview", query_string={"message": "Rode fiets gezien?", "exercise": "true"},
                       headers=headers).json[0]
    assert "OEFENING" in drill["text"] and "OEFENING" not in previews.json[0]["text"]
    for query, status, field in [({}, 400, "message"), ({"message": "x", "control_room_id": "abc"}, 400,
                                                         "control_room_id"),
                                 ({"message": "x", "exercise": "ja"}, 400, "exercise")]:
        refused = client.get("/api/sms-preview", query_string=query, headers=headers)
        assert refused.status_code == status and refused.json["field"] == field
    assert client.get("/api/sms-preview", query_string={"message": "x", "control_room_id": 999999},
                      headers=headers).status_code == 404


def test_a_room_token_previews_with_its_own_room_only(app, client, room):
    with app.extensions["uitkijk"].db.session() as session:
        other, _ = factories.control_room(session, "Meldkamer Elders")
        session.commit()
        other_id = other.id
    bound = token(app, ["actions"], room_id=room)
    assert client.get("/api/sms-preview", query_string={"message": "x", "control_room_id": room},
                      headers=bound).status_code == 200
    assert client.get("/api/sms-preview", query_string={"message": "x", "control_room_id": other_id},
                      headers=bound).status_code == 404
    assert client.get("/api/estimate", query_string={"lat": 52.3, "lon": 5.0, "radius_m": 100},
                      headers=token(app, ["tips"])).status_code == 403
