"""Regions an AMBER alert can cover (provinces, safety regions, police units), as an admin keeps them on
the web: listed, and created or updated from a GeoJSON FeatureCollection (one bad feature refuses the
whole upload, naming it). Regions are national: a token bound to a control room may not change them."""
import json

from flask import g, jsonify, request

from core import regions
from core.errors import ValidationError
from core.models import REGION_KINDS
from web.db_session import session

from . import bp, json_body, national_only, requires


def region_payload(region):
    return {"id": region.id, "kind": region.kind, "code": region.code, "name": region.name,
            "polygons": len(region.polygons), "updated_at": region.updated_at.isoformat()}


@bp.get("/regions")
@requires("configuration")
def list_regions():
    kind = request.args.get("kind")
    if kind is not None and kind not in REGION_KINDS:
        raise ValidationError("kind", "must be one of %(choices)s", choices=", ".join(REGION_KINDS))
    return jsonify([region_payload(r) for r in regions.list_regions(session(), kind)])


@bp.post("/regions")
@requires("configuration")
def import_regions():
    national_only("regions")
    data = json_body(("kind", "geojson"), "regions")
    if not isinstance(data.get("geojson"), dict):
        raise ValidationError("geojson", "must be a GeoJSON FeatureCollection object")
    db = session()
    count = regions.import_geojson(db, data.get("kind"), json.dumps(data["geojson"]), g.api_actor)
    db.commit()
    return jsonify({"imported": count, "regions": [region_payload(r) for r in regions.list_regions(db, data["kind"])]})
