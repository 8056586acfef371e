"""Who a neighbourhood mail reaches: participants in its area with a confirmed address who want that kind.

Areas: a circle of tens of metres around an address or point, a polygon drawn on the map (core.polygons,
as an action's), a postcode area (the four digits, or the full postcode), or a whole municipality. A
circle or polygon reads the same grid-cell index as an action's launch; the postcode is matched in the
location's address.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from .errors import ValidationError
from . import polygons as geometry
from .geo import box_cell_ranges, cell_ranges, check_point, distance_m
from .models import MailPreference, Municipality, Participant, ParticipantLocation
from .selection import in_quiet_hours, quiet_hours_end

MIN_RADIUS_M = 10
MAX_RADIUS_M = 5000
MAX_POLYGON_SPAN_M = 20_000  # a drawn neighbourhood; larger is a municipality or a postcode area
POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Z]{2})?$")
# Which preference a kind of mail needs.
PREFERENCE_OF_KIND = {"inquiry": "inquiries", "information": "information"}


@dataclass(frozen=True)
class MailRecipient:
    participant_id: int
    address: str
    language: str
    distance_m: int
    quiet_until: datetime | None


def validate_mail_area(area):
    """A checked area description: circle, postcode or municipality."""
    if not isinstance(area, dict):
        raise ValidationError("area", "must be an object")
    kind = area.get("type")
    if kind == "circle":
        lat, lon = check_point(area.get("lat"), area.get("lon"), "area")
        radius = area.get("radius_m")
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            raise ValidationError("area.radius_m", "must be %(min)s to %(max)s metres", min=MIN_RADIUS_M,
                                  max=MAX_RADIUS_M)
        return {"type": "circle", "lat": lat, "lon": lon, "radius_m": int(radius)}
    if kind == "polygon":
        polygons = geometry.from_geojson(area.get("geometry"), "area.geometry")
        if geometry.span_m(polygons) > MAX_POLYGON_SPAN_M:
            raise ValidationError("area.geometry", "may span at most %(km)s km", km=MAX_POLYGON_SPAN_M // 1000)
        return {"type": "polygon", "polygons": polygons}
    if kind == "postcode":
        match = POSTCODE.match(str(area.get("postcode") or "").strip().upper())
        if not match:
            raise ValidationError("area.postcode", "must be a Dutch postcode: four digits, optionally two letters")
        return {"type": "postcode", "postcode": match.group(1) + (match.group(2) or "")}
    if kind == "municipality":
        code = area.get("code")
        if not isinstance(code, str) or not code:
            raise ValidationError("area.code", "must name a municipality")
        return {"type": "municipality", "code": code}
    raise ValidationError("area.type", "must be circle, polygon, postcode or municipality")


def _postcode_matches(postcode, address):
    digits, letters = postcode[:4], postcode[4:]
    pattern = rf"\b{digits}\s?{letters}\b" if letters else rf"\b{digits}\s?[A-Z]{{2}}\b"
    return bool(address and re.search(pattern, address.upper()))


def select_mail_recipients(session, area, kind, municipality_id=None, tz="Europe/Amsterdam", now=None):
    """One MailRecipient per participant, nearest first; only within `municipality_id` when given."""
    loc, pref = ParticipantLocation, MailPreference
    query = (select(loc.participant_id, loc.lat, loc.lon, loc.address, Participant.email, Participant.language,
                    Participant.quiet_start, Participant.quiet_end)
             .join(Participant, Participant.id == loc.participant_id)
             .join(pref, pref.participant_id == loc.participant_id)
             .where(and_(Participant.active.is_(True), pref.confirmed_address == Participant.email,
                         getattr(pref, PREFERENCE_OF_KIND[kind]).is_(True))))
    centre = None
    if area["type"] == "circle":
        centre = (area["lat"], area["lon"])
        query = query.where(or_(*[loc.cell.between(lo, hi)
                                  for lo, hi in cell_ranges(area["lat"], area["lon"], area["radius_m"])]))
    elif area["type"] == "polygon":
        centre = geometry.centre(area["polygons"])
        query = query.where(or_(*[loc.cell.between(lo, hi)
                                  for lo, hi in box_cell_ranges(*geometry.bbox(area["polygons"]))]))
    elif area["type"] == "postcode":
        query = query.where(loc.address.like(f"%{area['postcode'][:4]}%"))
    else:
        query = query.where(Participant.municipality_id == select(Municipality.id).where(
            Municipality.code == area["code"]).scalar_subquery())
    if municipality_id is not None:
        query = query.where(Participant.municipality_id == municipality_id)
    now_local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    found = {}
    for pid, lat, lon, address, email, language, q_start, q_end in session.execute(query):
        if area["type"] == "postcode" and not _postcode_matches(area["postcode"], address):
            continue
        if area["type"] == "polygon" and not geometry.contains(area["polygons"], lat, lon):
            continue
        d = distance_m(centre[0], centre[1], lat, lon) if centre else 0.0
        if area["type"] == "circle" and d > area["radius_m"]:
            continue
        if pid not in found or d < found[pid].distance_m:
            quiet = quiet_hours_end(q_end, now_local) if in_quiet_hours(q_start, q_end, now_local) else None
            found[pid] = MailRecipient(pid, email, language, int(round(d)), quiet)
    return sorted(found.values(), key=lambda r: (r.distance_m, r.participant_id))

