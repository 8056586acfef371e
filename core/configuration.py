"""What admins configure: control rooms, operators and trunks, validated before they are stored.

Input is what a form posts (strings; a missing checkbox is absent). Every change is audited.
Trunk secrets are sealed by core.secrets and never come back out of this module in plain text.
"""
import re

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from core.asterisk_values import OperatorConf, TrunkConf, check_dial_string

from . import answering_machines, audit, cap_keys, secrets
from .errors import Conflict, NotFound, ValidationError
from .models import Action, ControlRoom, Operator, Trunk
from .input_checks import ID_MAX
from .numbers import parse_number

BACKENDS = ("asterisk", "twilio")
TRUNK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
FREE_NUMBER = re.compile(r"\+?[0-9][0-9 ]{2,30}")
CALLER_ID = re.compile(r"\+?[0-9]{3,20}")
TWILIO_SID = re.compile(r"AC[0-9a-f]{32}")
SECRET_FIELDS = {"asterisk": ("ami_secret", "password"), "twilio": ("auth_token",)}
MAX_CHANNELS = 1000
MAX_CPS = 100.0


def _no_control_characters(field, value):
    """Refuse line breaks and other control characters: these fields end up in AMI headers and config files."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(field, "must not contain line breaks or other control characters")
    return value


def _text(data, field, max_len, required=True):
    value = _no_control_characters(field, (data.get(field) or "").strip())
    if required and not value:
        raise ValidationError(field, "is required")
    if len(value) > max_len:
        raise ValidationError(field, "is longer than %(max)s characters", max=max_len)
    return value or None


def _int(data, field, low, high, default=None):
    raw = (data.get(field) or "").strip()
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(field, "must be a whole number") from None
    if not low <= value <= high:
        raise ValidationError(field, "must be between %(low)s and %(high)s", low=low, high=high)
    return value


def _flag(data, field):
    return str(data.get(field, "")).lower() in ("1", "on", "true", "yes")


def _choice(data, field, choices):
    value = data.get(field)
    if value not in choices:
        raise ValidationError(field, "must be one of %(choices)s", choices=", ".join(choices))
    return value


def _destination(data, field, region, required=True):
    """A dial string (PJSIP/jan, Local/123@ctx) for Asterisk, or a phone number (stored as E.164)."""
    value = _text(data, field, 120, required)
    if value is None:
        return None
    if "/" in value:
        try:
            return check_dial_string(value)
        except ValueError:
            raise ValidationError(field, "is not a usable dial string (like PJSIP/name or Local/number@context)") from None
    return parse_number(value, region, field).e164


def _caller_id(data, region):
    """The number calls go out with, as E.164; a free (0800) number is allowed here, unlike for participants."""
    raw = "".join(_text(data, "caller_id", 32).split())
    try:
        number = phonenumbers.parse(raw[2:] if raw.startswith("00") else raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not CALLER_ID.fullmatch(raw) or not phonenumbers.is_possible_number(number):
        raise ValidationError("caller_id", "must be a phone number, like +31201234567 or 0800 0011")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _unique(session, model, instance):
    try:
        with session.begin_nested():
            session.add(instance)
            session.flush()
    except IntegrityError:
        raise Conflict("that name is in use already") from None


# Control rooms.

def list_control_rooms(session):
    return session.scalars(select(ControlRoom).order_by(ControlRoom.name)).all()


def get_control_room(session, room_id):
    room = session.get(ControlRoom, room_id)
    if room is None:
        raise NotFound("control room", room_id)
    return room


def save_control_room(session, data, actor, region="NL", room_id=None):
    """Create (room_id None) or change a control room."""
    room = ControlRoom() if room_id is None else get_control_room(session, room_id)
    room.name = _text(data, "name", 120)
    free_number = _text(data, "free_number", 32)
    if not FREE_NUMBER.fullmatch(free_number):
        raise ValidationError("free_number", "must be digits (spaces allowed), like 0800 0011")
    room.free_number = " ".join(free_number.split())
    room.general_line = _destination(data, "general_line", region, required=False)
    room.voice_backend = _choice(data, "voice_backend", BACKENDS)
    _unique(session, ControlRoom, room)
    audit.record(session, actor, "create" if room_id is None else "change", "control_room", room.id,
                 {"name": room.name, "voice_backend": room.voice_backend})
    return room


# Operators.

def list_operators(session, control_room_id=None):
    query = select(Operator).order_by(Operator.control_room_id, Operator.name)
    if control_room_id is not None:
        query = query.where(Operator.control_room_id == control_room_id)
    return session.scalars(query).all()


def get_operator(session, operator_id):
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFound("operator", operator_id)
    return operator


def save_operator(session, data, actor, region="NL", operator_id=None, config=None):
    """Create (operator_id None) or change an operator: name, control room, dial string, availability and
    softphone (see _softphone_secret). `config` (the application's) is needed to seal a typed SIP password."""
    operator = Operator() if operator_id is None else get_operator(session, operator_id)
    operator.name = _text(data, "name", 120)
    room_id = _int(data, "control_room_id", 1, ID_MAX)
    if session.get(ControlRoom, room_id) is None:
        raise ValidationError("control_room_id", "unknown control room %(id)s", id=room_id)
    operator.control_room_id = room_id
    operator.dial_string = _destination(data, "dial_string", region)
    operator.available = _flag(data, "available")
    operator.sip_secret = _softphone_secret(session, data, operator, config)
    session.add(operator)
    session.flush()
    audit.record(session, actor, "create" if operator_id is None else "change", "operator", operator.id,
                 {"name": operator.name, "available": operator.available,
                  "softphone": secrets.describe(operator.sip_secret)})
    return operator


def _softphone_secret(session, data, operator, config):
    """The operator's sealed SIP password after this save, or None for no softphone.

    A typed "sip_password" is sealed, a blank one keeps the stored password and "remove_softphone" drops
    it. With a password the operator is the PJSIP endpoint of its dial string (PJSIP/<endpoint>),
    checked as asterisk_conf renders it, so `flask asterisk-config` cannot fail on it later.
    """
    typed = (data.get("sip_password") or "").strip()
    if _flag(data, "remove_softphone"):
        if typed:
            raise ValidationError("sip_password", "cannot be set while removing the softphone")
        return None
    if not typed and operator.sip_secret is None:
        return None
    dial_string = operator.dial_string
    endpoint = dial_string.removeprefix("PJSIP/")
    try:
        OperatorConf(name=endpoint, dial_string=dial_string, sip_password="placeholder-ok")
    except ValueError:
        raise ValidationError("dial_string", "must be PJSIP/<endpoint> for an operator with a softphone, "
                              "the endpoint being letters, digits, - and _") from None
    if typed and not typed.startswith(secrets.ENV_PREFIX):
        try:
            OperatorConf(name=endpoint, dial_string=dial_string, sip_password=typed)
        except ValueError:  # its message would show the password
            raise ValidationError("sip_password", "must be 8 to 128 printable ASCII characters, "
                                  "without spaces or ';'") from None
    if session.scalar(select(Operator.id).where(Operator.dial_string == dial_string, Operator.id != operator.id,
                                                Operator.sip_secret.is_not(None))) is not None:
        raise ValidationError("dial_string", "endpoint %(endpoint)s is already another operator's softphone",
                              endpoint=endpoint)
    if session.scalar(select(Trunk.id).where(Trunk.name == endpoint)) is not None:
        raise ValidationError("dial_string", "endpoint %(endpoint)s is the name of a trunk", endpoint=endpoint)
    return _sealed(data, "sip_password", {"sip_password": operator.sip_secret}, config)


def set_operator_available(session, operator_id, available, actor):
    operator = get_operator(session, operator_id)
    operator.available = bool(available)
    audit.record(session, actor, "availability", "operator", operator.id, {"available": operator.available})
    return operator


# Trunks.

def list_trunks(session):
    return session.scalars(select(Trunk).order_by(Trunk.name)).all()


def get_trunk(session, trunk_id):
    trunk = session.get(Trunk, trunk_id)
    if trunk is None:
        raise NotFound("trunk", trunk_id)
    return trunk


def save_trunk(session, data, actor, config, trunk_id=None):
    """Create (trunk_id None) or change a trunk. A secret left blank keeps the stored one."""
    trunk = Trunk() if trunk_id is None else get_trunk(session, trunk_id)
    name = _text(data, "name", 40)
    if not TRUNK_NAME.fullmatch(name):
        raise ValidationError("name", "must be letters, digits, - and _ (starting with a letter or digit)")
    backend = _choice(data, "backend", BACKENDS)
    if trunk_id is not None and backend != trunk.backend:
        raise ValidationError("backend", "cannot change; create a new trunk instead")
    room_raw = (data.get("control_room_id") or "").strip()
    room_id = _int(data, "control_room_id", 1, ID_MAX) if room_raw else None
    if room_id is not None and session.get(ControlRoom, room_id) is None:
        raise ValidationError("control_room_id", "unknown control room %(id)s", id=room_id)
    caller_id = _caller_id(data, config["DEFAULT_REGION"])
    channel_limit = _int(data, "channel_limit", 1, MAX_CHANNELS)
    try:
        cps = float((data.get("calls_per_second") or "").strip())
    except ValueError:
        raise ValidationError("calls_per_second", "must be a number") from None
    if not 0 < cps <= MAX_CPS:
        raise ValidationError("calls_per_second", "must be more than 0 and at most %(max)s", max=f"{MAX_CPS:g}")
    old = trunk.settings or {}
    if backend == "asterisk":
        settings, dial_template = _asterisk_settings(data, old, config, name, caller_id, channel_limit, cps)
    else:
        settings, dial_template = _twilio_settings(data, old, config), None
    trunk.name, trunk.backend, trunk.control_room_id = name, backend, room_id
    trunk.caller_id, trunk.channel_limit, trunk.calls_per_second = caller_id, channel_limit, cps
    trunk.dial_template, trunk.settings, trunk.enabled = dial_template, settings, _flag(data, "enabled")
    _unique(session, Trunk, trunk)
    audit.record(session, actor, "create" if trunk_id is None else "change", "trunk", trunk.id,
                 {"name": name, "backend": backend, "settings": public_settings(trunk)})
    return trunk


def _sealed(data, field, old, config):
    """The stored form of a secret field: newly sealed if typed, else the stored one."""
    typed = _no_control_characters(field, (data.get(field) or "").strip())
    if not typed:
        return old.get(field)
    try:
        return secrets.seal(config, typed)
    except ValueError as exc:
        raise ValidationError(field, exc.args[0]) from None


# What a TrunkConf check speaks of -> the form field that holds it, so a refusal names the field to correct.
_TRUNK_CHECKS = (("dial template", "dial_template"), ("dials PJSIP", "dial_template"), ("dial string", "dial_template"),
                 ("SIP host", "sip_host"), ("SIP port", "sip_port"), ("username", "username"),
                 ("password", "password"), ("registration", "register"), ("phone number", "caller_id"),
                 ("channel limit", "channel_limit"), ("cps", "calls_per_second"))


def _trunk_field(message):
    return next((field for phrase, field in _TRUNK_CHECKS if phrase in message), "name")


def _asterisk_settings(data, old, config, name, caller_id, channel_limit, cps):
    ami_host = _text(data, "ami_host", 253)
    ami_port = _int(data, "ami_port", 1, 65535, default=5038)
    ami_user = _text(data, "ami_user", 40)
    ami_secret = _sealed(data, "ami_secret", old, config)
    if ami_secret is None:
        raise ValidationError("ami_secret", "is required")
    sip_host = _text(data, "sip_host", 253, required=False)
    sip_port = _int(data, "sip_port", 1, 65535, default=5060)
    username = _text(data, "username", 40, required=False)
    password = _sealed(data, "password", old, config) if username else None
    register = _flag(data, "register")
    template = _text(data, "dial_template", 120, required=False) or (
        f"PJSIP/{{number}}@{name}" if sip_host else None)
    if template is None:
        raise ValidationError("dial_template", "is required without a SIP host (e.g. Local/{number}@pstn)")
    if username and password is None:
        raise ValidationError("password", "is required with a username")
    try:
        # The same checks the Asterisk configuration renderer applies; the password is checked when typed.
        TrunkConf(name=name, dial_template=template, caller_id=caller_id.lstrip("+"), channel_limit=channel_limit,
                  cps=cps, sip_host=sip_host, sip_port=sip_port, username=username,
                  password="placeholder-ok" if username else None, register=register)
    except ValueError as exc:
        raise ValidationError(_trunk_field(str(exc).replace(f"trunk {name}", "")), exc.args[0]) from None
    return ({"ami_host": ami_host, "ami_port": ami_port, "ami_user": ami_user, "ami_secret": ami_secret,
             "sip_host": sip_host, "sip_port": sip_port, "username": username, "password": password,
             "register": register, "amd": _amd_settings(data, "asterisk")}, template)


def _amd_settings(data, backend):
    """Answering-machine detection of the trunk's alert and closing calls (core.answering_machines), from the
    form's amd_enabled and amd_<parameter> fields (the back-end's own); a parameter left blank takes its default."""
    values = {"enabled": _flag(data, "amd_enabled")}
    for name, default, low, high in answering_machines.FIELDS[backend]:
        values[name] = _int(data, f"amd_{name}", low, high, default=default)
    return values


def _twilio_settings(data, old, config):
    sid = _text(data, "account_sid", 34)
    if not TWILIO_SID.fullmatch(sid):
        raise ValidationError("account_sid", "must be AC followed by 32 hexadecimal characters")
    token = _sealed(data, "auth_token", old, config)
    if token is None:
        raise ValidationError("auth_token", "is required")
    return {"account_sid": sid, "auth_token": token, "amd": _amd_settings(data, "twilio")}


def public_settings(trunk):
    """A trunk's settings as an admin page or the audit trail may show them: secrets only described."""
    shown = {}
    for key, value in (trunk.settings or {}).items():
        shown[key] = secrets.describe(value) if key in SECRET_FIELDS.get(trunk.backend, ()) else value
    return shown


def trunk_for_room(session, backend, control_room_id):
    """The enabled `backend` trunk a control room's sends leave through: its own, else one shared by
    every room (no control room set); None when there is neither. `control_room_id` may be a
    subquery; None asks for a shared trunk only."""
    return session.scalars(
        select(Trunk).where(Trunk.backend == backend, Trunk.enabled.is_(True),
                            or_(Trunk.control_room_id == control_room_id, Trunk.control_room_id.is_(None)))
        .order_by(Trunk.control_room_id.is_(None), Trunk.name).limit(1)).first()


def trunk_for_action(session, backend, action_id):
    """The enabled `backend` trunk an action's sends leave through (see trunk_for_room)."""
    return trunk_for_room(session, backend,
                          select(Action.control_room_id).where(Action.id == action_id).scalar_subquery())


def trunks_of_backend(session, backend):
    """Every `backend` trunk, enabled or not, by name."""
    return session.scalars(select(Trunk).where(Trunk.backend == backend).order_by(Trunk.name)).all()


def trunk_secret(trunk, field, config, environ=None):
    """The plain value of one of a trunk's secrets, for the code that logs in with it."""
    if field not in SECRET_FIELDS.get(trunk.backend, ()):
        raise ValueError(f"{field} is not a secret of a {trunk.backend} trunk")
    stored = (trunk.settings or {}).get(field)
    if stored is None:
        raise secrets.SecretUnavailable(f"trunk {trunk.name} has no {field}")
    return secrets.reveal(config, stored, environ)


def delete_trunk(session, trunk_id, actor):
    trunk = get_trunk(session, trunk_id)
    session.delete(trunk)
    audit.record(session, actor, "delete", "trunk", trunk_id, {"name": trunk.name})


def rotate_secrets(session, config, actor):
    """Encrypt every stored trunk and softphone secret and the uploaded CAP signing key again with the newest
    TRUNK_SECRET_KEY; returns how many were rewritten. Run it after putting a new key first in
    TRUNK_SECRET_KEY, then drop the old."""
    count = 0
    for trunk in session.scalars(select(Trunk)):
        settings = dict(trunk.settings or {})
        for field in SECRET_FIELDS.get(trunk.backend, ()):
            if settings.get(field) and "encrypted" in settings[field]:
                settings[field] = secrets.rotate(config, settings[field])
                count += 1
        trunk.settings = settings
    for operator in session.scalars(select(Operator).where(Operator.sip_secret.is_not(None))):
        if "encrypted" in operator.sip_secret:
            operator.sip_secret = secrets.rotate(config, operator.sip_secret)
            count += 1
    count += cap_keys.rotate_sealed(session, config)
    audit.record(session, actor, "rotate-secrets", "trunk", None, {"rewritten": count})
    session.flush()
    return count


# What a form (the admin's, or the API's JSON merged over it) starts from: the stored values as strings,
# secrets never among them (a blank secret keeps the stored one).

def room_form(room):
    if room is None:
        return {"voice_backend": "asterisk"}
    return {"name": room.name, "free_number": room.free_number, "general_line": room.general_line or "",
            "voice_backend": room.voice_backend}


def operator_form(found):
    if found is None:
        return {"available": "on"}
    return {"name": found.name, "control_room_id": str(found.control_room_id), "dial_string": found.dial_string,
            "available": "on" if found.available else ""}


def trunk_form(found, backend):
    if found is None:
        return {"backend": backend if backend in BACKENDS else "asterisk", "channel_limit": "30",
                "calls_per_second": "10", "ami_port": "5038", "sip_port": "5060", "enabled": "on"}
    form = {"name": found.name, "backend": found.backend, "control_room_id": str(found.control_room_id or ""),
            "caller_id": found.caller_id or "", "channel_limit": str(found.channel_limit),
            "calls_per_second": f"{found.calls_per_second:g}", "dial_template": found.dial_template or "",
            "enabled": "on" if found.enabled else ""}
    for key, value in (found.settings or {}).items():
        if key not in SECRET_FIELDS[found.backend] and key != "amd":
            form[key] = "on" if value is True else "" if value in (False, None) else str(value)
    if found.backend in answering_machines.FIELDS:
        amd = answering_machines.stored(found.settings, found.backend)
        form["amd_enabled"] = "on" if amd["enabled"] else ""
        form.update({f"amd_{name}": str(amd[name]) for name, *_ in answering_machines.FIELDS[found.backend]})
    return form


def form_from_json(data, start):
    """A JSON body as the form fields the save functions read, over `start` (room_form and the like):
    a field left out keeps its value, true/false are a checkbox, numbers are typed text."""
    form = dict(start)
    for field, value in data.items():
        if isinstance(value, bool):
            form[field] = "on" if value else ""
        elif value is None:
            form[field] = ""
        elif isinstance(value, (int, float, str)):
            form[field] = str(value)
        else:
            raise ValidationError(field, "must be a string, number or true/false")
    return form
