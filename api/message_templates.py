"""Message templates (core.message_templates) as a control-room system keeps them: listed per room (its own
and those for every room), read with their rendered previews, created, changed and removed (audited).
A token bound to a control room reaches its own room's templates only, and changes no national one."""
from flask import current_app, g, jsonify, request, send_file
from flask_babel import gettext

from core import message_templates
from core.errors import ValidationError
from core.models import ACTION_KINDS
from tts_prompts import PromptStore, SpeechEngineError, UnspeakableText
from web.db_session import session

from . import bp, json_body, own, requires


def _visible(db, template_id, changing=False):
    """The template, if the caller may see (or, `changing`, change) it: a bound token's own room's, and for
    reading also the national ones; else not found."""
    template = message_templates.get(db, template_id)
    if template.control_room_id is not None or changing:
        own(template.control_room_id, "message template", template_id)
    return template


def _payload(template):
    payload = message_templates.as_dict(template)
    previews = message_templates.previews(template, current_app.config)
    payload["previews"] = {**previews, "mail": {**previews["mail"], "paragraphs": list(previews["mail"]["paragraphs"])}}
    return payload


@bp.get("/templates")
@requires("actions")
def list_templates():
    kind = request.args.get("kind")
    if kind is not None and kind not in ACTION_KINDS:
        raise ValidationError("kind", "must be one of %(choices)s", choices=", ".join(ACTION_KINDS))
    rows = message_templates.list_templates(session(), g.room_scope.room_id, kind)
    return jsonify([message_templates.as_dict(t) for t in rows])


@bp.get("/templates/<int:template_id>")
@requires("actions")
def show_template(template_id):
    return jsonify(_payload(_visible(session(), template_id)))


@bp.post("/templates")
@requires("configuration")
def create_template():
    data = json_body(message_templates.FIELDS, "template")
    own(data.get("control_room_id"), "control room", data.get("control_room_id"))
    db = session()
    template = message_templates.create(db, data, g.api_actor, current_app.config["MAX_MESSAGE_LENGTH"])
    db.commit()
    return jsonify(_payload(template)), 201


@bp.put("/templates/<int:template_id>")
@requires("configuration")
def update_template(template_id):
    data = json_body(message_templates.FIELDS, "template")
    db = session()
    _visible(db, template_id, changing=True)
    own(data.get("control_room_id"), "control room", data.get("control_room_id"))
    template = message_templates.update(db, template_id, data, g.api_actor, current_app.config["MAX_MESSAGE_LENGTH"])
    db.commit()
    return jsonify(_payload(template))


@bp.delete("/templates/<int:template_id>")
@requires("configuration")
def delete_template(template_id):
    db = session()
    _visible(db, template_id, changing=True)
    message_templates.delete(db, template_id, g.api_actor)
    db.commit()
    return "", 204


@bp.get("/templates/<int:template_id>/spoken.wav")
@requires("actions")
def template_spoken(template_id):
    """The spoken alert of an action from this template, as a call would play it (the examples filled in),
    as the web's template page plays it."""
    template = _visible(session(), template_id)
    try:
        rendered = PromptStore.from_config(current_app.config).render_text(
            message_templates.spoken_text(template, current_app.config["FREE_NUMBER"]), "nl")
    except (SpeechEngineError, UnspeakableText) as exc:
        return jsonify(error="unavailable", reason=gettext("the speech engine failed: %(error)s", error=str(exc))), 503
    return send_file(rendered.wav_path, mimetype="audio/wav", conditional=True)
