"""Regions through the API as the admin keeps them on the web: a GeoJSON upload of two safety regions is
listed, and an AMBER alert over one of them reaches the participant inside it only; a broken feature refuses
the whole upload naming it, with nothing stored; room-bound tokens may read but not change them (SQLite and
PostgreSQL). Every API response here is also checked against the OpenAPI document by the suite's test client."""
from sqlalchemy import select

from core.models import Delivery, Region
from lab import factories
from tests.integration.test_api_control_rooms import audit_rows, token
from tests.integration.test_polygon_areas import app, north_of, people, ring, strip_east  # noqa: F401  (fixtures)
from tests.publish_support import launch_approved

REGIONS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"code": "VR13", "name": "Amsterdam-Amstelland"},
     "geometry": {"type": "Polygon", "coordinates": [ring(*strip_east())]}},
    {"type": "Feature", "properties": {"statcode": "VR14", "statnaam": "Gooi en Vechtstreek"},
     "geometry": {"type": "MultiPolygon", "coordinates": [[ring(north_of(factories.CENTRE, 800),
                                                                 north_of(factories.point_east(100), 1200))]]}}]}


def test_uploaded_regions_are_listed_and_carry_an_amber_alert(app, client, auth, people):
    room, operator, ids = people
    admin = token(app, ["configuration"])
    uploaded = client.post("/api/regions", json={"kind": "safety_region", "geojson": REGIONS}, headers=admin)
    assert uploaded.status_code == 200 and uploaded.json["imported"] == 2
    assert [(r["code"], r["name"], r["polygons"]) for r in uploaded.json["regions"]] == [
        ("VR13", "Amsterdam-Amstelland", 1), ("VR14", "Gooi en Vechtstreek", 1)]
    assert [r["code"] for r in client.get("/api/regions?kind=safety_region", headers=admin).json] == ["VR13", "VR14"]
    assert client.get("/api/regions?kind=province", headers=admin).json == []
    assert [verb for _, verb, *_ in audit_rows(app, subject_type="regions")] == ["import"]

    body = factories.launch_body(room, operator, kind="amber_alert", title="Sanne (8) vermist",
                                 area={"type": "regions", "codes": ["VR14"]})
    action = launch_approved(client, json=body, headers=auth).json  # four eyes: a colleague approves
    with app.extensions["uitkijk"].db.session() as s:
        reached = set(s.scalars(select(Delivery.participant_id).where(Delivery.action_id == action["id"])))
    assert reached == {ids["north"]}


def test_a_broken_upload_is_refused_naming_the_part_and_stores_nothing(app, client, people):
    admin = token(app, ["configuration"])
    nameless = {"type": "FeatureCollection", "features": [
        REGIONS["features"][0], {"type": "Feature", "properties": {"code": "P1"}, "geometry": {
            "type": "Polygon", "coordinates": [ring((52.0, 5.0), (52.1, 5.1))]}}]}
    for body, field in [({"kind": "province", "geojson": nameless}, "feature 2"),
                        ({"kind": "county", "geojson": REGIONS}, "kind"),
                        ({"kind": "province", "geojson": "{}"}, "geojson"),
                        ({"kind": "province", "geojson": {"type": "Feature"}}, "file"),
                        ({"kind": "province", "geojson": REGIONS, "replace": True}, "replace")]:
        response = client.post("/api/regions", json=body, headers=admin)
        assert response.status_code == 400 and response.json["field"] == field, body
    assert client.get("/api/regions?kind=county", headers=admin).json["field"] == "kind"
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(Region)) is None
    assert audit_rows(app, subject_type="regions") == []


def test_a_room_token_reads_regions_but_cannot_change_them(app, client, people):
    room, _, _ = people
    bound = token(app, ["configuration"], room_id=room.id)
    assert client.get("/api/regions", headers=bound).status_code == 200
    refused = client.post("/api/regions", json={"kind": "province", "geojson": REGIONS}, headers=bound)
    assert refused.status_code == 403
    assert client.post("/api/regions", json={"kind": "province", "geojson": REGIONS},
                       headers=token(app, ["actions", "participants:write"])).status_code == 403
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(Region)) is None
