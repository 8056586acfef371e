"""The free number's domain: who is calling and about which action, where a call may go, and the
record of every inbound call and tip.

The IVR reads through `InboundDirectory` (a read-only interface; every answer is a small frozen
value, cheap to keep in a flow's JSON state) and writes through `InboundCallLog`. All SQL of the
free number lives here, none in ivr/ or bridge/.
"""
import logging
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from .messages import language_of, message_for
from .models import Action, ControlRoom, Delivery, InboundCall, Operator, Participant, PhoneNumber, Tip, utcnow
from .numbers import mask, normalise_caller_id

log = logging.getLogger(__name__)

# A delivery in one of these states means the participant was (or is being) alerted.
ALERTED_STATES = ("sending", "sent", "delivered", "answered")
OUTCOMES = ("connected", "tip", "no_tip", "general_line", "no_action", "listened", "abandoned", "failed")
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
class OperatorRef:
    id: int
    dial_string: str
    available: bool


@dataclass(frozen=True)
class RouteInfo:
    """Everyone a call about one action may be put through to, in the order of the bridge."""

    action_id: int
    handler: OperatorRef | None
    others: tuple[OperatorRef, ...]
    general_line: str | None


@dataclass(frozen=True)
class AlertCall:
    """The outbound call of one voice delivery: who hears it, in which language, about what.

    `purpose` is the delivery's: "alert" (look out for ...) or "closing" (how the action ended).
    `text` is what is spoken; `prompt` the store key of its rendering (made at launch for the
    alert, at the closing call's send for the closing), None if none was made."""

    delivery_id: int
    participant_id: int
    language: str
    action: ActionSummary
    text: str
    purpose: str = "alert"
    prompt: str | None = None


# The columns of an ActionSummary, in its field order.
_SUMMARY_COLUMNS = (Action.id, Action.code, Action.title, Action.status, Action.control_room_id, Action.alert_prompt)


def action_summary(action):
    return ActionSummary(id=action.id, code=action.code, title=action.title, status=action.status,
                         control_room_id=action.control_room_id, alert_prompt=action.alert_prompt)


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
            return _routes(conn, Action.id == action_id).get(action_id) or RouteInfo(action_id, None, (), None)

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
                select(Delivery, Participant.language, Action, ControlRoom.free_number)
                .join(Participant, Participant.id == Delivery.participant_id)
                .join(Action, Action.id == Delivery.action_id)
                .join(ControlRoom, ControlRoom.id == Action.control_room_id)
                .where(Delivery.id == delivery_id)).first()
        if row is None:
            return None
        delivery, language, action, free_number = row
        if delivery.channel != "voice":
            return None
        language = language_of(language)
        prompt = action.alert_prompt if delivery.purpose == "alert" else (delivery.detail or {}).get("prompt")
        return AlertCall(delivery.id, delivery.participant_id, language, action_summary(action),
                         message_for(action, "voice", delivery.purpose, language, free_number),
                         purpose=delivery.purpose, prompt=prompt)


def _routes(conn, which):
    """RouteInfo of the actions `which` selects, by action id, in one statement (the handler is
    joined even when they moved to another control room)."""
    rows = conn.execute(
        select(Action.id.label("action_id"), Action.operator_id, ControlRoom.general_line, Operator.id,
               Operator.dial_string, Operator.available)
        .join(ControlRoom, ControlRoom.id == Action.control_room_id)
        .outerjoin(Operator, or_(Operator.control_room_id == ControlRoom.id, Operator.id == Action.operator_id))
        .where(which).order_by(Action.id, Operator.id)).all()
    by_action = defaultdict(list)
    for row in rows:
        by_action[row.action_id].append(row)
    routes = {}
    for action_id, rows in by_action.items():
        refs = {row.id: OperatorRef(row.id, row.dial_string, row.available) for row in rows if row.id is not None}
        handler = refs.pop(rows[0].operator_id, None)
        routes[action_id] = RouteInfo(action_id, handler, tuple(refs.values()), rows[0].general_line)
    return routes


def _fingerprint(conn):
    """What changes whenever the snapshot would: the alerted deliveries of active actions, the phone
    numbers, the active actions, operators and control rooms (the last three are small tables)."""
    alerted = conn.execute(
        select(func.count(), func.coalesce(func.sum(Delivery.id), 0)).select_from(Delivery)
        .join(Action, Action.id == Delivery.action_id)
        .where(Action.status == "active", Delivery.purpose == "alert", Delivery.state.in_(ALERTED_STATES))).one()
    numbers = conn.execute(select(func.count(), func.coalesce(func.sum(PhoneNumber.id), 0),
                                  func.coalesce(func.sum(PhoneNumber.participant_id), 0))).one()
    actions = conn.execute(select(*_SUMMARY_COLUMNS, Action.operator_id).where(Action.status == "active")
                           .order_by(Action.id)).all()
    operators = conn.execute(select(Operator.id, Operator.control_room_id, Operator.dial_string, Operator.available)
                             .order_by(Operator.id)).all()
    rooms = conn.execute(select(ControlRoom.id, ControlRoom.general_line).order_by(ControlRoom.id)).all()
    return tuple(alerted), tuple(numbers), tuple(map(tuple, actions)), tuple(map(tuple, operators)), \
        tuple(map(tuple, rooms))


class SnapshotDirectory(InboundDirectory):
    """An InboundDirectory that answers alerted callers from memory: no database on the call path.

    It is loaded when made; after `start()` a background thread reloads, every `refresh_s`, the numbers of every participant an active
    action alerted (with those actions) and the routes of the active actions. A number not in the
    snapshot (not alerted, alerted since the last reload, or one whose answer the snapshot cannot
    give exactly, e.g. a number that changed hands) is looked up in the database. The snapshot is
    at most `refresh_s` old: an action ended, or an operator marked away, that recently is still
    routed to.
    """

    def __init__(self, db, default_region="NL", refresh_s=2.0):
        super().__init__(db, default_region)
        self.refresh_s = refresh_s
        self._callers, self._routes, self._fingerprint = {}, {}, None
        self._closed = threading.Event()
        self.reload()

    def start(self):
        """Keep the snapshot fresh from a background thread until close(); returns the snapshot."""
        threading.Thread(target=self._keep_fresh, name="inbound-snapshot", daemon=True).start()
        return self

    def close(self):
        """Stop reloading (the snapshot keeps answering as it last was)."""
        self._closed.set()

    def identify(self, caller_e164):
        return self._callers.get(caller_e164) or super().identify(caller_e164)

    def route(self, action_id):
        return self._routes.get(action_id) or super().route(action_id)

    def reload(self):
        """Rebuild the snapshot if anything it holds has changed; returns whether it was rebuilt.

        The check is a few aggregate reads done by the database; rebuilding holds this process's
        interpreter for tens of milliseconds per 10,000 alerted numbers, which calls in progress
        would otherwise wait for every `refresh_s`.
        """
        with self.db.engine.connect() as conn:
            fingerprint = _fingerprint(conn)
            if fingerprint == self._fingerprint:
                return False
            actions = [ActionSummary(*row) for row in conn.execute(
                select(*_SUMMARY_COLUMNS).where(Action.status == "active")
                .order_by(Action.launched_at.desc(), Action.id.desc()))]
            rows = conn.execute(
                select(Delivery.action_id, Delivery.participant_id, Delivery.to_e164, PhoneNumber.e164,
                       Participant.language)
                .join(Action, Action.id == Delivery.action_id)
                .join(Participant, Participant.id == Delivery.participant_id)
                .outerjoin(PhoneNumber, PhoneNumber.participant_id == Delivery.participant_id)
                .where(Action.status == "active", Delivery.purpose == "alert",
                       Delivery.state.in_(ALERTED_STATES))).all()
            routes = _routes(conn, Action.status == "active")
        owner, alerted_by, sent_to = {}, defaultdict(set), defaultdict(set)
        for action_id, participant_id, to_e164, number, language in rows:
            if number is not None:
                owner[number] = (participant_id, language)
                alerted_by[number].add(action_id)
            sent_to[to_e164].add(participant_id)
        # identify() also counts deliveries to the number itself: exact only if they went to its owner.
        unclear = {number for number, participants in sent_to.items()
                   if {owner.get(number, (None,))[0]} != participants}
        rank = {summary.id: n for n, summary in enumerate(actions)}  # newest first, as identify() orders
        by_id = {summary.id: summary for summary in actions}
        self._callers = {
            number: CallerMatch(participant_id, language,
                                tuple(by_id[a] for a in sorted(alerted_by[number], key=rank.__getitem__)))
            for number, (participant_id, language) in owner.items() if number not in unclear}
        self._routes = routes
        self._fingerprint = fingerprint
        return True

    def _keep_fresh(self):
        while not self._closed.wait(self.refresh_s):
            try:
                self.reload()
            except Exception:  # the database is away: keep the last snapshot; misses fail as before
                log.exception("inbound snapshot not reloaded")


def _digits(number):
    return "".join(ch for ch in str(number or "") if ch.isdigit())


class InboundCallLog:
    """Writes the record of inbound calls and tips; each method commits on its own, at once, so
    a tip is kept even if the call (or this process) ends a moment later."""

    def __init__(self, db):
        self.db = db

    def _call(self, session, call_ref, backend, caller_e164, origin):
        call = session.scalar(select(InboundCall).where(InboundCall.call_ref == call_ref))
        if call is None:
            call = InboundCall(call_ref=call_ref, backend=backend, caller_e164=caller_e164, origin=origin)
            session.add(call)
            session.flush()
        return call

    def save_tip(self, call_ref, backend, caller_e164, action_id, recording, duration_s, origin="free_number"):
        """Attach a spoken tip to the action (and to this call's record); returns the tip id."""
        with self.db.session() as session:
            call = self._call(session, call_ref, backend, caller_e164, origin)
            call.action_id = call.action_id or action_id
            tip = Tip(action_id=action_id, inbound_call_id=call.id, source="voice", from_e164=caller_e164,
                      recording=recording, duration_s=duration_s, provider_ref=f"{backend}:{call_ref}:{recording}"[:64])
            session.add(tip)
            session.flush()
            log.info("tip %s saved for action %s from %s", tip.id, action_id, mask(caller_e164))
            return tip.id

    def finish(self, call_ref, backend, caller_e164, outcome, *, started_at, wait_s=None, origin="free_number"):
        """Write how a call ended (an ivr Outcome-like object) into its record; returns the record id."""
        if outcome.outcome not in OUTCOMES:
            raise ValueError(f"unknown call outcome {outcome.outcome!r}")
        now = utcnow()
        with self.db.session() as session:
            call = self._call(session, call_ref, backend, caller_e164, origin)
            call.started_at = started_at
            call.ended_at = now
            call.participant_id = outcome.participant_id
            call.action_id = outcome.action_id or call.action_id
            call.alerted = bool(outcome.alerted)
            call.operator_id = outcome.operator_id
            call.route = list(outcome.route)
            call.outcome = outcome.outcome
            call.talk_s = outcome.talk_s
            call.wait_s = wait_s
            if outcome.talk_s:
                call.connected_at = now - timedelta(seconds=outcome.talk_s)
            session.flush()
            return call.id
