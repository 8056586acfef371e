"""The free number's read side: who is calling and about which action, what an alert call says, and
where a call may go (core.call_routes).

The IVR reads through `InboundDirectory` (a read-only interface; every answer is a small frozen
value, cheap to keep in a flow's JSON state). The record of calls and tips is core.call_records';
the in-memory snapshot for the call path is core.directory_snapshot's.
"""
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select

from .call_routes import RouteInfo, routes_of
from .messages import language_of, message_for
from .models import Action, ControlRoom, Delivery, Participant, PhoneNumber, utcnow
from .numbers import normalise_caller_id

# A delivery in one of these states means the participant was (or is being) alerted; one who calls back
# after hearing the voicemail message is recognised too.
ALERTED_STATES = ("sending", "sent", "delivered", "answered", "voicemail")
# A caller alerted by an action that ended this recently is told it ended (not "no active alert").
RECENTLY_ENDED = timedelta(hours=6)


@dataclass(frozen=True)
class ActionSummary:
    """What a call flow needs to know about an action."""

    id: int
    code: str
    title: str
    status: str
    control_room_id: int
    alert_prompt: str | None = None
    exercise: bool = False  # a drill: the check on the free number says so

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class CallerMatch:
    """A caller recognised by number: the participant, the active actions that alerted them and
    (when none is active) those that ended in the last RECENTLY_ENDED and alerted them."""

    participant_id: int | None
    language: str | None
    actions: tuple[ActionSummary, ...]
    ended: tuple[ActionSummary, ...] = ()


@dataclass(frozen=True)
class AlertCall:
    """The outbound call of one voice delivery: who hears it, in which language, about what.

    `purpose` is the delivery's: "alert" (look out for ...) or "closing" (how the action ended).
    `text` is what is spoken; `prompt` the store key of its rendering (made at launch for the
    alert, at the closing call's send for the closing), None if none was made. `free_number` is
    the action's room's, for the message left on an answering machine."""

    delivery_id: int
    participant_id: int
    language: str
    action: ActionSummary
    text: str
    purpose: str = "alert"
    prompt: str | None = None
    free_number: str | None = None
    mobile: bool = False  # the number called is a mobile: it could take the alerts by SMS instead


# The columns of an ActionSummary, in its field order.
_SUMMARY_COLUMNS = (Action.id, Action.code, Action.title, Action.status, Action.control_room_id, Action.alert_prompt,
                    Action.exercise)


def action_summary(action):
    return ActionSummary(id=action.id, code=action.code, title=action.title, status=action.status,
                         control_room_id=action.control_room_id, alert_prompt=action.alert_prompt,
                         exercise=action.exercise)


class InboundDirectory:
    """Read-only answers for the call flows, each in one short session of its own."""

    def __init__(self, db, default_region="NL"):
        self.db = db
        self.default_region = default_region

    def identify(self, caller_e164):
        """The participant behind this number and the active actions that alerted them.

        A participant counts as alerted when any of their numbers was, so someone alerted by SMS
        on their mobile is recognised calling from their landline too. Plain column reads on one
        connection: this runs at the start of every call, and ORM entities cost more than the SQL.
        """
        if not caller_e164:
            return CallerMatch(None, None, ())
        with self.db.engine.connect() as conn:
            owner = conn.execute(
                select(Participant.id, Participant.language)
                .join(PhoneNumber, PhoneNumber.participant_id == Participant.id)
                .where(PhoneNumber.e164 == caller_e164)).first()
            alerted = [Delivery.to_e164 == caller_e164]
            if owner is not None:
                alerted.append(Delivery.participant_id == owner.id)
            current = or_(Action.status == "active",
                          and_(Action.status == "ended", Action.ended_at >= utcnow() - RECENTLY_ENDED))
            rows = conn.execute(
                select(*_SUMMARY_COLUMNS, Delivery.participant_id)
                .join(Delivery, Delivery.action_id == Action.id)
                .where(and_(current, Delivery.purpose == "alert",
                            Delivery.state.in_(ALERTED_STATES), or_(*alerted)))
                .order_by(Action.launched_at.desc(), Action.id.desc())).all()
        found, seen = {"active": [], "ended": []}, set()
        participant_id = owner.id if owner is not None else None
        for *summary, delivered_to in rows:
            participant_id = participant_id or delivered_to
            if summary[0] not in seen:
                seen.add(summary[0])
                action = ActionSummary(*summary)
                found[action.status].append(action)
        language = owner.language if owner is not None else None
        return CallerMatch(participant_id, language, tuple(found["active"]),
                           () if found["active"] else tuple(found["ended"]))

    def action_by_code(self, code):
        """The active action with this code, else the latest ended one that had it, else None."""
        if not code or not code.isdigit() or len(code) > 6:
            return None
        with self.db.Session() as session:
            action = session.scalars(
                select(Action).where(Action.code == code)
                .order_by((Action.status == "active").desc(), Action.launched_at.desc()).limit(1)).first()
            return action_summary(action) if action is not None else None

    def has_active_actions(self):
        with self.db.Session() as session:
            return session.scalar(select(Action.id).where(Action.status == "active").limit(1)) is not None

    def route(self, action_id):
        """The action's handling operator, the other operators of its control room, and its general line."""
        with self.db.engine.connect() as conn:
            return routes_of(conn, Action.id == action_id).get(action_id) or RouteInfo(action_id, None, (), None)

    def idle_line(self, dialled=None):
        """The general line of the control room behind the dialled free number (or the only control
        room), for callers when no action is active; None when there is none to put them through to."""
        with self.db.Session() as session:
            rooms = session.execute(select(ControlRoom.free_number, ControlRoom.general_line)
                                    .order_by(ControlRoom.id)).all()
        dialled_e164 = normalise_caller_id(dialled, self.default_region) if dialled else None
        if dialled:
            for free_number, general_line in rooms:
                if dialled_e164 and normalise_caller_id(free_number, self.default_region) == dialled_e164 \
                        or _digits(free_number) == _digits(dialled):
                    return general_line
        return rooms[0].general_line if len(rooms) == 1 else None

    def alert_call(self, delivery_id):
        """The call of a voice delivery (alert or closing), or None if there is no such delivery."""
        with self.db.Session() as session:
            row = session.execute(
                select(Delivery, Participant.language, Action, ControlRoom.free_number, PhoneNumber.kind)
                .join(Participant, Participant.id == Delivery.participant_id)
                .join(Action, Action.id == Delivery.action_id)
                .join(ControlRoom, ControlRoom.id == Action.control_room_id)
                .outerjoin(PhoneNumber, PhoneNumber.id == Delivery.phone_number_id)
                .where(Delivery.id == delivery_id)).first()
        if row is None:
            return None
        delivery, language, action, free_number, number_kind = row
        if delivery.channel != "voice":
            return None
        language = language_of(language)
        prompt = action.alert_prompt if delivery.purpose == "alert" else (delivery.detail or {}).get("prompt")
        return AlertCall(delivery.id, delivery.participant_id, language, action_summary(action),
                         message_for(action, "voice", delivery.purpose, language, free_number),
                         purpose=delivery.purpose, prompt=prompt, free_number=free_number,
                         mobile=number_kind == "mobile")


def _digits(number):
    return "".join(ch for ch in str(number or "") if ch.isdigit())
