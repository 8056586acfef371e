"""The JSON API under /api for control-room systems, with bearer-token auth.

Every endpoint names the scope it needs with @requires; an endpoint that names none is refused
(403), so a new route cannot be open by accident. A token bound to a control room sees only that
room's resources: anything else answers 404, as if it did not exist.
"""
import base64
import binascii
import json

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext

from core.actions import get_action
from core.api_limits import ApiRateLimit
from core.errors import N_, Conflict, NotFound, ValidationError
from core.room_scope import RoomScope
from core.tokens import authenticate, record_use
from web.db_session import runtime, session
from web.i18n import reason_text

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC_ENDPOINTS = {"api.openapi"}
SCOPE_OF = {}  # endpoint -> the scope it needs


def requires(scope):
    """Declare the scope a view needs (checked in require_token, before the view runs)."""
    def register(view):
        SCOPE_OF[f"{bp.name}.{view.__name__}"] = scope
        return view
    return register


def _error(status, error, reason, **headers):
    response = jsonify(error=error, reason=reason)
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.before_request
def require_token():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    db = session()
    principal = authenticate(db, token.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        return _error(401, "unauthorized", gettext("a valid bearer token is required (unknown, revoked or expired)"),
                      **{"WWW-Authenticate": 'Bearer realm="uitkijk"'})
    allowed, retry_after = ApiRateLimit(runtime().redis, current_app.config).take(principal.id)
    if not allowed:
        return _error(429, "rate_limited", gettext("more than %(limit)s requests this minute",
                                                   limit=current_app.config["API_RATE_PER_MINUTE"]),
                      **{"Retry-After": str(retry_after)})
    scope = SCOPE_OF.get(request.endpoint)
    if scope is None or scope not in principal.scopes:
        return _error(403, "forbidden", gettext("this token lacks the scope %(scope)s", scope=repr(scope)) if scope
                      else gettext("no scope grants this endpoint"))
    g.api_principal = principal
    g.api_actor = principal.actor
    g.room_scope = RoomScope(principal.control_room_id)
    if request.view_args and "action_id" in request.view_args:  # every /actions/<id>/...: the room's own only
        g.room_scope.check(get_action(db, request.view_args["action_id"]))
    return None


@bp.after_request
def audit_use(response):
    """The first request of each minute a token gets answered (not refused) is audited: the trail shows
    when and for what a token was used, without a row per request; a refused one writes nothing."""
    principal = g.get("api_principal")
    if principal is not None and response.status_code < 400 and \
            ApiRateLimit(runtime().redis, current_app.config).first_use_this_minute(principal.id):
        db = session()
        record_use(db, principal, request.method, request.path)
        db.commit()
    return response


def room_filter():
    """The control room the caller is bound to, or None for a national token."""
    return g.room_scope.room_id


def own(control_room_id, kind, ident):
    """Refuse (404, as core.room_scope does for actions) another room's control room, operator or trunk;
    a shared trunk (no room) belongs to no bound token."""
    if g.room_scope.restricted and control_room_id != g.room_scope.room_id:
        raise NotFound(kind, ident)


# What is the whole country's, as the refusal of a bound token names it: a sentence each, for the catalogue.
NATIONAL_ONLY = {
    "mail senders": N_("mail senders are national: a token bound to a control room may not reach them"),
    "partners": N_("partners are national: a token bound to a control room may not reach them"),
    "prompts": N_("prompts are national: a token bound to a control room may not reach them"),
    "regions": N_("regions are national: a token bound to a control room may not reach them"),
}


def national_only(what):
    """Refuse (403) a token bound to a control room what is the whole country's (one of NATIONAL_ONLY)."""
    if g.room_scope.restricted:
        forbid(NATIONAL_ONLY[what])


class Forbidden(Exception):
    """The token may not do this (beyond its scope, which require_token checks); the reason is a msgid
    (marked with N_), given in the client's language."""


def forbid(reason):
    raise Forbidden(reason)


@bp.errorhandler(Forbidden)
def _forbidden(exc):
    session().rollback()
    return _error(403, "forbidden", gettext(exc.args[0]))


@bp.errorhandler(ValidationError)
def _validation(exc):
    session().rollback()
    return jsonify(error="validation", field=exc.field, reason=reason_text(exc.reason)), 400


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error="not_found", reason=reason_text(exc.reason)), 404


@bp.errorhandler(Conflict)
def _conflict(exc):
    session().rollback()
    return jsonify(error="conflict", reason=reason_text(exc.reason)), 409


def json_body(fields=None, what="request"):
    """The JSON object sent; with `fields`, a key outside them is refused (400 naming it), as the
    document's additionalProperties: false says, rather than silently ignored."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    unknown = sorted(set(data) - set(fields)) if fields is not None else ()
    if unknown:
        raise ValidationError(unknown[0], "is not a %(what)s field", what=what)  # what: the schema's name
    return data


def encode_cursor(key):
    """An opaque page cursor for a paging key (a list of JSON values)."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_arg(shape):
    """The paging key in ?cursor=, checked against `shape` (the types of its parts), or None."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if (not isinstance(key, list) or len(key) != len(shape)
            or not all(type(part) is kind for part, kind in zip(key, shape))):
        raise ValidationError("cursor", "is not a cursor this endpoint gave out")
    return tuple(key)


def int_arg(name, default, low, high):
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(name, "must be a whole number") from None
    if not low <= value <= high:
        raise ValidationError(name, "must be between %(low)s and %(high)s", low=low, high=high)
    return value


from . import (  # noqa: E402,F401  (routes attach to bp)
    actions, approvals, control_rooms, dashboard, follow, launch_helpers, mail, mail_senders, message_templates,
    openapi, outbox, participants, partners, prompts, publication, regions, retry_policies, signup_limits, webhooks,
)
