"""Polygon areas (drawn, or GeoJSON through the API) and regions kept by admins: who is selected,
nearest first, and what CAP says about the area."""
import io
import json

import pytest
from sqlalchemy import select

from core.models import Delivery, PhoneNumber, Region
from lab import factories
from tests.conftest import app_for
from tests.integration.admin_web import login, make_user, post
from tests.publish_support import cap_fields, consume_cap, launch_approved, signed_config

NORTH_M_PER_DEG = 111_320.0


def north_of(point, metres):
    return point[0] + metres / NORTH_M_PER_DEG, point[1]


def ring(south_west, north_east):
    """A GeoJSON ring ([lon, lat]) of the rectangle between two (lat, lon) corners."""
    (s, w), (n, e) = south_west, north_east
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, SECURE_COOKIES=False))


@pytest.fixture
def people(app):
    """Four participants east of the centre (100, 400, 1600 m) and one 1000 m north."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        ids = {d: factories.participant(session, f"+3161234560{i}", distance_m=d).id
               for i, d in enumerate((100, 400, 1600))}
        north = north_of(factories.CENTRE, 1000)
        ids["north"] = factories.participant(session, "+31612345609", home={"lat": north[0], "lon": north[1]}).id
        return room, operators[0], ids


def strip_east(start_m=-50, end_m=2000, half_width_m=200):
    south_west = north_of(factories.point_east(start_m), -half_width_m)
    north_east = north_of(factories.point_east(end_m), half_width_m)
    return south_west, north_east


def deliveries(app, action_id):
    with app.extensions["uitkijk"].db.session() as session:
        return [(d.participant_id, d.rank) for d in session.scalars(
            select(Delivery).where(Delivery.action_id == action_id).order_by(Delivery.rank))]


def test_a_polygon_selects_inside_only_nearest_first_from_its_centre(app, client, auth, people):
    """A strip drawn eastwards reaches the three people in it, ranked from the chosen point, not the one north."""
    room, operator, ids = people
    geometry = {"type": "Polygon", "coordinates": [ring(*strip_east())]}
    body = factories.launch_body(room, operator, area={"type": "polygon", "geometry": geometry,
                                                       "centre": {"lat": factories.CENTRE[0], "lon": factories.CENTRE[1]}})
    response = client.post("/api/actions", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    assert [pid for pid, _ in deliveries(app, response.get_json()["id"])] == [ids[100], ids[400], ids[1600]]


def test_a_polygon_counts_and_alerts_each_participant_once_per_channel(app, client, auth, people):
    """Who lives and works in the polygon with two mobiles is four of its points: one alert, counted once."""
    room, operator, ids = people
    with app.extensions["uitkijk"].db.session() as session:
        both = factories.participant(session, "+31612345611", distance_m=900, work_distance_m=300)
        both.numbers.append(PhoneNumber(e164="+31612345612", kind="mobile", channel="sms"))
        both = both.id
    geometry = {"type": "Polygon", "coordinates": [ring(*strip_east())]}
    body = factories.launch_body(room, operator, area={"type": "polygon", "geometry": geometry,
                                                       "centre": {"lat": factories.CENTRE[0], "lon": factories.CENTRE[1]}})
    response = client.post("/api/actions", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["planned"] == 4
    assert [pid for pid, _ in deliveries(app, response.get_json()["id"])] == [ids[100], both, ids[400], ids[1600]]


def test_a_hole_in_the_polygon_is_left_out(app, client, auth, people):
    """A GeoJSON hole around the person at 400 m leaves them out."""
    room, operator, ids = people
    hole = ring(north_of(factories.point_east(300), -50), north_of(factories.point_east(500), 50))
    geometry = {"type": "Polygon", "coordinates": [ring(*strip_east()), hole]}
    body = factories.launch_body(room, operator, area={"type": "polygon", "geometry": geometry})
    action = client.post("/api/actions", json=body, headers=auth).get_json()
    assert sorted(pid for pid, _ in deliveries(app, action["id"])) == sorted([ids[100], ids[1600]])


@pytest.mark.parametrize("geometry, reason", [
    ({"type": "Point", "coordinates": [5.0, 52.0]}, "must be a GeoJSON Polygon"),
    ({"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0]]]}, "at least three points"),
    ({"type": "Polygon", "coordinates": [[[5.0, 952.0], [5.1, 52.0], [5.1, 52.1]]]}, "between -90 and 90"),
    ({"type": "Polygon", "coordinates": [[["a", "b"], [5.1, 52.0], [5.1, 52.1]]]}, "must be numbers"),
    ({"type": "Polygon", "coordinates": [ring((50.8, 3.4), (53.5, 7.2))]}, "km across"),
])
def test_a_broken_or_too_large_polygon_is_refused_naming_the_field(app, client, auth, people, geometry, reason):
    """Bad GeoJSON or a burglary polygon the size of the country: 400 naming area.geometry, nothing launched."""
    room, operator, _ = people
    body = factories.launch_body(room, operator, area={"type": "polygon", "geometry": geometry})
    response = client.post("/api/actions", json=body, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["field"].startswith("area.") and reason in response.get_json()["reason"]


def test_regions_uploaded_by_an_admin_carry_an_amber_alert(app, client, auth, people, signing):
    """An admin uploads a GeoJSON of two regions; an AMBER alert for one reaches inside it only, and its
    CAP message carries the region's polygon and name."""
    room, operator, ids = people
    regions = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "VR13", "name": "Amsterdam-Amstelland"},
         "geometry": {"type": "Polygon", "coordinates": [ring(*strip_east())]}},
        {"type": "Feature", "properties": {"code": "VR14", "name": "Gooi en Vechtstreek"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[ring(north_of(factories.CENTRE, 800),
                                                                     north_of(factories.point_east(100), 1200))]]}},
    ]}
    admin_client = app.test_client()
    login(admin_client, make_user(app, "admin"))
    upload = post(admin_client, "/config/regions/", {"kind": "safety_region",
                                                     "file": (io.BytesIO(json.dumps(regions).encode()), "vr.geojson")},
                  content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)[:300]
    with app.extensions["uitkijk"].db.session() as session:
        assert sorted(session.scalars(select(Region.code))) == ["VR13", "VR14"]

    body = factories.launch_body(room, operator, kind="amber_alert", title="Sanne (8) vermist",
                                 area={"type": "regions", "codes": ["VR14"]})
    action = launch_approved(client, json=body, headers=auth).get_json()  # four eyes: a colleague approves
    assert [pid for pid, _ in deliveries(app, action["id"])] == [ids["north"]]
    cap_url = client.get("/publiek/alerts.json").get_json()["alerts"][0]["cap_url"]
    cap = cap_fields(consume_cap(client.get(cap_url.split("example.nl", 1)[1]).get_data(), signing[2]))
    nl = cap["info"]["nl-NL"]
    assert nl["areaDesc"] == "Gooi en Vechtstreek" and len(nl["polygons"]) == 1
    first, *_, last = nl["polygons"][0].split(" ")
    assert first == last

    unknown = client.post("/api/actions", headers=auth, json={**body, "client_request_id": "x",
                                                              "area": {"type": "regions", "codes": ["VR99"]}})
    assert unknown.status_code == 400 and unknown.get_json()["reason"] == "unknown region VR99"


def test_a_broken_region_file_is_refused_naming_the_feature(app, people):
    """A feature without a name refuses the whole file, with its number; nothing is stored."""
    admin_client = app.test_client()
    login(admin_client, make_user(app, "admin"))
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "P1"}, "geometry": {"type": "Polygon", "coordinates": [
            ring((52.0, 5.0), (52.1, 5.1))]}}]}
    response = post(admin_client, "/config/regions/", {"kind": "province",
                                                       "file": (io.BytesIO(json.dumps(bad).encode()), "p.geojson")},
                    content_type="multipart/form-data")
    assert response.status_code == 400 and "feature 1: heeft een eigenschap" in response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Region)) is None
