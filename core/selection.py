"""Who an action reaches: the participants in its area, nearest first, with the number per channel."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from .errors import ValidationError
from .geo import cell_ranges, check_point, distance_m
from .models import Municipality, Participant, ParticipantLocation, PhoneNumber

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
    if kind != "amber_alert":
        raise ValidationError("area.type", "only an AMBER alert may cover a region or the whole country")
    if area_type == "municipalities":
        codes = area.get("codes")
        if not codes or not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ValidationError("area.codes", "must be a list of municipality codes")
        return {"type": "municipalities", "codes": sorted(set(codes))}
    if area_type == "country":
        return {"type": "country"}
    raise ValidationError("area.type", "must be circle, municipalities or country")


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


def _area_filter(area):
    loc = ParticipantLocation
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
    where = _area_filter(area)
    if where is not None:
        query = query.where(where)
    if area["type"] == "circle":
        centre, radius = (area["lat"], area["lon"]), area["radius_m"]
    else:
        radius = float("inf")
    now_local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    distance, numbers, quiet = {}, {}, {}
    for pid, plat, plon, nid, e164, channel, q_start, q_end in session.execute(query):
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
