"""The hostile table of test_hostile_input over the public-alert inputs: a public launch with photos, a
polygon area, region codes, the publication update, photo uploads, the operator's and admin's forms,
and the public addresses. Never a 500; a refusal writes nothing."""
import io
import json

from tests.integration.test_hostile_input import (  # noqa: F401  (fixtures)
    HOSTILE_TEXT, SimpleRoom, check, csrf_token, form_variants, hostile_app, login_as, variants, world)
from lab import factories
from tests.publish_support import b64, jpeg_with_gps, launch_approved

POLYGON = {"type": "Polygon", "coordinates": [[[5.04, 52.30], [5.06, 52.30], [5.06, 52.31], [5.04, 52.30]]]}


def test_public_alert_json_inputs_survive_the_hostile_table(hostile_app, world):
    """Every field of a public launch, a polygon launch and an Update replaced by a hostile value: 4xx naming a field."""
    client, auth = hostile_app.test_client(), world["auth"]
    base = factories.launch_body(SimpleRoom(world["room"]), SimpleRoom(world["operator"]))
    amber = {**base, "kind": "missing_person", "public": True, "family_consent": True, "area_name": "Weesp",
             "photos": [b64(jpeg_with_gps(64, 48))], "client_request_id": "hostile-amber"}
    polygon = {**base, "area": {"type": "polygon", "geometry": POLYGON, "centre": {"lat": 52.3, "lon": 5.05}},
               "client_request_id": "hostile-polygon"}
    regions = {**base, "kind": "amber_alert", "area": {"type": "regions", "codes": ["VR13"]},
               "client_request_id": "hostile-regions"}
    public = client.post("/api/actions", headers=auth, json={**amber, "client_request_id": "ok"}).json["id"]
    update = {"title": "Sanne vermist", "message": "Roze jas.", "area_name": "Weesp"}
    cases = [("/api/actions", amber), ("/api/actions", polygon), ("/api/actions", regions),
             (f"/api/actions/{public}/publication", update), (f"/api/actions/{public}/photos", {"photos": ["x"]})]
    for path, body_base in cases:
        for field, body in variants(body_base):
            raw = json.dumps(body)
            response = check(hostile_app, lambda: client.post(path, data=raw, headers={
                **auth, "Content-Type": "application/json"}), f"{path} {field}={raw[:80]!r}")
            if response.status_code == 400:
                assert response.json["field"] and response.json["reason"], (path, field)
    for bad in HOSTILE_TEXT:
        check(hostile_app, lambda: client.post(f"/api/actions/{public}/photos", headers=auth, data={
            "photo": (io.BytesIO(bad.encode("utf-8", "surrogatepass")), "x.jpg")}), f"photo upload {bad[:10]!r}")


def test_public_alert_forms_and_addresses_survive_the_hostile_table(hostile_app, world):
    """The partner and region forms, the operator's Update and photo forms, and hostile public addresses."""
    client = hostile_app.test_client()
    for bad in HOSTILE_TEXT:
        safe = bad.replace("\x00", "%00")
        for path in ("/publiek/{}", "/publiek/cap/{}.xml", "/publiek/foto/{}.jpg", "/publiek/alerts.json?lang={}"):
            check(hostile_app, lambda: client.get(path.format(safe)), path)
    login_as(client, world["operator_user"])
    token = csrf_token(client, "/config/partners/")
    for field, form in form_variants({"name": "Schermen", "url": "https://schermen.example.nl/hook"}):
        check(hostile_app, lambda: client.post("/config/partners/new", data={**form, "csrf_token": token}),
              f"partner {field}")
    for bad in HOSTILE_TEXT + ['{"type": "FeatureCollection", "features": [{"type": "Feature"}]}',
                               json.dumps({"type": "FeatureCollection", "features": [
                                   {"type": "Feature", "properties": {"code": "P", "name": "P"}, "geometry": POLYGON}]})
                               .replace("5.04", "1e999")]:
        data = {"csrf_token": token, "kind": "province", "file": (io.BytesIO(bad.encode("utf-8", "surrogatepass")),
                                                                  "r.geojson")}
        check(hostile_app, lambda: client.post("/config/regions/", data=data, content_type="multipart/form-data"),
              f"regions {bad[:20]!r}")
    base = factories.launch_body(SimpleRoom(world["room"]), SimpleRoom(world["operator"]))
    auth = world["auth"]
    action = launch_approved(client, headers=auth, json={**base, "kind": "amber_alert",
                                                          "area": {"type": "country"}}).json["id"]
    for field, form in form_variants({"title": "Sanne", "message": "Roze jas", "area_name": "Weesp"}):
        check(hostile_app, lambda: client.post(f"/actions/{action}/publication", data={**form, "csrf_token": token}),
              f"update {field}")
    launch = {"kind": "amber_alert", "area_type": "polygon", "polygon": json.dumps(POLYGON), "lat": "52.3",
              "lon": "5.05", "title": "T", "message": "M", "operator_id": str(world["operator"]),
              "control_room_id": str(world["room"]), "public": "on", "area_name": "Weesp"}
    for field, form in form_variants(launch):
        check(hostile_app, lambda: client.post("/actions/", data={**form, "csrf_token": token}), f"launch {field}")
