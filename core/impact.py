"""What a launch would do, before it is sent: the impact preview (web and the API's dry_run).

Per channel: how many the launch reaches, how many are in their quiet hours (and what happens to
them), how many were already alerted ALERT_FATIGUE_COUNT times or more in the last seven days, how
many another active action's area also holds; the SMS segments and what they cost; how long the
trunks' and senders' limits take to reach everyone. Launches that are large or unusual are
flagged, so a slip of the mouse (a radius ten times the usual) is seen before 21,000 phones ring.

The area is read ring by ring like the ledger writes it (core.ledger_rings), so a national preview
never holds the whole register in memory. Nothing is written.
"""
import math
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import and_, func, select

from . import ledger_rings
from .configuration import trunk_for_room
from .models import Action, ControlRoom, Delivery, MailPreference, Participant, ReachPoint, utcnow
from .polygons import span_m
from .selection import area_reach_m, inside_area, select_recipients
from .sms_texts import LANGUAGES as SMS_LANGUAGES, compose_alert

CHANNELS = ("voice", "sms", "email")
FATIGUE_WINDOW = timedelta(days=7)
# An SMS preview's code: the launch picks the real one, of this length while four digits last.
PREVIEW_CODE = "0000"
# A kind's usual radius when fewer than USUAL_MIN_ACTIONS of its circle actions are on record.
USUAL_RADIUS_M = {"burglary": 1000, "robbery": 2000, "missing_person": 3000, "vehicle": 5000,
                  "amber_alert": 10000, "information": 2000}
USUAL_MIN_ACTIONS = 5
USUAL_HISTORY = 50
CHUNK = 500


@dataclass
class ChannelImpact:
    reached: int = 0
    in_quiet_hours: int = 0
    fatigued: int = 0  # alerted ALERT_FATIGUE_COUNT+ times in the last 7 days
    overlapping: int = 0  # also inside another active action's area

    def as_dict(self):
        return dict(self.__dict__)


@dataclass
class Impact:
    participants: int
    channels: dict
    quiet_hours_handling: str  # "sent_now" (time-critical) | "held_until_quiet_hours_end"
    quiet_hours_first_end: str | None  # ISO time the earliest held alert goes out
    sms: dict  # {"segments": {"nl": n, "en": n}, "messages": n, "cost_eur": x, "cost_per_segment_eur": x}
    duration_s: dict  # {"voice": s, "sms": s, "all": s}
    limits: dict  # the limits the duration is computed at
    usual_radius_m: int | None
    flags: list = field(default_factory=list)  # [{"flag": name, "detail": text}]
    needs_approval: bool = False
    exercise: bool = False  # an exercise: every count is of the test participants alone
    unreachable: int = 0  # chose alerts only by e-mail, have no number, and their address bounced

    def as_dict(self, min_participants=1):
        """The preview as the web and the API show it. With fewer than `min_participants` people in the area
        it says only that it is fewer (as core.estimate does): no count, nor a figure that gives one away. An
        exercise's counts are of the test and staff participants, who are no one to protect from the count:
        a drill of three colleagues is told it reaches three."""
        if self.participants < min_participants and not self.exercise:
            return {"participants": None, "fewer_than": min_participants, "channels": None,
                    "quiet_hours_handling": self.quiet_hours_handling, "quiet_hours_first_end": None,
                    "sms": {"segments": self.sms["segments"], "cost_per_segment_eur": self.sms["cost_per_segment_eur"]},
                    "duration_s": None, "limits": self.limits, "usual_radius_m": self.usual_radius_m,
                    "flags": [f for f in self.flags if f["flag"] != "unreachable"],  # a count, too
                    "needs_approval": self.needs_approval, "exercise": self.exercise, "unreachable": None}
        return {"participants": self.participants, "fewer_than": None,
                "channels": {c: v.as_dict() for c, v in self.channels.items()},
                "quiet_hours_handling": self.quiet_hours_handling,
                "quiet_hours_first_end": self.quiet_hours_first_end, "sms": self.sms,
                "duration_s": self.duration_s, "limits": self.limits, "usual_radius_m": self.usual_radius_m,
                "flags": self.flags, "needs_approval": self.needs_approval, "exercise": self.exercise,
                "unreachable": self.unreachable}


def preview(session, config, request, now=None):
    """The impact of launching `request` (a core.actions.LaunchRequest) now."""
    now = now or utcnow()
    channels = {c: ChannelImpact() for c in CHANNELS}
    fatigued_ids = _fatigued(session, now, config["ALERT_FATIGUE_COUNT"])
    others = list(session.scalars(select(Action).where(Action.status == "active")))
    participants, seen, quiet_ends = set(), set(), []
    for ring in _rings(session, config, request.area, now, request.exercise):
        # Who a nearer location put in an earlier ring appears again by the farther one: counted once.
        recipients = [r for r in ring if (r.participant_id, r.channel) not in seen]
        seen.update((r.participant_id, r.channel) for r in recipients)
        overlap = _overlapping(session, others, {r.participant_id for r in recipients})
        for r in recipients:
            counts = channels.setdefault(r.channel, ChannelImpact())
            counts.reached += 1
            participants.add(r.participant_id)
            if r.quiet_until is not None:
                counts.in_quiet_hours += 1
                quiet_ends.append(r.quiet_until)
            if r.participant_id in fatigued_ids:
                counts.fatigued += 1
            if r.participant_id in overlap:
                counts.overlapping += 1
    room = session.get(ControlRoom, request.control_room_id)
    free_number = room.free_number if room else config["FREE_NUMBER"]
    sms = _sms(request.message, free_number, channels["sms"].reached, config, request.exercise)
    limits = voice_limits(session, config, room)
    held = 0 if request.time_critical else 1
    duration = _duration(channels, limits, config, held)
    usual = usual_radius_m(session, request.kind)
    impact = Impact(len(participants), channels,
                    "sent_now" if request.time_critical else "held_until_quiet_hours_end",
                    min(quiet_ends).isoformat() if quiet_ends and not request.time_critical else None,
                    sms, duration, limits, usual, exercise=request.exercise)
    impact.unreachable = len(_unreachable_mail_only(session, request.area, request.exercise))
    impact.flags = _flags(request, impact, config, usual)
    impact.needs_approval = needs_approval(request, impact.participants, config)
    return impact


def _rings(session, config, area, now, test_only=False):
    """The area's recipients (an exercise's: the test participants), one ring at a time as the ledger writer
    would read them."""
    centre = ledger_rings.centre_of(SimpleNamespace(area=area), config)
    reach = area_reach_m(session, area, centre)
    state = SimpleNamespace(area=area, ledger_m=None, ledger_rows=0)
    while True:
        inner, outer = ledger_rings.next_ring(session, state, reach, centre)
        recipients = select_recipients(session, area, config["TIMEZONE"], now=now, centre=centre,
                                       ring=(inner, outer), test_only=test_only)
        yield recipients
        state.ledger_m, state.ledger_rows = outer, state.ledger_rows + len(recipients)
        if outer >= reach:
            return


def _fatigued(session, now, count):
    """Participants alerted (reached) by `count` or more actions in the last seven days (exercises left out)."""
    query = (select(Delivery.participant_id)
             .join(Action, Action.id == Delivery.action_id)
             .where(and_(Action.exercise.is_(False), Delivery.purpose == "alert", Delivery.action_id.is_not(None),
                         Delivery.participant_id.is_not(None), Delivery.reached_at >= now - FATIGUE_WINDOW))
             .group_by(Delivery.participant_id)
             .having(func.count(func.distinct(Delivery.action_id)) >= count))
    return set(session.scalars(query))


def _unreachable_mail_only(session, area, test_only=False):
    """The area's participants (an exercise's: the test participants) who chose alerts only by e-mail and have
    no reach point at all: their address is no longer confirmed (it bounced, or they changed it) and they have
    no usable number to fall back to."""
    has_point = select(ReachPoint.id).where(ReachPoint.participant_id == Participant.id).exists()
    query = (select(Participant.id).join(MailPreference, MailPreference.participant_id == Participant.id)
             .where(and_(Participant.active, MailPreference.alerts_only, ~has_point)))
    ids = list(session.scalars(query.where(Participant.test) if test_only else query))
    found = set()
    for start in range(0, len(ids), CHUNK):
        found |= inside_area(session, area, ids[start:start + CHUNK])
    return found


def _overlapping(session, others, participant_ids):
    """Which of these participants another active action's area holds too."""
    found = set()
    ids = sorted(participant_ids)
    for other in others:
        for start in range(0, len(ids), CHUNK):
            found |= inside_area(session, other.area, ids[start:start + CHUNK])
    return found


def _sms(message, free_number, messages, config, exercise=False):
    segments = {}
    for language in SMS_LANGUAGES:
        segments[language] = compose_alert(message, PREVIEW_CODE, free_number, language=language,
                                           exercise=exercise).segments
    price = config["SMS_COST_PER_SEGMENT_EUR"]
    # Priced at the longer language's segments: what the launch costs at most.
    return {"segments": segments, "messages": messages, "cost_per_segment_eur": price,
            "cost_eur": round(messages * max(segments.values()) * price, 2)}


def voice_limits(session, config, room):
    """The limits alert calls of this room go out at: its trunk's (or the shared one's), else the fallback
    trunk's configuration; and the SMS sender's rate."""
    backend = config["VOICE_TRANSPORT"]
    if backend == "per-room":
        backend = room.voice_backend if room else config["VOICE_DIRECT_BACKEND"]
    trunk = trunk_for_room(session, backend, room.id if room else None) if backend in ("asterisk", "twilio") else None
    if trunk is not None:
        channels, cps, name = trunk.channel_limit, trunk.calls_per_second, trunk.name
    elif backend == "twilio":
        channels, cps, name = config["TRUNK_CHANNEL_LIMIT"], config["TWILIO_CALLS_PER_S"], "twilio"
    else:
        channels, cps, name = config["TRUNK_CHANNEL_LIMIT"], config["TRUNK_CPS"], config["TRUNK_NAME"]
    return {"trunk": name, "backend": backend, "channels": channels, "calls_per_second": cps,
            "call_s": config["ALERT_CALL_AVERAGE_S"], "sms_per_second": config["SMS_RATE_PER_S"]}


def _duration(channels, limits, config, hold_quiet):
    """Seconds until everyone sent now is reached: calls are held up by the trunk's channels (each call lasts
    about ALERT_CALL_AVERAGE_S) or its calls per second, whichever is slower; SMS by the sender's rate.
    Alerts held for quiet hours are not counted (they go when those end)."""
    calls = channels["voice"].reached - hold_quiet * channels["voice"].in_quiet_hours
    texts = channels["sms"].reached - hold_quiet * channels["sms"].in_quiet_hours
    voice = max(calls / limits["calls_per_second"], calls * limits["call_s"] / limits["channels"]) if calls else 0
    sms = texts / limits["sms_per_second"] if texts else 0
    return {"voice": math.ceil(voice), "sms": math.ceil(sms), "all": math.ceil(max(voice, sms))}


def usual_radius_m(session, kind):
    """The median radius of the kind's recent circle actions, or its default while few are on record."""
    areas = session.scalars(select(Action.area).where(Action.kind == kind).order_by(Action.id.desc())
                            .limit(USUAL_HISTORY))
    radii = [a["radius_m"] for a in areas if isinstance(a, dict) and a.get("type") == "circle"]
    if len(radii) >= USUAL_MIN_ACTIONS:
        return int(statistics.median(radii))
    return USUAL_RADIUS_M.get(kind)


def is_wide_area(area):
    """A region, municipalities or the whole country (what only an AMBER alert may cover)."""
    return area["type"] in ("regions", "municipalities", "country")


def needs_approval(request, participants, config):
    """Four-eyes: a national or regional AMBER alert, or any launch above LAUNCH_APPROVAL_PARTICIPANTS."""
    return (request.kind == "amber_alert" and is_wide_area(request.area)) \
        or participants > config["LAUNCH_APPROVAL_PARTICIPANTS"]


def _flags(request, impact, config, usual):
    """What makes the launch large or unusual: `value` against `limit` where there is one, `detail` in words."""
    flags = []
    if impact.participants > config["LAUNCH_LARGE_PARTICIPANTS"]:
        flags.append({"flag": "large", "value": impact.participants, "limit": config["LAUNCH_LARGE_PARTICIPANTS"],
                      "detail": f"{impact.participants} participants, more than {config['LAUNCH_LARGE_PARTICIPANTS']}"})
    area = request.area
    radius = area["radius_m"] if area["type"] == "circle" else (
        span_m(area["polygons"]) / 2 if area["type"] == "polygon" else None)
    factor = config["LAUNCH_UNUSUAL_RADIUS_FACTOR"]
    if radius is not None and usual and radius > factor * usual:
        flags.append({"flag": "unusual_radius", "value": int(radius), "limit": usual, "factor": factor,
                      "detail": f"radius {int(radius)} m, more than {factor:g} times the usual {usual} m of a "
                                f"{request.kind}"})
    if impact.unreachable:
        flags.append({"flag": "unreachable", "value": impact.unreachable,
                      "detail": f"{impact.unreachable} participants in the area chose alerts only by e-mail, "
                                "their address bounced and they have no number: not reachable"})
    if area["type"] == "country":
        flags.append({"flag": "national", "detail": "the whole country"})
    elif is_wide_area(area):
        flags.append({"flag": "regional", "detail": f"{area['type']}: {', '.join(area['codes'])}"})
    return flags
