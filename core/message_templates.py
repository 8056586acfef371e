"""Message templates: the words an operator starts a launch from, per kind of action and control room.

A template's title and message may hold placeholders from a small fixed set (PLACEHOLDERS), written
{omschrijving}; a template with any other placeholder, or a stray brace, is refused naming it. The
launch page starts from a template with the placeholders still in the text, and a launch whose title
or message still holds one is refused naming it (core.actions): a half-filled "Gezocht: {voertuig}" never
goes out. Before a template is used its SMS (segments, encoding), spoken alert and mail are shown
rendered with each placeholder's example.
"""
import string
from types import SimpleNamespace

from sqlalchemy import or_, select

from . import audit
from .errors import N_, NotFound, ValidationError
from .input_checks import ID_MAX, check_int, check_line, check_text
from .mail_links import MailLinks
from .mail_texts import alert_mail
from .messages import message_for
from .models import ACTION_KINDS, ControlRoom, MessageTemplate
from .sms_texts import PREVIEW_CODE, alert_previews

# name -> (what it stands for, the example previews fill in). Dutch: the names are what operators type.
PLACEHOLDERS = {
    "omschrijving": (N_("description of the person"), "man, ongeveer 30 jaar, donkere jas"),
    "voertuig": (N_("vehicle"), "grijze Volkswagen Golf"),
    "kenteken": (N_("licence plate"), "XX-123-X"),
    "plaats": (N_("place"), "Weesp"),
    "straat": (N_("street"), "Herengracht"),
    "richting": (N_("direction of travel"), "richting station"),
    "tijd": (N_("time seen"), "rond 14.30 uur"),
}
FIELDS = ("name", "kind", "control_room_id", "title", "message")
NAME_MAX = 80
TITLE_MAX = 120


def placeholders_in(text, field):
    """The placeholder names `text` holds, in order; ValidationError naming `field` for an unknown one or a
    brace that opens or closes nothing."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(field, "has a { or } that is not part of a placeholder such as {omschrijving}") \
            from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValidationError(field, "unknown placeholder {%(name)s}; use one of %(choices)s",
                                  name=name, choices=", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
        names.append(name)
    return names


def check_filled(text, field):
    """A launch's title or message as the operator sends it: no placeholder of a template left in it."""
    names = [name for _literal, name, _spec, _conv in _loose_parse(text) if name in PLACEHOLDERS]
    if names:
        raise ValidationError(field, "still holds {%(name)s}: fill it in", name=names[0])


def _loose_parse(text):
    """Placeholders as a launch text may hold them: braces that are no placeholder are just text there."""
    try:
        return list(string.Formatter().parse(text))
    except ValueError:
        return []


def render(text, values=None):
    """The text with each placeholder replaced by `values` (or its example)."""
    examples = {name: example for name, (_what, example) in PLACEHOLDERS.items()}
    return text.format(**{**examples, **(values or {})})


VALUE_MAX = 200


def fill_launch(session, data, room_id=None):
    """A launch that names a template (`template_id`, with the `placeholders` filled in): the launch input
    with the template's kind, title and message, each placeholder replaced. Without a template_id `data` as
    it is. A bound caller (`room_id`) may use its room's templates and those for every room."""
    if not isinstance(data, dict) or data.get("template_id") is None:
        return data
    template_id = data["template_id"]
    if isinstance(template_id, bool) or not isinstance(template_id, int):
        raise ValidationError("template_id", "must be an id")
    check_int(template_id, "template_id", 1, ID_MAX)
    template = session.get(MessageTemplate, template_id)
    if template is None or (room_id is not None and template.control_room_id not in (None, room_id)):
        raise ValidationError("template_id", "unknown message template %(id)s", id=template_id)
    given = data.get("placeholders") or {}
    if not isinstance(given, dict):
        raise ValidationError("placeholders", "must be an object of placeholder names and their text")
    unknown = sorted(set(given) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(f"placeholders.{unknown[0]}", "unknown placeholder {%(name)s}; use one of %(choices)s",
                              name=unknown[0], choices=", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    needed = placeholders_in(template.title, "title") + placeholders_in(template.message, "message")
    values = {name: check_line(given.get(name), f"placeholders.{name}", VALUE_MAX) for name in dict.fromkeys(needed)}
    for name, value in values.items():
        check_filled(value, f"placeholders.{name}")
    filled = {key: value for key, value in data.items() if key not in ("template_id", "placeholders")}
    return {**filled, "kind": template.kind, "title": template.title.format(**values),
            "message": template.message.format(**values)}


def parse(session, data, max_message_length):
    """Validate template input (API JSON or a form) into column values; ValidationError names the field."""
    if not isinstance(data, dict):
        raise ValidationError("template", "must be an object")
    kind = data.get("kind")
    if kind not in ACTION_KINDS:
        raise ValidationError("kind", "must be one of %(choices)s", choices=", ".join(ACTION_KINDS))
    room_id = data.get("control_room_id")
    if room_id is not None:
        if isinstance(room_id, bool) or not isinstance(room_id, int):
            raise ValidationError("control_room_id", "must be an id")
        check_int(room_id, "control_room_id", 1, ID_MAX)
        if session.get(ControlRoom, room_id) is None:
            raise ValidationError("control_room_id", "unknown control room %(id)s", id=room_id)
    values = {"name": check_line(data.get("name"), "name", NAME_MAX), "kind": kind, "control_room_id": room_id,
              "title": check_line(data.get("title"), "title", TITLE_MAX)}
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValidationError("message", "is empty")
    if len(message) > max_message_length:
        raise ValidationError("message", "is longer than %(max)s characters", max=max_message_length)
    values["message"] = check_text(message.strip(), "message")
    placeholders_in(values["title"], "title")
    placeholders_in(values["message"], "message")
    return values


def create(session, data, actor, max_message_length):
    template = MessageTemplate(**parse(session, data, max_message_length), updated_by=actor)
    session.add(template)
    session.flush()
    audit.record(session, actor, "create", "message_template", template.id, _audit_detail(template))
    return template


def update(session, template_id, data, actor, max_message_length):
    template = get(session, template_id)
    for key, value in parse(session, data, max_message_length).items():
        setattr(template, key, value)
    template.updated_by = actor
    session.flush()
    audit.record(session, actor, "update", "message_template", template.id, _audit_detail(template))
    return template


def delete(session, template_id, actor):
    template = get(session, template_id)
    detail = _audit_detail(template)
    session.delete(template)
    session.flush()
    audit.record(session, actor, "delete", "message_template", template_id, detail)


def _audit_detail(template):
    return {"name": template.name, "kind": template.kind, "control_room_id": template.control_room_id,
            "title": template.title, "message": template.message}


def get(session, template_id):
    template = session.get(MessageTemplate, template_id)
    if template is None:
        raise NotFound("message template", template_id)
    return template


def list_templates(session, room_id=None, kind=None):
    """Templates by kind and name; with `room_id`, that room's and those for every room."""
    query = select(MessageTemplate).order_by(MessageTemplate.kind, MessageTemplate.name, MessageTemplate.id)
    if room_id is not None:
        query = query.where(or_(MessageTemplate.control_room_id.is_(None), MessageTemplate.control_room_id == room_id))
    if kind is not None:
        query = query.where(MessageTemplate.kind == kind)
    return session.scalars(query).all()


def as_dict(template):
    return {"id": template.id, "name": template.name, "kind": template.kind,
            "control_room_id": template.control_room_id, "title": template.title, "message": template.message,
            "placeholders": sorted(set(placeholders_in(template.title, "title") +
                                       placeholders_in(template.message, "message"))),
            "updated_by": template.updated_by, "updated_at": template.updated_at.isoformat()}


def free_number(template, national):
    """The number an action from this template announces: its control room's own, else the national one."""
    return template.control_room.free_number if template.control_room else national


def previews(template, config):
    """The template as participants would get it, each placeholder its example: the SMS per language (with
    segments and encoding), the spoken alert's text (its audio: spoken_text) and the alert mail."""
    number = free_number(template, config["FREE_NUMBER"])
    links = MailLinks(config)
    message = render(template.message)
    sample = SimpleNamespace(message=message, code=PREVIEW_CODE, exercise=False)
    sms_text = message_for(sample, "email", "alert", "nl", number)
    mail = alert_mail(PREVIEW_CODE, "alert", sms_text, "nl",
                      {"manage": links.manage_url(0), "unsubscribe": links.unsubscribe_url(0, "alerts")})
    return {"title": render(template.title), "message": message, "sms": alert_previews(message, number),
            "spoken": spoken_text(template, config["FREE_NUMBER"]),
            "mail": {"subject": mail.subject, "paragraphs": mail.paragraphs}}


def spoken_text(template, national_free_number, language="nl"):
    """What a call about an action from this template says, each placeholder its example."""
    sample = SimpleNamespace(message=render(template.message), code=PREVIEW_CODE, exercise=False)
    return message_for(sample, "voice", "alert", language, free_number(template, national_free_number))
