"""Distances and the grid the spatial index uses.

Each location is stored with an integer cell: a row of 0.01 degree latitude (about 1.1 km)
times 100,000 plus a column of 0.01 degree longitude. A circle is covered by one contiguous
cell range per row, so an area query is a handful of index range scans on both SQLite and
PostgreSQL, without a spatial extension.
"""
import math

from .errors import ValidationError

EARTH_RADIUS_M = 6_371_008.8
CELL_DEG = 0.01
ROW_STRIDE = 100_000


def cell_of(lat, lon):
    row = math.floor((lat + 90.0) / CELL_DEG)
    col = math.floor((lon + 180.0) / CELL_DEG)
    return row * ROW_STRIDE + col


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat, lon, radius_m):
    """(south, north, west, east) of the circle on the sphere. Its widest longitude is asin(sin(d) / cos(lat)),
    not d / cos(lat): that flat approximation left out the east and west edges of wide circles (a national
    ledger's ring at 175 km: 60 m of it, whose people no ring read)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    ratio = math.sin(min(radius_m / EARTH_RADIUS_M, math.pi / 2)) / coslat
    dlon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def cell_ranges(lat, lon, radius_m, inner_m=None):
    """(first_cell, last_cell) per grid row: the cells of the row that the circle touches.

    With inner_m, the cells lying wholly inside the inner circle are left out (one or two ranges per
    row): a ring of a launch reads only what the rings before it did not. The cells of the circle's bounding
    box beyond the circle are never read: a national ledger's rings far from its centre read those corners,
    larger than the ring itself, again for every ring.
    """
    ranges = []
    for first, last in box_cell_ranges(*bounding_box(lat, lon, radius_m)):
        row = first // ROW_STRIDE
        touched = _columns_touched(lat, lon, radius_m, row)
        if touched is not None:
            first, last = max(first, row * ROW_STRIDE + touched[0]), min(last, row * ROW_STRIDE + touched[1])
        if first <= last:
            ranges.append((first, last))
    if not inner_m:
        return ranges
    ring = []
    for first, last in ranges:
        row = first // ROW_STRIDE
        inside = _columns_inside(lat, lon, inner_m, row)
        if inside is None or row * ROW_STRIDE + inside[0] > last or row * ROW_STRIDE + inside[1] < first:
            ring.append((first, last))
            continue
        if row * ROW_STRIDE + inside[0] > first:
            ring.append((first, row * ROW_STRIDE + inside[0] - 1))
        if row * ROW_STRIDE + inside[1] < last:
            ring.append((row * ROW_STRIDE + inside[1] + 1, last))
    return ring


def _half_width_deg(lat, radius_m, at_lat):
    """Half the width in degrees of longitude of the circle around (lat, ...) at latitude at_lat (180: all of it),
    or None where the circle does not reach that latitude."""
    rest = math.sin(radius_m / (2 * EARTH_RADIUS_M)) ** 2 - math.sin(math.radians(at_lat - lat) / 2) ** 2
    if rest <= 0:
        return None
    factor = math.cos(math.radians(lat)) * math.cos(math.radians(at_lat))
    if factor <= 0:
        return 180.0
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(rest / factor))))


def _columns_touched(lat, lon, radius_m, row):
    """(first, last) column of the cells of a grid row the circle reaches into, or None to keep the whole width of
    the bounding box (the circle reaches a pole). A hair wider than the circle (1e-4 degree, a hundredth of a
    cell): the widest point of a row may lie between the latitudes tried, by far less."""
    south, north = row * CELL_DEG - 90.0, (row + 1) * CELL_DEG - 90.0
    # The circle is widest in longitude near its centre's latitude: the row's latitude nearest it, and both edges.
    widths = [w for edge in {min(max(lat, south), north), south, north}
              if (w := _half_width_deg(lat, radius_m, edge)) is not None]
    half_width = max(widths, default=0.0)
    if half_width >= 180.0:
        return None
    half_width += 1e-4
    return math.floor((lon - half_width + 180.0) / CELL_DEG), math.floor((lon + half_width + 180.0) / CELL_DEG)


def _columns_inside(lat, lon, radius_m, row):
    """(first, last) column of the cells of a grid row wholly inside the circle, or None."""
    # The half-width in longitude of the circle at both latitude edges of the row.
    widths = [_half_width_deg(lat, radius_m, edge) for edge in (row * CELL_DEG - 90.0, (row + 1) * CELL_DEG - 90.0)]
    if None in widths:
        return None
    half_width = min(widths) * 0.999  # rounding must never drop a cell that is not wholly inside
    first = math.ceil((lon - half_width + 180.0) / CELL_DEG)
    last = math.floor((lon + half_width + 180.0) / CELL_DEG) - 1
    return (first, last) if first <= last else None


def box_cell_ranges(south, north, west, east):
    """(first_cell, last_cell) per grid row that a bounding box touches."""
    first_row = math.floor((south + 90.0) / CELL_DEG)
    last_row = math.floor((north + 90.0) / CELL_DEG)
    first_col = math.floor((west + 180.0) / CELL_DEG)
    last_col = math.floor((east + 180.0) / CELL_DEG)
    return [(row * ROW_STRIDE + first_col, row * ROW_STRIDE + last_col)
            for row in range(first_row, last_row + 1)]


def check_point(lat, lon, field="location"):
    """(lat, lon) as floats from numbers or decimal text; true/false are not coordinates."""
    for name, value in (("lat", lat), ("lon", lon)):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError(f"{field}.{name}", "must be a number")
        if isinstance(value, str) and len(value) > 32:
            raise ValidationError(f"{field}.{name}", "must be a number")
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationError(field, "latitude and longitude must be numbers") from None
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValidationError(f"{field}.lat", "must be between -90 and 90")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValidationError(f"{field}.lon", "must be between -180 and 180")
    return lat, lon
