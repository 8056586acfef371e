"""Who an action would reach, before it is launched: counts per channel and points for the map.

Uses the same selection as the launch (core.selection), so the number an operator sees is the
number of alerts the launch writes. Points are rounded to about 100 m and carry no identity:
the operator sees where people are, not who they are.
"""
from dataclasses import dataclass

from sqlalchemy import select

from .geo import distance_m
from .polygons import contains
from .models import ParticipantLocation
from .selection import select_recipients, validate_area

POINT_DECIMALS = 3
MAX_POINTS = 2000
CHANNELS = ("voice", "sms")


@dataclass(frozen=True)
class Estimate:
    participants: int
    per_channel: dict  # {"voice": n, "sms": n}
    in_quiet_hours: int  # participants whose alert waits unless the action is time-critical
    points: list  # [[lat, lon], ...] rounded, at most MAX_POINTS

    def as_dict(self):
        return {"participants": self.participants, "per_channel": self.per_channel,
                "in_quiet_hours": self.in_quiet_hours, "points": self.points}


def estimate_area(session, area, max_radius_m, timezone, now=None):
    """The reach of a circle or a drawn polygon (as an action of any kind could have it)."""
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
    return Estimate(len(participant_ids), per_channel, len(quiet),
                    _points(session, area, participant_ids))


def _inside(area, lat, lon):
    if area["type"] == "polygon":
        return contains(area["polygons"], lat, lon)
    return distance_m(area["lat"], area["lon"], lat, lon) <= area["radius_m"]


def _points(session, area, participant_ids):
    """Rounded home/work points inside the circle of the participants who will be reached."""
    if not participant_ids:
        return []
    loc = ParticipantLocation
    points = set()
    ids = sorted(participant_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(loc.lat, loc.lon).where(loc.participant_id.in_(ids[start:start + 500])))
        for plat, plon in rows:
            if _inside(area, plat, plon):
                points.add((round(plat, POINT_DECIMALS), round(plon, POINT_DECIMALS)))
        if len(points) >= MAX_POINTS:
            break
    return [list(p) for p in sorted(points)[:MAX_POINTS]]
