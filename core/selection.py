"""Who an action reaches: the participants in its area, nearest first, with the number per channel."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from .errors import ValidationError
from . import polygons as geometry
from .geo import box_cell_ranges, cell_ranges, check_point, distance_m
from .models import Municipality, Participant, ParticipantLocation, PhoneNumber, Region

@dataclass(frozen=True)
class Recipient:
    participant_id: int
    phone_number_id: int
    to_e164: str
    channel: str
    distance_m: int
    quiet_until: datetime | None  # end of the participant's quiet hours, when inside them now


def validate_area(area, kind, max_radius_m):
    """Check an area description; only an AMBER alert may cover municipalities or the whole country."""
    if not isinstance(area, dict):
        raise ValidationError("area", "must be an object")
    area_type = area.get("type", "circle")
    if area_type == "circle":
        lat, lon = check_point(area.get("lat"), area.get("lon"), "area")
        radius = area.get("radius_m")
        if isinstance(radius, bool) or not isinstance(radius, (int, float)):
            raise ValidationError("area.radius_m", "must be a number of metres")
        if not 0 < radius <= max_radius_m:
            raise ValidationError("area.radius_m", f"must be more than 0 and at most {max_radius_m} metres")
        return {"type": "circle", "lat": lat, "lon": lon, "radius_m": int(radius)}
    if area_type == "polygon":
        polygons = geometry.from_geojson(area.get("geometry"), "area.geometry")
        if kind != "amber_alert" and geometry.span_m(polygons) > 2 * max_radius_m:
            raise ValidationError("area.geometry", f"is larger than {2 * max_radius_m // 1000} km across")
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
        raise ValidationError("area.codes", f"unknown region {', '.join(missing)}")
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


def _area_filter(area, polygons=None):
    loc = ParticipantLocation
    if polygons is not None:
        return or_(*[loc.cell.between(lo, hi) for polygon in polygons
                     for lo, hi in box_cell_ranges(*geometry.bbox([polygon]))])
    if area["type"] == "circle":
        return or_(*[loc.cell.between(lo, hi) for lo, hi in cell_ranges(area["lat"], area["lon"], area["radius_m"])])
    if area["type"] == "municipalities":
        return Participant.municipality_id.in_(
            select(Municipality.id).where(Municipality.code.in_(area["codes"])).scalar_subquery())
    return None  # the whole country


def select_recipients(session, area, tz="Europe/Amsterdam", now=None, centre=None):
    """One Recipient per participant per channel (their first usable number), nearest first.

    One query joins the area's locations to active participants and their usable numbers; the
    exact circle and the distances are computed here. A region is ranked from `centre` if given.
    """
    loc = ParticipantLocation
    query = (select(loc.participant_id, loc.lat, loc.lon, PhoneNumber.id, PhoneNumber.e164, PhoneNumber.channel,
                    Participant.quiet_start, Participant.quiet_end)
             .join(Participant, Participant.id == loc.participant_id)
             .join(PhoneNumber, PhoneNumber.participant_id == loc.participant_id)
             .where(and_(Participant.active.is_(True), PhoneNumber.confirmed.is_(True),
                         PhoneNumber.unsubscribed.is_(False))))
    polygons = _polygons_of(session, area)
    where = _area_filter(area, polygons)
    if where is not None:
        query = query.where(where)
    if area["type"] == "circle":
        centre, radius = (area["lat"], area["lon"]), area["radius_m"]
    else:
        radius = float("inf")
        if area["type"] == "polygon" and centre is None:
            centre = tuple(area["centre"])
    now_local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    distance, numbers, quiet = {}, {}, {}
    for pid, plat, plon, nid, e164, channel, q_start, q_end in session.execute(query):
        if polygons is not None and not geometry.contains(polygons, plat, plon):
            continue
        d = distance_m(centre[0], centre[1], plat, plon) if centre else 0.0
        if d > radius:
            continue
        if d < distance.get(pid, float("inf")):
            distance[pid] = d
        key = (pid, channel)
        if key not in numbers or nid < numbers[key][0]:
            numbers[key] = (nid, e164)
        quiet[pid] = (q_start, q_end)
    quiet_until = {pid: quiet_hours_end(q_end, now_local) if in_quiet_hours(q_start, q_end, now_local) else None
                   for pid, (q_start, q_end) in quiet.items()}
    recipients = [Recipient(pid, nid, e164, channel, int(round(distance[pid])), quiet_until[pid])
                  for (pid, channel), (nid, e164) in numbers.items()]
    return sorted(recipients, key=lambda r: (r.distance_m, r.participant_id, r.channel))


def quiet_hours_end(end, now_local):
    """The next moment the quiet hours are over, as an aware datetime in now_local's zone."""
    candidate = now_local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= now_local:
        candidate += timedelta(days=1)
    return candidate
