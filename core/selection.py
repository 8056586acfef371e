"""Who an action reaches: the participants in its area, nearest first, with the number per channel."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from .errors import ValidationError
from .geo import cell_ranges, check_point, distance_m
from .models import Municipality, Participant, ParticipantLocation, PhoneNumber

CHUNK = 900  # ids per IN list: under every database's parameter limit


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


def _participants_in_region(session, area, centre):
    query = select(ParticipantLocation.participant_id, ParticipantLocation.lat, ParticipantLocation.lon)
    if area["type"] == "municipalities":
        query = (query.join(Participant, Participant.id == ParticipantLocation.participant_id)
                 .join(Municipality, Municipality.id == Participant.municipality_id)
                 .where(Municipality.code.in_(area["codes"])))
    nearest = {}
    for pid, plat, plon in session.execute(query):
        d = distance_m(centre[0], centre[1], plat, plon) if centre else 0.0
        if d < nearest.get(pid, float("inf")):
            nearest[pid] = d
    return sorted(nearest.items(), key=lambda item: (item[1], item[0]))


def in_quiet_hours(start, end, now_local):
    if start is None or end is None:
        return False
    t = now_local.time()
    return start <= t < end if start <= end else (t >= start or t < end)


def select_recipients(session, area, tz="Europe/Amsterdam", now=None, centre=None):
    """One Recipient per participant per channel (their first usable number), nearest first."""
    if area["type"] == "circle":
        ranked = participants_in_circle(session, area["lat"], area["lon"], area["radius_m"])
    else:
        ranked = _participants_in_region(session, area, centre)
    now_local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    distance = dict(ranked)
    found = {}
    ids = [pid for pid, _ in ranked]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = session.execute(
            select(PhoneNumber.participant_id, PhoneNumber.id, PhoneNumber.e164, PhoneNumber.channel,
                   Participant.quiet_start, Participant.quiet_end)
            .join(Participant, Participant.id == PhoneNumber.participant_id)
            .where(and_(PhoneNumber.participant_id.in_(chunk), Participant.active.is_(True),
                        PhoneNumber.confirmed.is_(True), PhoneNumber.unsubscribed.is_(False)))
            .order_by(PhoneNumber.id))
        for pid, nid, e164, channel, q_start, q_end in rows:
            if (pid, channel) not in found:
                quiet_until = quiet_hours_end(q_end, now_local) if in_quiet_hours(q_start, q_end, now_local) else None
                found[(pid, channel)] = Recipient(pid, nid, e164, channel, int(round(distance[pid])), quiet_until)
    return sorted(found.values(), key=lambda r: (r.distance_m, r.participant_id, r.channel))


def quiet_hours_end(end, now_local):
    """The next moment the quiet hours are over, as an aware datetime in now_local's zone."""
    candidate = now_local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= now_local:
        candidate += timedelta(days=1)
    return candidate
