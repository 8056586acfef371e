"""The JSON API under /api for control-room systems, with bearer-token auth."""
from flask import Blueprint, g, jsonify, request

from core.errors import Conflict, NotFound, ValidationError
from core.actions import get_action
from core.room_scope import RoomScope
from core.tokens import authenticate
from web.db_session import session

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def require_token():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    found = authenticate(session(), token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        response = jsonify(error="unauthorized", reason="a valid bearer token is required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="uitkijk"'
        return response
    g.api_actor = f"token:{found.name}"
    g.room_scope = RoomScope(found.control_room_id)
    if request.view_args and "action_id" in request.view_args:  # every /actions/<id>/...: the room's own only
        g.room_scope.check(get_action(session(), request.view_args["action_id"]))
    return None


@bp.errorhandler(ValidationError)
def _validation(exc):
    session().rollback()
    return jsonify(error="validation", field=exc.field, reason=exc.reason), 400


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error="not_found", reason=str(exc)), 404


@bp.errorhandler(Conflict)
def _conflict(exc):
    session().rollback()
    return jsonify(error="conflict", reason=str(exc)), 409


def json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    return data


def int_arg(name, default, low, high):
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(name, "must be a whole number") from None
    if not low <= value <= high:
        raise ValidationError(name, f"must be between {low} and {high}")
    return value


from . import actions, openapi, outbox, participants, publication  # noqa: E402,F401  (routes attach to bp)
