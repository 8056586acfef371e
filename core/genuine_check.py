"""Proof that a call or message is genuine: anyone who doubts an alert keys or types its code and
learns whether the police sent it, about what, and whether it is still on (issue 19).

What is shown is what the alert itself said to everyone in the area: the title, the kind, the status,
a place name and when it started; never who was alerted, the description or the operator. The code
space is small (4 to 6 digits), so lookups are counted per client address in Redis and refused above
GENUINE_CHECKS_PER_HOUR; the first refusal of an address in an hour is in the audit trail, under a
keyed hash of the address (enough to see one source guessing, no address kept).
"""
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from . import audit
from .errors import ValidationError
from .models import Action, Municipality, Publication, Region
from .public_texts import area_description

_CODE = re.compile(r"\d{4,6}")
# "Damrak 1, 1012 LG Amsterdam": the place is what follows the postcode.
_PLACE_OF_ADDRESS = re.compile(r",\s*\d{4}\s?[A-Za-z]{2}\s+(?P<place>.+)$")


@dataclass(frozen=True)
class GenuineAlert:
    """The public facts of one action, as the check shows or says them."""

    code: str
    title: str
    kind: str
    status: str  # active | ended
    place: str | None  # a place name, or None when the area has none (a drawn area, a bare circle)
    area: dict  # for area_description: the type and radius only
    launched_at: datetime
    ended_at: datetime | None
    exercise: bool = False  # a drill (OEFENING): genuine, but nobody is being looked for

    def area_text(self, language):
        """The area as the public alert texts describe it ("Weesp en omgeving (1 km)")."""
        return area_description(self.area, "en" if language == "en" else "nl", self.place)


def read_code(raw):
    """The code as typed ("12 34", "1234") or keyed; ValidationError naming `code` otherwise."""
    code = "".join(str(raw or "").split())
    if not _CODE.fullmatch(code):
        raise ValidationError("code", "must be the 4 to 6 digits of the code in the message")
    return code


def find(session, code):
    """The active action with this code, else the latest ended one that had it; None when none."""
    action = session.scalars(select(Action).where(Action.code == code)
                             .order_by((Action.status == "active").desc(), Action.launched_at.desc())
                             .limit(1)).first()
    if action is None:
        return None
    area = {key: action.area[key] for key in ("type", "radius_m") if key in action.area}
    return GenuineAlert(action.code, action.title, action.kind, action.status, place_of(session, action), area,
                        action.launched_at, action.ended_at, action.exercise)


def place_of(session, action):
    """A place name for the action's area: the published alert's, the place of a circle's address, the
    names of its regions or municipalities; None when the area has no name."""
    named = session.scalar(select(Publication.area_name).where(Publication.action_id == action.id))
    if named:
        return named
    area = action.area
    if area["type"] == "circle" and area.get("address"):
        match = _PLACE_OF_ADDRESS.search(area["address"])
        return match.group("place").strip() if match else None
    if area["type"] in ("regions", "municipalities"):
        model = Region if area["type"] == "regions" else Municipality
        names = session.scalars(select(model.name).where(model.code.in_(area["codes"])).order_by(model.name))
        return ", ".join(names) or None
    return None


class CheckLimits:
    """Lookups per client address per fixed hour, in Redis (one installation: its QUEUE_PREFIX)."""

    def __init__(self, redis, config, secret):
        self.redis = redis
        self.prefix = f"{config['QUEUE_PREFIX']}:genuine"
        self.per_hour = config["GENUINE_CHECKS_PER_HOUR"]
        self.secret = secret.encode() if isinstance(secret, str) else secret

    def _address_key(self, address):
        digest = hmac.new(self.secret, f"genuine-address:{address or '-'}".encode(), hashlib.sha256).hexdigest()
        return digest[:16]

    def allows(self, session, address):
        """Count one lookup from `address`; False once the hour's limit is passed. The first refusal
        in the hour is audited."""
        digest = self._address_key(address)
        key = f"{self.prefix}:{digest}"
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 3600, nx=True)
        used, _ = pipe.execute()
        if used <= self.per_hour:
            return True
        if used == self.per_hour + 1:
            audit.record(session, "public", "genuine_check.refused", "client", digest,
                         {"limit_per_hour": self.per_hour})
        return False
