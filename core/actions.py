"""Actions and their life cycle: launch (select, write the ledger, enqueue), follow, end."""
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError

from . import audit, ledger
from .errors import Conflict, NotFound, ValidationError
from .models import ACTION_KINDS, ACTION_RESULTS, Action, ControlRoom, Operator, utcnow
from .jobs import enqueue_sends
from .selection import select_recipients, validate_area

log = logging.getLogger(__name__)

# Small first batches so the first calls leave within seconds, larger ones after for throughput.
BATCH_SIZES = (10, 25, 50)
BATCH = 100
CODE_ATTEMPTS = 50


@dataclass
class LaunchRequest:
    kind: str
    time_critical: bool
    title: str
    message: str
    area: dict
    operator_id: int
    control_room_id: int
    client_request_id: str | None = None


def parse_launch(data, max_message_length, max_radius_m):
    """Validate launch input (API JSON or CLI) into a LaunchRequest; ValidationError names the field."""
    if not isinstance(data, dict):
        raise ValidationError("action", "must be an object")
    kind = data.get("kind")
    if kind not in ACTION_KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(ACTION_KINDS)}")
    time_critical = data.get("time_critical", True)
    if not isinstance(time_critical, bool):
        raise ValidationError("time_critical", "must be true or false")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValidationError("message", "is empty")
    if len(message) > max_message_length:
        raise ValidationError("message", f"is longer than {max_message_length} characters")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title", "is empty")
    if len(title) > 120:
        raise ValidationError("title", "is longer than 120 characters")
    ids = {}
    for key in ("operator_id", "control_room_id"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(key, "must be an id")
        ids[key] = value
    request_id = data.get("client_request_id")
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        raise ValidationError("client_request_id", "must be text of 1 to 100 characters")
    area = validate_area(data.get("area"), kind, max_radius_m)
    return LaunchRequest(kind, time_critical, title.strip(), message.strip(), area,
                         ids["operator_id"], ids["control_room_id"], request_id)


def _new_code(session):
    """4 digits while they last among active actions, then 5, then 6."""
    active = set(session.scalars(select(Action.code).where(Action.status == "active")))
    for attempt in range(CODE_ATTEMPTS * 3):
        digits = 4 + attempt // CODE_ATTEMPTS
        code = str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))
        if code not in active:
            return code
    raise Conflict("no free action code")


def batches(delivery_ids):
    """Split rank-ordered ids: the nearest go first in small jobs."""
    start = 0
    for size in BATCH_SIZES:
        if start >= len(delivery_ids):
            return
        yield delivery_ids[start:start + size]
        start += size
    for i in range(start, len(delivery_ids), BATCH):
        yield delivery_ids[i:i + BATCH]


class ActionService:
    def __init__(self, runtime):
        self.runtime = runtime
        self.config = runtime.config

    def launch(self, session, request, actor):
        """Create the action and its ledger and enqueue the sends. Returns (action, created)."""
        if request.client_request_id:
            existing = session.scalar(select(Action).where(Action.client_request_id == request.client_request_id))
            if existing:
                return existing, False
        operator = session.get(Operator, request.operator_id)
        if operator is None:
            raise ValidationError("operator_id", f"unknown operator {request.operator_id}")
        room = session.get(ControlRoom, request.control_room_id)
        if room is None:
            raise ValidationError("control_room_id", f"unknown control room {request.control_room_id}")
        if operator.control_room_id != room.id:
            raise ValidationError("operator_id", "operator does not work for that control room")
        centre = (request.area["lat"], request.area["lon"]) if request.area["type"] == "circle" else None
        recipients = select_recipients(session, request.area, self.config["TIMEZONE"], centre=centre)
        action = self._insert_action(session, request, actor)
        for transport in self.runtime.transports.values():
            prepare = getattr(transport, "prepare_action", None)
            if prepare:
                prepare(session, action)
        due = ledger.write_alerts(session, action.id, recipients, hold_quiet=not request.time_critical)
        audit.record(session, actor, "launch", "action", action.id,
                     {"code": action.code, "kind": action.kind, "area": action.area, "recipients": len(recipients)})
        session.commit()
        self.enqueue(action, due)
        log.info("action %s launched by %s: %d deliveries", action.id, actor, len(recipients))
        return action, True

    def _insert_action(self, session, request, actor):
        for _ in range(5):
            action = Action(code=_new_code(session), client_request_id=request.client_request_id,
                            kind=request.kind, time_critical=request.time_critical, title=request.title,
                            message=request.message, area=request.area, operator_id=request.operator_id,
                            control_room_id=request.control_room_id, launched_by=actor, status="active")
            try:
                with session.begin_nested():
                    session.add(action)
                    session.flush()
                return action
            except IntegrityError:
                # A code taken by a concurrent launch, or the same client request id: look again.
                if request.client_request_id and session.scalar(
                        select(Action.id).where(Action.client_request_id == request.client_request_id)):
                    raise Conflict("the same launch request is being processed") from None
        raise Conflict("could not allocate an action code")

    def enqueue(self, action, delivery_ids):
        """Put the sends on the action's queue. If Redis is unreachable the ledger still holds them
        and the sweeper enqueues them once it is back."""
        try:
            enqueue_sends(self.runtime.queues.for_action(action.time_critical), list(batches(delivery_ids)))
        except RedisError:
            log.exception("action %s: enqueue failed; the sweeper will enqueue %d deliveries",
                          action.id, len(delivery_ids))

    def end(self, session, action_id, result, closing_text, actor, result_from_response=None):
        """End the action in one transaction: result, cancellations, closings, audit; then enqueue closings.

        result_from_response says whether a participant's response led directly to the result.
        """
        if result not in ACTION_RESULTS:
            raise ValidationError("result", f"must be one of {', '.join(ACTION_RESULTS)}")
        if closing_text is not None and (not isinstance(closing_text, str)
                                         or len(closing_text) > self.config["MAX_MESSAGE_LENGTH"]):
            raise ValidationError("closing_text", f"must be text of at most {self.config['MAX_MESSAGE_LENGTH']} characters")
        action = session.get(Action, action_id, with_for_update=True)
        if action is None:
            raise NotFound("action", action_id)
        if action.status == "ended":
            raise Conflict(f"action {action_id} has already ended")
        action.status, action.result = "ended", result
        action.closing_text = (closing_text or "").strip() or None
        action.ended_at, action.ended_by = utcnow(), actor
        action.result_from_response = result_from_response
        session.flush()
        cancelled = ledger.cancel_pending_alerts(session, action.id)
        closing_ids = ledger.create_closings(session, action.id)
        ledger.mark_enqueued(session, closing_ids)
        audit.record(session, actor, "end", "action", action.id,
                     {"result": result, "from_response": result_from_response, "cancelled": cancelled,
                      "closings": len(closing_ids)})
        session.commit()
        self.enqueue(action, closing_ids)
        return action


def get_action(session, action_id):
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound("action", action_id)
    return action


def action_as_dict(session, action):
    return {
        "id": action.id, "code": action.code, "kind": action.kind, "time_critical": action.time_critical,
        "title": action.title, "message": action.message, "area": action.area, "status": action.status,
        "result": action.result, "result_from_response": action.result_from_response,
        "closing_text": action.closing_text, "operator_id": action.operator_id,
        "control_room_id": action.control_room_id, "launched_by": action.launched_by,
        "launched_at": action.launched_at.isoformat(), "ended_by": action.ended_by,
        "ended_at": action.ended_at.isoformat() if action.ended_at else None,
        "progress": ledger.progress(session, action.id),
    }
