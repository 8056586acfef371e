"""Public alerts in the domain: which actions are public, and each publication's life cycle.

An AMBER alert is always public; a missing person when the operator chooses it and records the
family's consent; other kinds never. A publication emits CAP messages: Alert at launch, Update when
the operator changes the text, a photo or the area, Cancel when the action ends. At Cancel every
earlier message is withdrawn: its description, photos and signed document are deleted, so feeds,
the page and partners only ever see the Cancel again. Rendering and delivery belong to the
`publish` channel, reached through the Publisher interface below (loaded by name, as transports are).
"""
import importlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from . import audit, public_urls
from .errors import Conflict, NotFound, ValidationError
from .input_checks import check_text
from .models import Action, ControlRoom, Municipality, Photo, Publication, PublicationEvent, Region, utcnow
from .photos import new_token
from .polygons import NETHERLANDS_OUTLINE
from .public_texts import LANGUAGES, alert_texts, area_description, exercise_texts

log = logging.getLogger(__name__)

PUBLIC_KINDS = ("amber_alert", "missing_person")
PUBLISHER = "publish.channel:Publisher"


class Publisher:
    """What the channel does with a new message: `render` inside the transaction that records it
    (sign the CAP document, write the partners' delivery rows), `dispatch` after it commits."""

    def render(self, session, event):
        raise NotImplementedError

    def dispatch(self, rt, event_ids):
        raise NotImplementedError


def load_publisher(config):
    module, name = PUBLISHER.split(":")
    return getattr(importlib.import_module(module), name)(config)


def check_public(kind, public, family_consent):
    """Whether a launch is published; a clear ValidationError when it may not be."""
    if public is not None and not isinstance(public, bool):
        raise ValidationError("public", "must be true or false")
    if kind == "amber_alert":
        return True
    if not public:
        return False
    if kind != "missing_person":
        raise ValidationError("public", "only AMBER alerts and missing persons are published")
    if family_consent is not True:
        raise ValidationError("family_consent", "a missing person is published only with the family's consent")
    return True


def level_of(kind, area):
    """The level display vendors sort by: national or regional AMBER, or a missing person."""
    if kind == "amber_alert":
        return "national_amber" if area["type"] == "country" else "regional_amber"
    return "missing_person"


def page_urls(session, action_ids, config):
    """{action id: public page URL} of the published, still active actions among action_ids."""
    if not action_ids:
        return {}
    rows = session.execute(select(Publication.action_id, Publication.token).where(
        Publication.action_id.in_(action_ids), Publication.status == "active"))
    return {action_id: public_urls.page_url(config, token) for action_id, token in rows}


def publication_of(session, action_id):
    return session.scalar(select(Publication).where(Publication.action_id == action_id))


def attach_photos(session, action_id, photos, actor):
    """Store cleaned photos (core.photos.CleanPhoto) with an action."""
    for photo in photos:
        session.add(Photo(action_id=action_id, token=new_token(), mime_type=photo.mime_type, width=photo.width,
                          height=photo.height, size_bytes=len(photo.data), sha1=photo.sha1, data=photo.data,
                          added_by=actor))
    session.flush()


def check_english(title_en, message_en, max_message_length):
    """The operator's optional English title and description: None, or checked text (ValidationError names
    the field)."""
    checked = []
    for field, value, limit, multiline in (("title_en", title_en, 120, False),
                                           ("message_en", message_en, max_message_length, True)):
        if value is not None:
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                raise ValidationError(field, "must be text of 1 to %(max)s characters", max=limit)
            check_text(value, field, multiline=multiline)
            value = value.strip()
        checked.append(value)
    return tuple(checked)


def open_publication(session, action, actor, config, consent=False, area_name=None, title_en=None,
                     message_en=None):
    """Create the publication of a just-launched public action and its Alert message."""
    title_en, message_en = check_english(title_en, message_en, config["MAX_MESSAGE_LENGTH"])
    pub = Publication(action_id=action.id, token=secrets.token_urlsafe(12), status="active",
                      area_name=(area_name or "").strip()[:50] or None, title_en=title_en, message_en=message_en)
    if consent:
        pub.consent_by, pub.consent_at = actor, utcnow()
    session.add(pub)
    session.flush()
    audit.record(session, actor, "publish", "action", action.id, {"publication": pub.id, "consent": bool(consent)})
    return _new_event(session, pub, action, "Alert", config)


def record_update(session, action_id, actor, config, title=None, message=None, photos=(), area_name=None,
                  area_changed=False, title_en=None, message_en=None):
    """The operator changed the public text, added photos, renamed or moved the area: an Update message
    (its <area> is the action's area as it now is)."""
    action = session.get(Action, action_id, with_for_update=True)
    if action is None:
        raise NotFound("action", action_id)
    pub = publication_of(session, action_id)
    if pub is None:
        raise Conflict("action %(id)s is not public", id=action_id)
    if pub.status != "active" or action.status != "active":
        raise Conflict("action %(id)s has ended; its publication is withdrawn", id=action_id)
    changed = []
    for field, value, limit in (("title", title, 120), ("message", message, config["MAX_MESSAGE_LENGTH"])):
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValidationError(field, "must be text of 1 to %(max)s characters", max=limit)
        setattr(action, field, value.strip())
        changed.append(field)
    for field, value in zip(("title_en", "message_en"),
                            check_english(title_en, message_en, config["MAX_MESSAGE_LENGTH"])):
        if value is not None:
            setattr(pub, field, value)
            changed.append(field)
    if area_name is not None:
        if not isinstance(area_name, str) or len(area_name) > 40:
            raise ValidationError("area_name", "must be a place name of at most 40 characters")
        pub.area_name = area_name.strip() or None
        changed.append("area_name")
    if photos:
        attach_photos(session, action.id, photos, actor)
        changed.append("photos")
    if area_changed:
        changed.append("area")
    if not changed:
        raise ValidationError("update", "nothing to change: give a title, message, title_en, message_en, "
                                        "area_name or photo")
    audit.record(session, actor, "update", "publication", pub.id, {"changed": changed})
    return _new_event(session, pub, action, "Update", config)


def cancel_publication(session, action, config):
    """At the end of an action: withdraw its photos; if public, every earlier message too, and emit the Cancel."""
    pub = publication_of(session, action.id)
    if pub is None or pub.status != "active":
        withdraw_photos(session, action.id)
        return None
    pub.status, pub.cancelled_at = "cancelled", utcnow()
    session.execute(update(PublicationEvent).where(PublicationEvent.publication_id == pub.id)
                    .values(content={}, cap_xml=None, withdrawn=True))
    withdraw_photos(session, action.id)
    return _new_event(session, pub, action, "Cancel", config)


def withdraw_photos(session, action_id):
    """Delete an ended action's photos (public or not): only their sizes and digests stay."""
    session.execute(update(Photo).where(Photo.action_id == action_id, Photo.data.is_not(None))
                    .values(data=None, withdrawn_at=utcnow()))


def _photos(session, action_id):
    rows = session.scalars(select(Photo).where(Photo.action_id == action_id, Photo.data.is_not(None))
                           .order_by(Photo.id))
    return [{"token": p.token, "mime_type": p.mime_type, "size": p.size_bytes, "sha1": p.sha1,
             "width": p.width, "height": p.height} for p in rows]


def _area(session, area):
    """The action's area as published: regions and municipalities get their names, regions and the country
    their polygons."""
    published = dict(area)
    if area["type"] == "country":
        published["polygons"] = [[[list(point) for point in NETHERLANDS_OUTLINE]]]
    if area["type"] == "regions":
        rows = session.execute(select(Region.name, Region.polygons).where(Region.code.in_(area["codes"]))
                               .order_by(Region.name)).all()
        published["names"] = [name for name, _ in rows]
        published["polygons"] = [polygon for _, polygons in rows for polygon in polygons]
    if area["type"] == "municipalities":
        published["names"] = list(session.scalars(
            select(Municipality.name).where(Municipality.code.in_(area["codes"])).order_by(Municipality.name)))
    return published


def _new_event(session, pub, action, msg_type, config):
    seq = (session.scalar(select(func.max(PublicationEvent.seq))
                          .where(PublicationEvent.publication_id == pub.id)) or 0) + 1
    sent = utcnow().replace(microsecond=0)
    ttl = config["PUBLIC_CANCEL_TTL_S"] if msg_type == "Cancel" else config["PUBLIC_ALERT_TTL_S"]
    room = session.get(ControlRoom, action.control_room_id)
    area = _area(session, action.area)
    area_desc = {lang: area_description(area, lang, pub.area_name) for lang in LANGUAGES}
    written = {"nl": (action.title, action.message), "en": (pub.title_en, pub.message_en)}
    texts = alert_texts(action.kind, msg_type, written, room.free_number, area_desc, action.result)
    if action.exercise:
        texts = exercise_texts(texts)
    content = {
        "kind": action.kind, "level": level_of(action.kind, action.area),
        # An exercise says so in every document, whatever the system's own status (CAP_STATUS).
        "status": "Exercise" if action.exercise else config["CAP_STATUS"],
        "free_number": room.free_number, "page": pub.token, "result": action.result,
        "texts": texts,
        "area": area, "area_desc": area_desc,
        "photos": [] if msg_type == "Cancel" else _photos(session, action.id),
    }
    event = PublicationEvent(publication_id=pub.id, seq=seq, msg_type=msg_type,
                             identifier=f"uitkijk-{pub.token}-{seq}", sent=sent,
                             expires=sent + timedelta(seconds=ttl), content=content)
    session.add(event)
    session.flush()
    return event


def current_events(session, now=None):
    """The latest message of every publication that has not expired, newest first: what feeds show."""
    now = now or utcnow()
    latest = (select(PublicationEvent.publication_id, func.max(PublicationEvent.seq).label("seq"))
              .group_by(PublicationEvent.publication_id).subquery())
    query = (select(PublicationEvent)
             .join(latest, (latest.c.publication_id == PublicationEvent.publication_id)
                   & (latest.c.seq == PublicationEvent.seq))
             .where(PublicationEvent.expires > now)
             .order_by(PublicationEvent.sent.desc(), PublicationEvent.id.desc()))
    return list(session.scalars(query))


def events_of(session, publication_id):
    return list(session.scalars(select(PublicationEvent).where(PublicationEvent.publication_id == publication_id)
                                .order_by(PublicationEvent.seq)))


def event_by_identifier(session, identifier):
    return session.scalar(select(PublicationEvent).where(PublicationEvent.identifier == identifier))


def publication_by_token(session, token):
    return session.scalar(select(Publication).where(Publication.token == token))


def latest_event(session, publication_id):
    return session.scalar(select(PublicationEvent).where(PublicationEvent.publication_id == publication_id)
                          .order_by(PublicationEvent.seq.desc()).limit(1))


def photo_by_token(session, token):
    """A photo by its public token; its data is None once it is withdrawn."""
    return session.scalar(select(Photo).where(Photo.token == token))


def feeds_changed_at(session, now=None):
    """When the set of current messages last changed: the newest message, or the last one to expire."""
    now = now or utcnow()
    newest = session.scalar(select(func.max(PublicationEvent.sent)))
    expired = session.scalar(select(func.max(PublicationEvent.expires)).where(PublicationEvent.expires <= now))
    moments = [m for m in (newest, expired) if m is not None]
    return max(moments) if moments else None
