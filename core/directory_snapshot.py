"""The caller directory held in memory for the call path, reloaded in the background when it changed."""
import logging
import threading
from collections import defaultdict

from sqlalchemy import func, select

from .call_routes import routes_of
from .caller_directory import _SUMMARY_COLUMNS, ALERTED_STATES, ActionSummary, CallerMatch, InboundDirectory
from .models import Action, ControlRoom, Delivery, Operator, Participant, PhoneNumber

log = logging.getLogger(__name__)


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
            routes = routes_of(conn, Action.status == "active")
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
