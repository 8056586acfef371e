"""Retry policies per action kind (core.retry_policy): read, set (fields left out keep their value) and reset
to the configuration's defaults. They hold for every control room, so a token bound to one cannot change them."""
from flask import current_app, g, jsonify

from core import retry_policy
from core.errors import N_
from web.db_session import session

from . import bp, forbid, json_body, requires, room_filter


def _installation_wide():
    if room_filter() is not None:
        forbid(N_("retry policies hold for every control room; a token bound to one cannot change them"))


@bp.get("/retry-policies")
@requires("configuration")
def list_retry_policies():
    return jsonify([p.as_dict() for p in retry_policy.all_policies(session(), current_app.config)])


@bp.put("/retry-policies/<kind>")
@requires("configuration")
def set_retry_policy(kind):
    _installation_wide()
    db = session()
    policy = retry_policy.save_policy(db, current_app.config, kind, json_body(), g.api_actor)
    db.commit()
    return jsonify(policy.as_dict())


@bp.delete("/retry-policies/<kind>")
@requires("configuration")
def reset_retry_policy(kind):
    _installation_wide()
    db = session()
    policy = retry_policy.reset_policy(db, current_app.config, kind, g.api_actor)
    db.commit()
    return jsonify(policy.as_dict())
