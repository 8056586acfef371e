"""Proof that a call or message is genuine: anyone who doubts an alert keys or types its code and
learns whether the police sent it, about what, and whether it is still on (issue 19).

What is shown is what the alert itself said to everyone in the area: the title, the kind, the status,
a place name and when it started; never who was alerted, the description or the operator. The code
space is small (4 to 6 digits), so lookups are counted in Redis: on the page per client address
(GENUINE_CHECKS_PER_HOUR), on the free number per calling number across calls, with one shared budget
for withheld numbers (PhoneCheckLimits). The first refusal of a source in an hour is in the audit trail,
under a keyed hash of it (enough to see one source guessing, no address or number kept).
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
    """Lookups per source (a client address, a calling number) per fixed hour, in Redis under `prefix`."""

    def __init__(self, redis, prefix, per_hour, secret, subject_type="client"):
        self.redis = redis
        self.prefix = prefix
        self.per_hour = per_hour
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.subject_type = subject_type

    @classmethod
    def of_page(cls, redis, config, secret):
        """The public page's: per client address (one installation: its QUEUE_PREFIX)."""
        return cls(redis, f"{config['QUEUE_PREFIX']}:genuine", config["GENUINE_CHECKS_PER_HOUR"], secret)

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
            audit.record(session, "public", "genuine_check.refused", self.subject_type, digest,
                         {"limit_per_hour": self.per_hour})
        return False


WITHHELD = "withheld"  # the one source of every call without a caller ID


class PhoneCheckLimits:
    """The free number's checks across calls: per calling number (GENUINE_PHONE_CHECKS_PER_HOUR), and
    one shared, larger budget for calls without a caller ID (GENUINE_WITHHELD_CHECKS_PER_HOUR), so that
    withholding the number does not escape the limit, and one such caller cannot lock out every other
    withheld caller for long (the budget is per fixed hour)."""

    def __init__(self, redis, db, config, secret):
        self.db = db
        prefix = f"{config['QUEUE_PREFIX']}:genuine-phone"
        self.per_number = CheckLimits(redis, prefix, config["GENUINE_PHONE_CHECKS_PER_HOUR"], secret, "caller")
        self.withheld = CheckLimits(redis, f"{prefix}-withheld", config["GENUINE_WITHHELD_CHECKS_PER_HOUR"], secret,
                                    "caller")

    def allows(self, caller_e164):
        """Count one check from this caller (None: withheld or unknown); False over its limit."""
        limits, source = (self.per_number, caller_e164) if caller_e164 else (self.withheld, WITHHELD)
        with self.db.session() as session:
            return limits.allows(session, source)
