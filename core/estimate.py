"""Who an action would reach, before it is launched: counts per channel and points for the map.

Uses the same selection as the launch (core.selection), so the number an operator sees is the
number of alerts the launch writes. Points are snapped to the centres of a grid of 100 m by
100 m (in metres on the ground, not in degrees, which are 68 m wide here) and carry no identity:
the operator sees where people are, not who they are. An area with fewer than
ESTIMATE_MIN_PARTICIPANTS people in it gets no answer but "fewer than k" and no points: a tiny
circle around one house must not tell whether, or where, someone there takes part.
"""
import math
from dataclasses import dataclass

from sqlalchemy import select

from .errors import ValidationError
from .geo import distance_m
from .polygons import contains, parse_geojson
from .models import ParticipantLocation
from .selection import select_recipients, validate_area

GRID_M = 100.0
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)
POINT_DECIMALS = 5
MAX_POINTS = 2000
CHANNELS = ("voice", "sms")


@dataclass(frozen=True)
class Estimate:
    participants: int | None  # None: fewer than `fewer_than`, not said how many
    per_channel: dict | None  # {"voice": n, "sms": n}
    in_quiet_hours: int | None  # participants whose alert waits unless the action is time-critical
    points: list  # [[lat, lon], ...] on the 100 m grid, at most MAX_POINTS
    fewer_than: int | None = None

    def as_dict(self):
        return {"participants": self.participants, "per_channel": self.per_channel,
                "in_quiet_hours": self.in_quiet_hours, "points": self.points, "fewer_than": self.fewer_than}


def area_of_query(args):
    """The area a query string asks an estimate for: a circle (lat, lon, radius_m), or a drawn polygon
    (polygon: GeoJSON text, with its centre in lat and lon); ValidationError naming the parameter."""
    def number(name):
        try:
            return float(args.get(name, ""))
        except (TypeError, ValueError):
            raise ValidationError(name, "must be a number") from None
    if args.get("polygon"):
        return {"type": "polygon", "geometry": parse_geojson(args["polygon"]),
                "centre": {"lat": number("lat"), "lon": number("lon")}}
    return {"type": "circle", "lat": number("lat"), "lon": number("lon"), "radius_m": number("radius_m")}


def estimate_area(session, area, max_radius_m, timezone, now=None, min_participants=1):
    """The reach of a circle or a drawn polygon (as an action of any kind could have it); with fewer
    than `min_participants` in it, only that it is fewer."""
    area = validate_area(area, "burglary", max_radius_m)
    centre = (area["lat"], area["lon"]) if area["type"] == "circle" else None
    recipients = select_recipients(session, area, timezone, now=now, centre=centre)
    per_channel = dict.fromkeys(CHANNELS, 0)
    participant_ids, quiet = set(), set()
    for r in recipients:
        per_channel[r.channel] = per_channel.get(r.channel, 0) + 1
        participant_ids.add(r.participant_id)
        if r.quiet_until is not None:
            quiet.add(r.participant_id)
    if len(participant_ids) < min_participants:
        return Estimate(None, None, None, [], fewer_than=min_participants)
    return Estimate(len(participant_ids), per_channel, len(quiet),
                    _points(session, area, participant_ids))


def grid_point(lat, lon):
    """The centre of the GRID_M square that holds (lat, lon)."""
    lat_step = GRID_M / METRES_PER_DEGREE
    row = math.floor(lat / lat_step)
    centre_lat = (row + 0.5) * lat_step
    lon_step = GRID_M / (METRES_PER_DEGREE * math.cos(math.radians(centre_lat)))
    centre_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(centre_lat, POINT_DECIMALS), round(centre_lon, POINT_DECIMALS)


def _inside(area, lat, lon):
    if area["type"] == "polygon":
        return contains(area["polygons"], lat, lon)
    return distance_m(area["lat"], area["lon"], lat, lon) <= area["radius_m"]


def _points(session, area, participant_ids):
    """Home/work points, on the grid, inside the area of the participants who will be reached."""
    if not participant_ids:
        return []
    loc = ParticipantLocation
    points = set()
    ids = sorted(participant_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(loc.lat, loc.lon).where(loc.participant_id.in_(ids[start:start + 500])))
        for plat, plon in rows:
            if _inside(area, plat, plon):
                points.add(grid_point(plat, plon))
        if len(points) >= MAX_POINTS:
            break
    return [list(p) for p in sorted(points)[:MAX_POINTS]]
