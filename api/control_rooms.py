"""Control rooms, their operators (and availability) and trunks, as an admin configures them on the web.

A change is a partial update (PATCH): fields left out keep their value. Trunk and softphone secrets
are write-only: sealed by core.secrets when sent, and only described ("stored encrypted") when read.
A token bound to a control room sees and changes that room only, and cannot create rooms.
"""
from flask import current_app, g, jsonify

from core import configuration, secrets
from core.errors import N_, ValidationError
from web.db_session import session

from . import bp, forbid, json_body, own, requires, room_filter


def room_payload(room, operators):
    return {"id": room.id, "name": room.name, "free_number": room.free_number, "general_line": room.general_line,
            "voice_backend": room.voice_backend,
            "operators": [{"id": o.id, "name": o.name, "available": o.available}
                          for o in operators if o.control_room_id == room.id]}


def operator_payload(operator):
    return {"id": operator.id, "name": operator.name, "control_room_id": operator.control_room_id,
            "dial_string": operator.dial_string, "available": operator.available,
            "softphone": secrets.describe(operator.sip_secret)}


def trunk_payload(trunk):
    return {"id": trunk.id, "name": trunk.name, "backend": trunk.backend, "control_room_id": trunk.control_room_id,
            "caller_id": trunk.caller_id, "channel_limit": trunk.channel_limit,
            "calls_per_second": trunk.calls_per_second, "dial_template": trunk.dial_template,
            "enabled": trunk.enabled, "settings": configuration.public_settings(trunk)}


def _region():
    return current_app.config["DEFAULT_REGION"]


def _bound_room_field(form):
    """A room-bound token's writes stay in its room: control_room_id defaults to it and may not be another."""
    bound = room_filter()
    if bound is None:
        return form
    if form.get("control_room_id", "") not in ("", str(bound)):
        raise ValidationError("control_room_id", "this token may only use control room %(id)s", id=bound)
    return {**form, "control_room_id": str(bound)}


# Control rooms.

@bp.get("/control-rooms")
@requires("control-rooms")
def list_control_rooms():
    db = session()
    bound = room_filter()
    rooms = [r for r in configuration.list_control_rooms(db) if bound is None or r.id == bound]
    operators = configuration.list_operators(db, bound)
    return jsonify([room_payload(r, operators) for r in rooms])


@bp.post("/control-rooms")
@requires("configuration")
def create_control_room():
    if room_filter() is not None:
        forbid(N_("a token bound to a control room cannot create control rooms"))
    db = session()
    form = configuration.form_from_json(json_body(), configuration.room_form(None))
    room = configuration.save_control_room(db, form, g.api_actor, _region())
    db.commit()
    return jsonify(room_payload(room, [])), 201


@bp.patch("/control-rooms/<int:room_id>")
@requires("configuration")
def update_control_room(room_id):
    own(room_id, "control room", room_id)
    db = session()
    room = configuration.get_control_room(db, room_id)
    form = configuration.form_from_json(json_body(), configuration.room_form(room))
    room = configuration.save_control_room(db, form, g.api_actor, _region(), room_id)
    db.commit()
    return jsonify(room_payload(room, configuration.list_operators(db, room_id)))


# Operators.

def _operator(db, operator_id):
    operator = configuration.get_operator(db, operator_id)
    own(operator.control_room_id, "operator", operator_id)
    return operator


@bp.get("/operators")
@requires("control-rooms")
def list_operators():
    return jsonify([operator_payload(o) for o in configuration.list_operators(session(), room_filter())])


@bp.post("/operators")
@requires("configuration")
def create_operator():
    db = session()
    form = _bound_room_field(configuration.form_from_json(json_body(), configuration.operator_form(None)))
    operator = configuration.save_operator(db, form, g.api_actor, _region(), config=current_app.config)
    db.commit()
    return jsonify(operator_payload(operator)), 201


@bp.patch("/operators/<int:operator_id>")
@requires("configuration")
def update_operator(operator_id):
    db = session()
    operator = _operator(db, operator_id)
    form = _bound_room_field(configuration.form_from_json(json_body(), configuration.operator_form(operator)))
    operator = configuration.save_operator(db, form, g.api_actor, _region(), operator_id, config=current_app.config)
    db.commit()
    return jsonify(operator_payload(operator))


@bp.put("/operators/<int:operator_id>/availability")
@requires("control-rooms")
def set_availability(operator_id):
    available = json_body().get("available")
    if not isinstance(available, bool):
        raise ValidationError("available", "must be true or false")
    db = session()
    _operator(db, operator_id)
    operator = configuration.set_operator_available(db, operator_id, available, g.api_actor)
    db.commit()
    return jsonify(operator_payload(operator))


# Trunks.

def _trunk(db, trunk_id):
    trunk = configuration.get_trunk(db, trunk_id)
    own(trunk.control_room_id, "trunk", trunk_id)
    return trunk


@bp.get("/trunks")
@requires("configuration")
def list_trunks():
    bound = room_filter()
    return jsonify([trunk_payload(t) for t in configuration.list_trunks(session())
                    if bound is None or t.control_room_id == bound])


@bp.post("/trunks")
@requires("configuration")
def create_trunk():
    data = json_body()
    db = session()
    start = configuration.trunk_form(None, data.get("backend"))
    form = _bound_room_field(configuration.form_from_json(data, start))
    trunk = configuration.save_trunk(db, form, g.api_actor, current_app.config)
    db.commit()
    return jsonify(trunk_payload(trunk)), 201


@bp.get("/trunks/<int:trunk_id>")
@requires("configuration")
def show_trunk(trunk_id):
    return jsonify(trunk_payload(_trunk(session(), trunk_id)))


@bp.patch("/trunks/<int:trunk_id>")
@requires("configuration")
def update_trunk(trunk_id):
    db = session()
    trunk = _trunk(db, trunk_id)
    form = _bound_room_field(configuration.form_from_json(json_body(), configuration.trunk_form(trunk, None)))
    trunk = configuration.save_trunk(db, form, g.api_actor, current_app.config, trunk_id)
    db.commit()
    return jsonify(trunk_payload(trunk))



@bp.delete("/trunks/<int:trunk_id>")
@requires("configuration")
def delete_trunk(trunk_id):
    db = session()
    configuration.delete_trunk(db, _trunk(db, trunk_id).id, g.api_actor)
    db.commit()
    return "", 204
