"""Regions an AMBER alert can cover (provinces, safety regions, police units), kept by admins from GeoJSON."""
import json

from sqlalchemy import select

from . import audit
from .errors import ValidationError
from .input_checks import check_text
from .models import REGION_KINDS, Region
from .polygons import from_geojson

CODE_KEYS = ("code", "statcode", "id")
NAME_KEYS = ("name", "statnaam", "naam")


def _property(properties, keys):
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return None


def import_geojson(session, kind, text, actor):
    """Create or update one region per Feature of a GeoJSON FeatureCollection (properties code and name).

    Every feature is checked first; one bad feature refuses the file, naming it."""
    if kind not in REGION_KINDS:
        raise ValidationError("kind", "must be one of %(choices)s", choices=", ".join(REGION_KINDS))
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        raise ValidationError("file", "is not JSON (GeoJSON expected)") from None
    except RecursionError:  # nested deeper than the parser follows; no GeoJSON is
        raise ValidationError("file", "is nested too deeply to be GeoJSON") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        raise ValidationError("file", "must be a GeoJSON FeatureCollection with at least one feature")
    parsed = []
    for index, feature in enumerate(data["features"], start=1):
        field = f"feature {index}"
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code, name = _property(properties, CODE_KEYS), _property(properties, NAME_KEYS)
        if not code or len(code) > 32:
            raise ValidationError(field, "needs a property 'code' of at most 32 characters")
        if not name or len(name) > 120:
            raise ValidationError(field, "needs a property 'name' of at most 120 characters")
        check_text(code, f"{field}.code", multiline=False)  # a NUL or lone surrogate never reaches the database
        check_text(name, f"{field}.name", multiline=False)
        parsed.append((code, name, from_geojson(feature.get("geometry"), field)))
    existing = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_([p[0] for p in parsed])))}
    for code, name, polygons in parsed:
        region = existing.get(code) or Region(code=code)
        region.kind, region.name, region.polygons = kind, name, polygons
        session.add(region)
    session.flush()
    audit.record(session, actor, "import", "regions", None, {"kind": kind, "codes": [p[0] for p in parsed]})
    return len(parsed)


def list_regions(session, kind=None):
    query = select(Region).order_by(Region.kind, Region.name)
    if kind:
        query = query.where(Region.kind == kind)
    return list(session.scalars(query))
