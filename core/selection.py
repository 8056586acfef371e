"""Who an action reaches: the participants in its area, nearest first, with the number per channel."""
import json
import math
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (Integer, Time, and_, case, cast, column, func, literal, literal_column, or_, select, table,
                        union_all)

from .errors import ValidationError
from . import polygons as geometry
from . import reach_points
from .geo import (CELL_DEG, EARTH_RADIUS_M, ROW_STRIDE, bounding_box, box_cell_ranges, cell_ranges, check_point,
                  distance_m)
from .geocoding import locate
from .models import Municipality, Participant, ParticipantLocation, ReachPoint, Region

class Recipient(NamedTuple):
    """One alert to write (a tuple: an area of 60,000 makes 60,000 of them)."""

    participant_id: int
    phone_number_id: int | None  # None for an alert by e-mail
    to_e164: str  # "" for an alert by e-mail
    channel: str
    distance_m: int
    quiet_until: datetime | None  # end of the participant's quiet hours, when inside them now
    to_address: str | None = None  # an alert by e-mail's confirmed address


def validate_area(area, kind, max_radius_m, geocoder=None):
    """Check an area description; only an AMBER alert may cover municipalities or the whole country.

    A circle's centre is lat and lon, or an address that `geocoder` places ("address": "Damrak 1,
    Amsterdam", or postcode and house_number); the circle then keeps the address found as `address`."""
    if not isinstance(area, dict):
        raise ValidationError("area", "must be an object")
    area_type = area.get("type", "circle")
    if area_type == "circle":
        radius = area.get("radius_m")
        if isinstance(radius, bool) or not isinstance(radius, (int, float)):
            raise ValidationError("area.radius_m", "must be a number of metres")
        if not 0 < radius <= max_radius_m:
            raise ValidationError("area.radius_m", "must be more than 0 and at most %(max)s metres",
                                  max=max_radius_m)
        place = locate(geocoder, area, "area")
        if place is not None:
            return {"type": "circle", "lat": place.lat, "lon": place.lon, "radius_m": int(radius),
                    "address": place.label}
        lat, lon = check_point(area.get("lat"), area.get("lon"), "area")
        return {"type": "circle", "lat": lat, "lon": lon, "radius_m": int(radius)}
    if area_type == "polygon":
        polygons = geometry.from_geojson(area.get("geometry"), "area.geometry")
        if kind != "amber_alert" and geometry.span_m(polygons) > 2 * max_radius_m:
            raise ValidationError("area.geometry", "is larger than %(km)s km across", km=2 * max_radius_m // 1000)
        centre = area.get("centre")
        if centre is None:
            centre = geometry.centre(polygons)
        elif isinstance(centre, dict):
            centre = check_point(centre.get("lat"), centre.get("lon"), "area.centre")
        else:
            raise ValidationError("area.centre", "must be an object with lat and lon")
        return {"type": "polygon", "polygons": polygons, "centre": [round(centre[0], 6), round(centre[1], 6)]}
    if kind != "amber_alert":
        raise ValidationError("area.type", "only an AMBER alert may cover a region or the whole country")
    if area_type == "municipalities":
        codes = area.get("codes")
        if not codes or not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ValidationError("area.codes", "must be a list of municipality codes")
        return {"type": "municipalities", "codes": sorted(set(codes))}
    if area_type == "regions":
        codes = area.get("codes")
        if not codes or not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ValidationError("area.codes", "must be a list of region codes")
        return {"type": "regions", "codes": sorted(set(codes))}
    if area_type == "country":
        return {"type": "country"}
    raise ValidationError("area.type", "must be circle, polygon, regions, municipalities or country")


def region_polygons(session, codes):
    """The polygons of the regions with these codes; ValidationError naming an unknown code."""
    found = {code: polys for code, polys in session.execute(
        select(Region.code, Region.polygons).where(Region.code.in_(codes)))}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise ValidationError("area.codes", "unknown region %(codes)s", codes=", ".join(missing))
    return [polygon for code in sorted(found) for polygon in found[code]]


def _polygons_of(session, area):
    if area["type"] == "polygon":
        return area["polygons"]
    if area["type"] == "regions":
        return region_polygons(session, area["codes"])
    return None


def participants_in_circle(session, lat, lon, radius_m):
    """[(participant_id, distance_m)] of active participants with home or work in the circle, nearest first.

    Reads only the covering index (cell, lat, lon, participant_id); the exact circle is applied here.
    """
    ranges = cell_ranges(lat, lon, radius_m)
    loc = ParticipantLocation
    query = select(loc.participant_id, loc.lat, loc.lon).where(
        or_(*[loc.cell.between(lo, hi) for lo, hi in ranges]))
    nearest = {}
    for pid, plat, plon in session.execute(query):
        d = distance_m(lat, lon, plat, plon)
        if d <= radius_m and d < nearest.get(pid, float("inf")):
            nearest[pid] = d
    return sorted(nearest.items(), key=lambda item: (item[1], item[0]))


def in_quiet_hours(start, end, now_local):
    if start is None or end is None:
        return False
    t = now_local.time()
    return start <= t < end if start <= end else (t >= start or t < end)


def _area_filter(session, area, points, polygons=None):
    """The condition of a region on `points` (a circle is read by index_conditions): polygons by the spatial
    index over the bounding box of each (on the reach points; else the grid cells the box touches)."""
    if polygons is not None:
        engine = _spatial_engine(session) if points is ReachPoint.__table__ else None
        if engine:
            return or_(*[_box_condition(engine, *geometry.bbox([polygon])) for polygon in polygons])
        return or_(*[points.c.cell.between(lo, hi) for polygon in polygons
                     for lo, hi in box_cell_ranges(*geometry.bbox([polygon]))])
    if area["type"] == "municipalities":
        return points.c.participant_id.in_(select(Participant.id).where(Participant.municipality_id.in_(
            select(Municipality.id).where(Municipality.code.in_(area["codes"])).scalar_subquery())))
    return None  # the whole country, a circle


def area_reach_m(session, area, centre):
    """How far from `centre` the area's participants can be: a circle's radius, else the farthest corner of
    the polygons' or (for municipalities and the country) of all locations' bounding box."""
    if area["type"] == "circle":
        return area["radius_m"]
    polygons = _polygons_of(session, area)
    if polygons is not None:
        south, north, west, east = geometry.bbox(polygons)
    else:
        box = _reach_points_box(session)
        if box is None:
            return 0
        south, north, west, east = box
    return math.ceil(max(distance_m(centre[0], centre[1], lat, lon)
                         for lat in (south, north) for lon in (west, east))) + 1


def _reach_points_box(session):
    """(south, north, west, east) of the grid cells holding reach points, None when there are none: each side
    a cell's edge, less than a cell beyond the farthest point. Read from the ends of the cell index, a seek for
    each end of each row of cells (the minimum and maximum over the locations read all 2,400,000 of them: 2.8 s
    of a national ledger)."""
    cell = ReachPoint.cell
    first = session.scalar(select(func.min(cell)))
    if first is None:
        return None
    first_row, last_row = first // ROW_STRIDE, session.scalar(select(func.max(cell))) // ROW_STRIDE
    south, north = first_row * CELL_DEG - 90.0, (last_row + 1) * CELL_DEG - 90.0
    if last_row - first_row >= BOX_ROWS:
        return south, north, -180.0, 180.0  # people far apart: every longitude, rather than seeks by the thousand
    ends = []
    for row in range(first_row, last_row + 1):
        in_row = cell.between(row * ROW_STRIDE, row * ROW_STRIDE + ROW_STRIDE - 1)
        ends += [select(func.min(cell)).where(in_row), select(func.max(cell)).where(in_row)]
    columns = [found % ROW_STRIDE for i in range(0, len(ends), COMPOUND_SELECTS)
               for found in session.scalars(union_all(*ends[i:i + COMPOUND_SELECTS])) if found is not None]
    return south, north, min(columns) * CELL_DEG - 180.0, (max(columns) + 1) * CELL_DEG - 180.0


# SQLite joins at most 500 SELECTs by UNION ALL.
COMPOUND_SELECTS = 200
# Beyond this many rows of cells (10° of latitude; the Netherlands and its borders: about 300) a box spans
# every longitude.
BOX_ROWS = 1_000

# A query reads at most this many cell ranges (SQLite limits the depth of an expression).
RANGES_PER_QUERY = 200

# SQLite's R*Tree over reach_points.id (a virtual table: no model of its own).
_rtree = table(reach_points.RTREE, column("id"), column("min_lat"), column("max_lat"), column("min_lon"),
               column("max_lon"))
_postgis = {}  # database URL -> whether its reach points have the PostGIS index


def _spatial_engine(session):
    """"rtree", "postgis" or None (a PostgreSQL without PostGIS: the grid cells)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return "rtree"
    url = str(connection.engine.url)
    if url not in _postgis:
        _postgis[url] = reach_points.has_postgis_index(connection)
    return "postgis" if _postgis[url] else None


def _disc_condition(engine, centre, radius_m):
    """The spatial index's condition for the reach points in the bounding box of the disc within radius_m of
    centre (a metre of slack); the exact distance is tested beside it."""
    return _box_condition(engine, *bounding_box(centre[0], centre[1], radius_m + 1))


def _box_condition(engine, south, north, west, east):
    """The spatial index's condition for the reach points in a box of latitudes and longitudes."""
    if engine == "rtree":
        return ReachPoint.id.in_(select(_rtree.c.id).where(and_(
            _rtree.c.max_lat >= south, _rtree.c.min_lat <= north,
            _rtree.c.max_lon >= west, _rtree.c.min_lon <= east)))
    # The box, not ST_DWithin: its exact test on the sphere, on top of the distance computed here anyway,
    # cost four times as long as reading the index (a 2 km circle among 2,000,000: 170 ms against 40 ms).
    # The indexed expression verbatim (unqualified: the query reads reach_points alone).
    box = func.geography(func.ST_MakeEnvelope(west, south, east, north, 4326))
    return literal_column(reach_points.GEOGRAPHY).op("&&")(box)


def index_conditions(session, area, centre, ring=None):
    """The index conditions a circle, or one ring of any area around `centre`, is read by, one query each;
    [None]: no condition (a region read whole).

    A disc (a circle, an area's first ring) is read by the database's spatial index; a ring beyond the
    first by the grid cells it touches, which leave out the cells the rings before it read."""
    inner, outer = ring if ring else (None, None)
    if area["type"] == "circle":
        outer = min(outer, area["radius_m"]) if outer is not None else area["radius_m"]
    if outer is None or not centre:
        return [None]
    engine = _spatial_engine(session)
    if not inner and engine:
        return [_disc_condition(engine, centre, outer)]
    # A metre more: a point that rounds into this ring is never left out by the box.
    ranges = cell_ranges(centre[0], centre[1], outer + 1, inner_m=inner - 1 if inner else None)
    rp = ReachPoint
    return [or_(*[rp.cell.between(lo, hi) for lo, hi in ranges[i:i + RANGES_PER_QUERY]])
            for i in range(0, len(ranges), RANGES_PER_QUERY)]


def test_participants():
    """The ids of the participants marked as test or staff: the only ones an exercise reaches."""
    return select(Participant.id).where(Participant.test).scalar_subquery()


# The ranks' order, by alerts_query's column names: a reader that keeps each participant's first row on a
# channel (core.ledger.write_alerts) takes the rows in this order.
RANK_KEYS = ("distance_m", "participant_id", "channel", "phone_number_id")


def alerts_query(session, area, centre=None, ring=None, points=None, conditions=None, test_only=False,
                 channel_order=None, ranked=True):
    """SELECT of the area's alerts, nearest first: participant_id, phone_number_id, to_e164, channel,
    distance_m, quiet_start, quiet_end, rank (0 = nearest; by distance, participant, channel, number) and
    to_address (an alert by e-mail's address). A participant's first row on a channel is their alert on it
    (their first usable number, at their nearer location); a later row of theirs on that channel (another
    number or location) is left to its reader to drop: the ledger's unique key, or select_recipients.

    The database does all of it: the spatial index finds the reach points (core.reach_points: the
    register's rows a launch needs, joined beforehand), the exact circle or polygon, the distances, one row
    per participant and channel (of their home and work, the nearer) and the order, so a launch writes its
    ledger by INSERT ... SELECT and no row passes through Python. A region is ranked from `centre` if given.
    With ring=(inner_m, outer_m) only those whose rounded distance lies in (inner_m, outer_m] are read: a
    launch writes its ledger ring by ring and never holds the whole area. A participant whose nearer
    location lies in an earlier ring shows up again here by the farther one; the unique key keeps them
    once, nearest. The benchmark's baseline passes `points` (the register's join, with the reach
    points' columns) and the `conditions` it is read by. An exercise (`test_only`) reads the test
    participants alone.
    With `channel_order` (an action kind that escalates, core.escalation) the channels of that order are one
    ladder: each participant's first channel on it is their only row for it, the rest come by escalation. A
    channel the order leaves out (alerts by e-mail, say) is no step of it and has one row as well.
    Not `ranked`: the same rows, in the same order, without the rank column (what reads them in Python needs
    the order alone).
    """
    if area["type"] == "circle":
        centre, radius = (area["lat"], area["lon"]), area["radius_m"]
    else:
        radius = None
        if area["type"] == "polygon" and centre is None:
            centre = tuple(area["centre"])
    inner, outer = ring if ring else (None, None)
    points = ReachPoint.__table__ if points is None else points
    c = points.c
    distance = _distance_sql(points, *centre) if centre else literal(0.0)
    exact = []
    if radius is not None:
        exact.append(distance <= radius)
    if inner is not None:
        exact.append(func.round(distance) > inner)
    if outer is not None:
        exact.append(func.round(distance) <= outer)
    polygons = _polygons_of(session, area)
    where = _area_filter(session, area, points, polygons)
    if where is not None:
        exact.append(where)
    if polygons is not None:
        exact.append(_inside_polygons(session, points, polygons))
    if test_only:
        exact.append(c.participant_id.in_(test_participants()))
    read = select(c.participant_id, c.phone_number_id, c.e164, c.channel, c.quiet_start, c.quiet_end,
                  distance.label("distance"), c.address).where(*exact)
    reads = [read.where(condition) if condition is not None else read
             for condition in conditions or index_conditions(session, area, centre, ring)]
    # The index conditions' cells are disjoint: their reads never hold the same point twice.
    found = (reads[0] if len(reads) == 1 else union_all(*reads)).subquery("found")
    # Every number of a participant is paired with each of their locations: in the order (metres, participant,
    # channel, number) the first row of a participant and channel is their nearest location with their first
    # number (that number is paired with every location). Without a ladder, that row is kept by what reads
    # the rows: the ledger's unique key (INSERT ... ORDER BY ... ON CONFLICT DO NOTHING), or select_recipients;
    # a window numbering them first cost a second sort of every row (a national ledger: about 3 µs a row).
    if not channel_order:
        numbered = found
    else:
        # Partitioned by participant_id + 0, not the column: SQLite's planner otherwise reads the whole table by
        # the participant index, in the partition's order, rather than a ring's grid cells by theirs.
        place = case({channel: i for i, channel in enumerate(channel_order)}, value=found.c.channel,
                     else_=len(channel_order))
        ladder = case((found.c.channel.in_(channel_order), literal("ladder")), else_=found.c.channel)
        first = func.row_number().over(partition_by=(found.c.participant_id + 0, ladder),
                                       order_by=(place, found.c.phone_number_id, found.c.distance))
        numbered = select(found, first.label("nth")).subquery("numbered")
    n = numbered.c
    metres = cast(func.round(n.distance), Integer)
    order = (metres, n.participant_id, n.channel, n.phone_number_id)  # RANK_KEYS
    columns = (n.participant_id, n.phone_number_id, n.e164.label("to_e164"), n.channel, metres.label("distance_m"),
               n.quiet_start, n.quiet_end)
    query = (select(*columns, n.address.label("to_address")) if not ranked else
             select(*columns, (func.row_number().over(order_by=order) - 1).label("rank"),
                    n.address.label("to_address")))
    if channel_order:
        query = query.where(n.nth == 1)
    return query.order_by(*order)


# How many runs of grid cells wholly inside a polygon a query tests before the exact test (SQLite limits the
# depth of an expression; the widest runs hold most of the points).
INSIDE_RANGES = 100


def _inside_polygons(session, points, polygons):
    """The exact polygon test as SQL: PostGIS's ST_Covers, or on SQLite core.polygons.contains (a function
    core.db gives every connection) on the rows the index prefilter leaves. On the reach points, a point whose
    grid cell lies wholly inside (core.polygons.inside_cell_ranges) is inside without it: the exact test is
    left to the cells an edge passes through (the province of Utrecht among 2,000,000: 220,000 points, of
    which about 7 % are near an edge)."""
    engine = _spatial_engine(session)
    if engine == "rtree":
        exact = func.uitkijk_in_polygons(points.c.lat, points.c.lon, json.dumps(polygons)) == 1
    elif engine == "postgis":
        shape = func.ST_GeomFromGeoJSON(json.dumps(geometry.to_geojson(polygons)))
        exact = func.ST_Covers(shape, func.ST_SetSRID(func.ST_MakePoint(points.c.lon, points.c.lat), 4326))
    else:
        raise ValidationError("area.type", "a polygon needs PostGIS on this PostgreSQL server")
    if points is not ReachPoint.__table__:
        return exact
    return or_(*[points.c.cell.between(lo, hi) for lo, hi in geometry.inside_cell_ranges(polygons, INSIDE_RANGES)],
               exact)


def select_recipients(session, area, tz="Europe/Amsterdam", now=None, centre=None, ring=None, points=None,
                      conditions=None, test_only=False):
    """One Recipient per participant per channel, nearest first: alerts_query's rows (see there), with the
    end of their quiet hours when they are inside them now."""
    now_local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    query = alerts_query(session, area, centre, ring, points, conditions, test_only, ranked=False)
    c = query.selected_columns
    # The row is the Recipient, but for the end of the quiet hours: the database says whose are now (their
    # end, else NULL), and only theirs are worked out here.
    query = query.with_only_columns(c.participant_id, c.phone_number_id, c.to_e164, c.channel, c.distance_m,
                                    _quiet_end_now(c.quiet_start, c.quiet_end, now_local.time()), c.to_address)
    # The driver's tuples, not the Core's rows (let alone the ORM's): an area of 60,000 handed to Python costs
    # more in building rows than in the query. Only the quiet hours' end needs a type: SQLite's is text.
    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    seen = set()
    recipients = [Recipient._make(row) for row in rows
                  if (key := (row[0], row[3])) not in seen and not seen.add(key)]
    for i, recipient in enumerate(recipients):
        if recipient.quiet_until is not None:
            end = recipient.quiet_until
            recipients[i] = recipient._replace(quiet_until=quiet_hours_end(
                end if isinstance(end, time) else time.fromisoformat(end), now_local))
    return recipients


def _quiet_end_now(start, end, now):
    """in_quiet_hours as SQL: the end of the quiet hours from start to end when `now` (a time of day) lies
    inside them, else NULL."""
    t = literal(now, Time)
    inside = or_(and_(start <= end, start <= t, t < end), and_(start > end, or_(t >= start, t < end)))
    return case((and_(start.is_not(None), end.is_not(None), inside), end))


def quiet_until(start, end, now_local):
    """When the quiet hours from start to end are over if now_local lies inside them, else None."""
    if start is None or not in_quiet_hours(start, end, now_local):
        return None
    return quiet_hours_end(end, now_local)


def inside_area(session, area, participant_ids):
    """Which of these participants have a home or work location inside the area (or live in one of its
    municipalities): those an area changed after launch still concerns."""
    ids = set(participant_ids)
    if area["type"] == "country" or not ids:
        return ids
    if area["type"] == "municipalities":
        return set(session.scalars(select(Participant.id).where(and_(
            Participant.id.in_(ids), Participant.municipality_id.in_(
                select(Municipality.id).where(Municipality.code.in_(area["codes"])).scalar_subquery())))))
    polygons = _polygons_of(session, area)
    loc = ParticipantLocation
    inside = set()
    for pid, plat, plon in session.execute(select(loc.participant_id, loc.lat, loc.lon)
                                           .where(loc.participant_id.in_(ids))):
        if polygons is not None:
            if geometry.contains(polygons, plat, plon):
                inside.add(pid)
        elif distance_m(area["lat"], area["lon"], plat, plon) <= area["radius_m"]:
            inside.add(pid)
    return inside


def count_locations(session, area):
    """How many reach points (locations times usable numbers) the area's index conditions hold (a bound,
    quickly)."""
    rp = ReachPoint
    if area["type"] == "circle":
        conditions = index_conditions(session, area, (area["lat"], area["lon"]))
    else:
        conditions = [_area_filter(session, area, rp.__table__, _polygons_of(session, area))]
    query = select(func.count()).select_from(rp)
    return sum(session.scalar(query.where(c) if c is not None else query) for c in conditions)


def count_ring_locations(session, centre, inner_m, outer_m):
    """How many reach points the grid cells of the ring from inner_m to outer_m around `centre` hold (a bound,
    from the cell index alone)."""
    query = select(func.count()).select_from(ReachPoint)
    return sum(session.scalar(query.where(condition))
               for condition in index_conditions(session, {"type": "country"}, centre, (inner_m, outer_m)))


def _distance_sql(points, lat, lon):
    """core.geo.distance_m from (lat, lon) to a row of `points`, as SQL (SQLite's math functions, PostgreSQL)."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    half_dlat = func.sin((func.radians(points.c.lat) - lat_r) / 2)
    half_dlon = func.sin((func.radians(points.c.lon) - lon_r) / 2)
    a = half_dlat * half_dlat + math.cos(lat_r) * func.cos(func.radians(points.c.lat)) * half_dlon * half_dlon
    return 2 * EARTH_RADIUS_M * func.asin(func.sqrt(a))


def count_recipients(session, area, test_only=False):
    """How many alerts the area holds (one per participant per channel; an exercise's: the test participants'
    alone); circles and municipalities are counted by the database alone, a polygon by its exact test here."""
    polygons = _polygons_of(session, area)
    if polygons is not None:
        # Its rows hold a participant's extra numbers and locations too (alerts_query): counted once each.
        found = alerts_query(session, area, test_only=test_only, ranked=False).order_by(None).subquery()
        return session.scalar(select(func.count()).select_from(
            select(found.c.participant_id, found.c.channel).distinct().subquery()))
    points = ReachPoint.__table__
    pairs = select(points.c.participant_id, points.c.channel)
    if test_only:
        pairs = pairs.where(points.c.participant_id.in_(test_participants()))
    if area["type"] == "circle":
        centre = (area["lat"], area["lon"])
        pairs = pairs.where(and_(or_(*index_conditions(session, area, centre)),
                                 _distance_sql(points, *centre) <= area["radius_m"]))
    else:
        where = _area_filter(session, area, points)
        if where is not None:
            pairs = pairs.where(where)
    return session.scalar(select(func.count()).select_from(pairs.distinct().subquery()))


def quiet_hours_end(end, now_local):
    """The next moment the quiet hours are over, as an aware datetime in now_local's zone."""
    candidate = now_local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= now_local:
        candidate += timedelta(days=1)
    return candidate
