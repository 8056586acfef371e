"""Polygon areas: GeoJSON in, lat/lon rings stored, point-in-polygon for the selection.

Stored form (in an action's area, a region): {"polygons": [[outer, hole, ...], ...]} with each ring a
closed list of [lat, lon]. GeoJSON (RFC 7946) is [lon, lat]; it is turned round once, here.
"""
import functools
import json
import math

from .errors import ValidationError
from .geo import CELL_DEG, EARTH_RADIUS_M, ROW_STRIDE, check_point

MAX_VERTICES = 5000

# "The whole country" on maps and in CAP: a coarse outline (lat, lon) around the Netherlands.
NETHERLANDS_OUTLINE = (
    (53.56, 6.90), (53.20, 7.22), (52.64, 7.05), (52.23, 7.07), (51.87, 6.17), (51.50, 6.22), (51.18, 6.08),
    (50.75, 6.02), (50.75, 5.68), (51.26, 5.24), (51.43, 4.93), (51.48, 4.23), (51.37, 3.37), (51.60, 3.45),
    (52.10, 4.10), (52.95, 4.60), (53.45, 5.10), (53.55, 6.30), (53.56, 6.90),
)


def _ring(points, field):
    if not isinstance(points, list) or len(points) < 3:
        raise ValidationError(field, "a ring needs at least three points")
    ring = []
    for point in points:
        if not isinstance(point, (list, tuple)) or len(point) < 2:
            raise ValidationError(field, "each point is [longitude, latitude]")
        lat, lon = check_point(point[1], point[0], field)
        ring.append([round(lat, 6), round(lon, 6)])
    if ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    if len({tuple(p) for p in ring}) < 3:
        raise ValidationError(field, "a ring needs at least three different points")
    return ring


def from_geojson(geometry, field="area.geometry"):
    """[[outer, holes...], ...] in lat/lon from a GeoJSON Polygon, MultiPolygon or Feature(Collection) of them."""
    if not isinstance(geometry, dict):
        raise ValidationError(field, "must be a GeoJSON Polygon or MultiPolygon")
    kind = geometry.get("type")
    if kind == "Feature":
        return from_geojson(geometry.get("geometry"), field)
    if kind == "FeatureCollection":
        features = geometry.get("features") or []
        return [p for f in features for p in from_geojson(f, field)] or _empty(field)
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates
    else:
        raise ValidationError(field, "must be a GeoJSON Polygon or MultiPolygon")
    if not isinstance(polygons, list) or not polygons:
        _empty(field)
    result = [[_ring(ring, field) for ring in polygon] for polygon in polygons
              if isinstance(polygon, list) and polygon]
    if not result:
        _empty(field)
    if sum(len(ring) for polygon in result for ring in polygon) > MAX_VERTICES:
        raise ValidationError(field, "has more than %(max)s points", max=MAX_VERTICES)
    return result


def parse_geojson(text, field="area.geometry"):
    """A drawn area sent as GeoJSON text (a map's form field, a query parameter), checked by from_geojson's
    caller; ValidationError naming `field` when it is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise ValidationError(field, "draw the area on the map (at least three corners)") from None


def _empty(field):
    raise ValidationError(field, "has no polygon")


def to_geojson(polygons):
    return {"type": "MultiPolygon",
            "coordinates": [[[[lon, lat] for lat, lon in ring] for ring in polygon] for polygon in polygons]}


def bbox(polygons):
    """(south, north, west, east) around the outer rings."""
    lats = [p[0] for polygon in polygons for p in polygon[0]]
    lons = [p[1] for polygon in polygons for p in polygon[0]]
    return min(lats), max(lats), min(lons), max(lons)


def _in_ring(lat, lon, ring):
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(ring, ring[1:]):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def contains(polygons, lat, lon):
    """Whether the point is inside an outer ring and in none of its holes (even-odd rule)."""
    for polygon in polygons:
        if _in_ring(lat, lon, polygon[0]) and not any(_in_ring(lat, lon, hole) for hole in polygon[1:]):
            return True
    return False


@functools.lru_cache(maxsize=16)
def _parsed(polygons_json):
    return json.loads(polygons_json)


def contains_json(lat, lon, polygons_json):
    """contains() for SQL: SQLite's uitkijk_in_polygons(lat, lon, polygons as JSON), 1 or 0 (see core.db)."""
    return int(contains(_parsed(polygons_json), lat, lon))


def centre(polygons):
    """A point to rank distances from: the centre of the bounding box of the outer rings."""
    south, north, west, east = bbox(polygons)
    return (south + north) / 2, (west + east) / 2


def span_m(polygons):
    """The bounding box's diagonal in metres: how large an area is."""
    south, north, west, east = bbox(polygons)
    dlat = math.radians(north - south)
    dlon = math.radians(east - west) * math.cos(math.radians((north + south) / 2))
    return EARTH_RADIUS_M * math.hypot(dlat, dlon)


# A grid cell counts as inside only with this margin (degrees, about 10 cm) between it and every edge: a
# location's stored cell and its coordinates never disagree by more than rounding.
_CELL_MARGIN = 1e-6


def inside_cell_ranges(polygons, limit):
    """(first_cell, last_cell) runs of core.geo's grid cells lying wholly inside the polygons, no edge of any
    ring (outer or hole) within _CELL_MARGIN of them: every location in them is inside, and the exact test
    (contains) need not read it. The `limit` widest runs, as a query may hold only so many.

    Per row of cells, the cells an edge passes through are the boundary; between them no edge cuts the
    row, so a run of cells is inside or outside as a whole, and one point of it says which."""
    rings = [ring for polygon in polygons for ring in polygon]
    south, north, west, east = bbox(polygons)
    runs = []
    for row in range(math.floor((south + 90.0) / CELL_DEG), math.floor((north + 90.0) / CELL_DEG) + 1):
        low, high = row * CELL_DEG - 90.0 - _CELL_MARGIN, (row + 1) * CELL_DEG - 90.0 + _CELL_MARGIN
        touched = []  # (first, last) column an edge's stretch within this row's band touches
        for ring in rings:
            for (lat1, lon1), (lat2, lon2) in zip(ring, ring[1:]):
                if max(lat1, lat2) < low or min(lat1, lat2) > high:
                    continue
                if lat1 == lat2:
                    lons = (lon1, lon2)
                else:
                    lats = (max(low, min(lat1, lat2)), min(high, max(lat1, lat2)))
                    lons = [lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1) for lat in lats]
                touched.append((math.floor((min(lons) - _CELL_MARGIN + 180.0) / CELL_DEG),
                                math.floor((max(lons) + _CELL_MARGIN + 180.0) / CELL_DEG)))
        touched.sort()
        column = math.floor((west + 180.0) / CELL_DEG)
        for first, last in touched + [(math.floor((east + 180.0) / CELL_DEG) + 1,) * 2]:
            if first > column and contains(polygons, (row + 0.5) * CELL_DEG - 90.0,
                                           (column + first) / 2 * CELL_DEG - 180.0):
                runs.append((row * ROW_STRIDE + column, row * ROW_STRIDE + first - 1))
            column = max(column, last + 1)
    runs.sort(key=lambda run: run[0] - run[1])
    return sorted(runs[:limit])
