"""Actions and their life cycle: launch (select, write the ledger, enqueue), follow, end."""
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import base64
import binascii

from . import action_webhooks, audit, ledger, ledger_rings, message_templates, publication
from .errors import Conflict, NotFound, ValidationError
from .input_checks import ID_MAX, check_int, check_text
from .models import ACTION_KINDS, ACTION_RESULTS, Action, ControlRoom, Operator, utcnow
from .jobs import enqueue_batches
from .photos import clean_photo
from .selection import count_recipients, inside_area, validate_area
from . import ring_plan

log = logging.getLogger(__name__)

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
    # Public alerts: AMBER always; a missing person when chosen with the family's consent.
    public: bool = False
    family_consent: bool = False
    area_name: str | None = None  # what CAP and the public page call the area (a place name)
    title_en: str | None = None  # the public alert's English headline and description, when written
    message_en: str | None = None
    photos: tuple = ()  # uploaded image bytes, cleaned at launch
    rings: dict | None = None  # expanding rings (core.widening.check_plan): wider radii and the wait before each
    exercise: bool = False  # reaches the test participants alone, says OEFENING everywhere


def parse_launch(data, max_message_length, max_radius_m, geocoder=None):
    """Validate launch input (API JSON or CLI) into a LaunchRequest; ValidationError names the field.

    A circle around an address is placed by `geocoder` (core.geocoding) here, before the launch."""
    if not isinstance(data, dict):
        raise ValidationError("action", "must be an object")
    kind = data.get("kind")
    if kind not in ACTION_KINDS:
        raise ValidationError("kind", "must be one of %(choices)s", choices=", ".join(ACTION_KINDS))
    time_critical = data.get("time_critical", True)
    if not isinstance(time_critical, bool):
        raise ValidationError("time_critical", "must be true or false")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValidationError("message", "is empty")
    if len(message) > max_message_length:
        raise ValidationError("message", "is longer than %(max)s characters", max=max_message_length)
    check_text(message, "message")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title", "is empty")
    if len(title) > 120:
        raise ValidationError("title", "is longer than 120 characters")
    check_text(title, "title", multiline=False)
    # A launch started from a template (core.message_templates) goes out only with its placeholders filled in.
    message_templates.check_filled(title, "title")
    message_templates.check_filled(message, "message")
    ids = {}
    for key in ("operator_id", "control_room_id"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(key, "must be an id")
        ids[key] = check_int(value, key, 1, ID_MAX)
    request_id = data.get("client_request_id")
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        raise ValidationError("client_request_id", "must be text of 1 to 100 characters")
    if request_id is not None:
        check_text(request_id, "client_request_id", multiline=False)
    area = validate_area(data.get("area"), kind, max_radius_m, geocoder)
    public = publication.check_public(kind, data.get("public"), data.get("family_consent"))
    area_name = data.get("area_name")
    if area_name is not None and (not isinstance(area_name, str) or len(area_name) > 40):
        raise ValidationError("area_name", "must be a place name of at most 40 characters")
    exercise = data.get("exercise", False)
    if not isinstance(exercise, bool):
        raise ValidationError("exercise", "must be true or false")
    title_en, message_en = publication.check_english(data.get("title_en"), data.get("message_en"),
                                                     max_message_length)
    for field, value in (("title_en", title_en), ("message_en", message_en)):
        if value is not None and not public:
            raise ValidationError(field, "only a public alert has an English text")
    return LaunchRequest(kind, time_critical, title.strip(), message.strip(), area,
                         ids["operator_id"], ids["control_room_id"], request_id, public=public,
                         family_consent=data.get("family_consent") is True, area_name=area_name,
                         title_en=title_en, message_en=message_en,
                         photos=decode_photos(data.get("photos")),
                         rings=ring_plan.check_plan(data.get("rings"), area, max_radius_m), exercise=exercise)


def decode_photos(photos):
    """Photos as the JSON API sends them: a list of base64 strings (raw bytes pass through from forms)."""
    if photos is None:
        return ()
    if not isinstance(photos, (list, tuple)):
        raise ValidationError("photos", "must be a list of base64-encoded images")
    decoded = []
    for index, photo in enumerate(photos):
        if isinstance(photo, bytes):
            decoded.append(photo)
            continue
        try:
            decoded.append(base64.b64decode(photo, validate=True))
        except (TypeError, ValueError, binascii.Error):
            raise ValidationError(f"photos[{index}]", "is not base64") from None
    return tuple(decoded)


def _new_code(session):
    """4 digits while they last among active actions, then 5, then 6."""
    active = set(session.scalars(select(Action.code).where(Action.status == "active")))
    for attempt in range(CODE_ATTEMPTS * 3):
        digits = 4 + attempt // CODE_ATTEMPTS
        code = str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))
        if code not in active:
            return code
    raise Conflict("no free action code")


class ActionService:
    def __init__(self, runtime):
        self.runtime = runtime
        self.config = runtime.config

    def launch(self, session, request, actor):
        """Create the action with the nearest ring of its ledger and enqueue those sends at once; a worker's
        ledger writer adds the rings beyond (core.ledger_rings). Returns (action, created)."""
        if request.client_request_id:
            existing = session.scalar(select(Action).where(Action.client_request_id == request.client_request_id))
            if existing:
                return self._already_launched(existing)
        operator = session.get(Operator, request.operator_id)
        if operator is None:
            raise ValidationError("operator_id", "unknown operator %(id)s", id=request.operator_id)
        room = session.get(ControlRoom, request.control_room_id)
        if room is None:
            raise ValidationError("control_room_id", "unknown control room %(id)s", id=request.control_room_id)
        if operator.control_room_id != room.id:
            raise ValidationError("operator_id", "operator does not work for that control room")
        photos = self.clean_photos(request.photos)
        action, created = self._insert_action(session, request, actor)
        if not created:
            return self._already_launched(action)
        ring_plan.start(action, request.rings)
        for transport in self.runtime.transports.values():
            prepare = getattr(transport, "prepare_action", None)
            if prepare:
                prepare(session, action)
        self.runtime.launch_audio.prepare(session, action)  # the title, for the free number
        due = ledger_rings.write_ring(self.runtime, session, action) or []
        session.refresh(action)
        first_ring = ledger.alerts_written(session, action.id)
        audit.record(session, actor, "launch", "action", action.id,
                     {"code": action.code, "kind": action.kind, "area": action.area,
                      "first_ring_m": action.ledger_m, "first_ring": first_ring,
                      "exercise": action.exercise})
        publication.attach_photos(session, action.id, photos, actor)
        hooks = action_webhooks.record(session, action, "action.launched")
        event = None
        if request.public:
            event = publication.open_publication(session, action, actor, self.config,
                                                 consent=request.family_consent, area_name=request.area_name,
                                                 title_en=request.title_en, message_en=request.message_en)
            self.runtime.publisher.render(session, event)
        if action.ledger_done_at is not None:
            # The first ring is the whole area, which holds few: counted before the launch commits.
            with self.runtime.db.reading() as reader:
                action.planned = count_recipients(reader, action.area, test_only=action.exercise)
        self._commit_and_send(session, action, due, event, hooks)
        if action.planned is None:
            # Counted while the first alerts go out, in a reading session (on SQLite a long count in a writing
            # transaction would hold the sends up), for the answer: how many the whole area holds. The ledger
            # writer records it with its next ring (core.ledger_rings): written from here it waited for that
            # ring's transaction, which holds the action's row (on SQLite the database) while it writes.
            with self.runtime.db.reading() as reader:
                set_committed_value(action, "planned", count_recipients(reader, action.area,
                                                                        test_only=action.exercise))
        log.info("action %s launched by %s: %d alerts planned, %d in the first ring", action.id, actor,
                 action.planned, first_ring)
        return action, True

    def _commit_and_send(self, session, action, due, event, hooks):
        """Commit the first ring (and the publication message and webhook rows), then send it, ask a ledger
        writer for the rings beyond, and hand the message to the partners and the event to the webhooks."""
        session.commit()
        self.enqueue(action, due)
        if action.ledger_done_at is None:
            ledger_rings.request(self.runtime, action.id)
        self.dispatch(event)
        action_webhooks.enqueue(self.runtime, hooks)

    def _already_launched(self, existing):
        """A repeated launch answers with the action it made; one whose ledger was cut short is resumed."""
        if existing.ledger_done_at is None:
            ledger_rings.request(self.runtime, existing.id)
        return existing, False

    def _insert_action(self, session, request, actor):
        """The action row, the first write of the launch's transaction, and True; or, when a concurrent launch
        with the same client request id won the race, the winner's action and False. A clash rolls the whole
        transaction back. On PostgreSQL the insert waits on the unique index until the winner commits; on
        SQLite launches never overlap (core.db begins every transaction IMMEDIATE)."""
        for _ in range(5):
            action = Action(code=_new_code(session), client_request_id=request.client_request_id,
                            kind=request.kind, time_critical=request.time_critical, title=request.title,
                            message=request.message, area=request.area, operator_id=request.operator_id,
                            control_room_id=request.control_room_id, launched_by=actor, status="active",
                            exercise=request.exercise)
            try:
                session.add(action)
                session.flush()
                return action, True
            except IntegrityError:
                session.rollback()
                # A code taken by a concurrent launch, or the same client request id: look again.
                if request.client_request_id:
                    winner = session.scalar(select(Action).where(
                        Action.client_request_id == request.client_request_id))
                    if winner is not None:
                        return winner, False
        raise Conflict("could not allocate an action code")

    def clean_photos(self, photos):
        """Check and clean uploads before any database work (a bad photo refuses the whole request)."""
        return [clean_photo(data, self.config["PHOTO_MAX_BYTES"], self.config["PHOTO_MAX_SIDE"], f"photos[{i}]")
                for i, data in enumerate(photos)]

    def dispatch(self, event):
        if event is not None:
            self.runtime.publisher.dispatch(self.runtime, [event.id])

    def update_publication(self, session, action_id, actor, title=None, message=None, photos=(), area_name=None,
                           title_en=None, message_en=None):
        """The operator changes a public action's text (Dutch, English), photos or area name: the publication's
        Update."""
        cleaned = self.clean_photos(photos)
        event = publication.record_update(session, action_id, actor, self.config, title=title, message=message,
                                          photos=cleaned, area_name=area_name, title_en=title_en,
                                          message_en=message_en)
        self.runtime.publisher.render(session, event)
        hooks = action_webhooks.record(session, get_action(session, action_id), "action.updated", "publication")
        session.commit()
        self.dispatch(event)
        action_webhooks.enqueue(self.runtime, hooks)
        return event

    def change_area(self, session, action_id, area, actor, area_name=None, geocoder=None):
        """The operator moves or resizes the area after launch. Whoever the new area adds is alerted, nearest
        first from its centre, the nearest ring at once and the rest by a ledger writer; nobody is alerted
        twice (the ledger's unique key). Alerts still queued for those the new area leaves out are cancelled.
        A public action's publication gets an Update with the new area. A circle may move to an address
        (placed by `geocoder`)."""
        action = session.get(Action, action_id, with_for_update=True)
        if action is None:
            raise NotFound("action", action_id)
        if action.status != "active":
            raise Conflict("action %(id)s has ended", id=action_id)
        new_area = validate_area(area, action.kind, self.config["MAX_RADIUS_M"], geocoder)
        if new_area == action.area:
            raise ValidationError("area", "is the area the action already covers")
        before, alerted_before = action.area, action.ledger_rows
        # Who the area no longer holds is not alerted any more (an alert already on its way finishes).
        cancelled, requeued = ledger.cancel_outside_area(session, action.id,
                                                         lambda ids: inside_area(session, new_area, ids))
        # The rings start again from the new centre; ranks go on after the rows already written.
        action.area, action.ledger_m, action.ledger_done_at = new_area, None, None
        session.flush()
        due = (ledger_rings.write_ring(self.runtime, session, action) or []) + requeued
        session.refresh(action)
        audit.record(session, actor, "change_area", "action", action.id,
                     {"from": before, "to": new_area, "first_ring": len(due), "cancelled": cancelled})
        hooks = action_webhooks.record(session, action, "action.updated", "area")
        event = None
        if publication.publication_of(session, action.id) is not None:
            event = publication.record_update(session, action.id, actor, self.config, area_name=area_name,
                                              area_changed=True)
            self.runtime.publisher.render(session, event)
        self._commit_and_send(session, action, due, event, hooks)
        # Those alerted before stay counted; the new area's count is known once the first alerts are out.
        with self.runtime.db.reading() as reader:
            action.planned = max(alerted_before, count_recipients(reader, action.area, test_only=action.exercise))
        session.commit()
        log.info("action %s: area changed by %s, %d more alerted in the first ring, %d queued alerts cancelled",
                 action.id, actor, len(due), cancelled)
        return action, event, cancelled

    def add_photos(self, session, action_id, photos, actor):
        """Photos added after launch; on a public action they go out as an Update."""
        action = get_action(session, action_id)
        if publication.publication_of(session, action_id) is not None:
            return self.update_publication(session, action_id, actor, photos=photos)
        if action.status != "active":
            raise Conflict("action %(id)s has ended", id=action_id)
        publication.attach_photos(session, action_id, self.clean_photos(photos), actor)
        audit.record(session, actor, "add_photos", "action", action_id, {"count": len(photos)})
        hooks = action_webhooks.record(session, action, "action.updated", "photos")
        session.commit()
        action_webhooks.enqueue(self.runtime, hooks)
        return None

    def enqueue(self, action, delivery_ids):
        enqueue_batches(self.runtime, action, delivery_ids)

    def end(self, session, action_id, result, closing_text, actor, result_from_response=None):
        """End the action in one transaction: result, cancellations, closings, audit; then enqueue closings.

        result_from_response says whether a participant's response led directly to the result.
        """
        if result not in ACTION_RESULTS:
            raise ValidationError("result", "must be one of %(choices)s", choices=", ".join(ACTION_RESULTS))
        if closing_text is not None and (not isinstance(closing_text, str)
                                         or len(closing_text) > self.config["MAX_MESSAGE_LENGTH"]):
            raise ValidationError("closing_text", "must be text of at most %(max)s characters",
                                  max=self.config["MAX_MESSAGE_LENGTH"])
        if closing_text is not None:
            check_text(closing_text, "closing_text")
        action = session.get(Action, action_id, with_for_update=True)
        if action is None:
            raise NotFound("action", action_id)
        if action.status == "ended":
            raise Conflict("action %(id)s has already ended", id=action_id)
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
        event = publication.cancel_publication(session, action, self.config)
        if event is not None:
            self.runtime.publisher.render(session, event)
        hooks = action_webhooks.record(session, action, "action.ended")
        session.commit()
        self.enqueue(action, closing_ids)
        self.dispatch(event)
        action_webhooks.enqueue(self.runtime, hooks)
        return action


def list_actions(session, status=None, limit=100, room_id=None):
    """The newest actions first; `status` "active" or "ended" filters them, `room_id` to one control room's."""
    query = select(Action).order_by(Action.id.desc()).limit(limit)
    if room_id is not None:
        query = query.where(Action.control_room_id == room_id)
    if status:
        if status not in ("active", "ended"):
            raise ValidationError("status", "must be active or ended")
        query = query.where(Action.status == status)
    return session.scalars(query).all()


def get_action(session, action_id):
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound("action", action_id)
    return action


def action_as_dict(session, action):
    return {
        "id": action.id, "code": action.code, "kind": action.kind, "time_critical": action.time_critical,
        "exercise": action.exercise,
        "title": action.title, "message": action.message, "area": action.area, "status": action.status,
        "result": action.result, "result_from_response": action.result_from_response,
        "closing_text": action.closing_text, "operator_id": action.operator_id,
        "control_room_id": action.control_room_id, "launched_by": action.launched_by,
        "launched_at": action.launched_at.isoformat(), "ended_by": action.ended_by,
        "ended_at": action.ended_at.isoformat() if action.ended_at else None,
        "planned": action.planned, "ledger_complete": action.ledger_done_at is not None,
        "progress": ledger.progress(session, action.id), "rings": ring_plan.state_of(session, action),
    }
