"""Participant endpoints: create, bulk import, get, delete."""
from flask import current_app, g, jsonify, request

from core import audit
from core.csv_import import import_csv
from core.erasure import FileDirs
from core.errors import ValidationError
from core.geocoding import geocoder_for
from core.participants import Registry, delete_participant, get_participant, participant_as_dict, validate
from web.db_session import session

from . import bp, json_body, requires

MAX_CSV_BYTES = 50 * 1024 * 1024


@bp.post("/participants")
@requires("participants:write")
def create_participant():
    db = session()
    spec = validate(json_body(), current_app.config["DEFAULT_REGION"], geocoder_for(current_app.config, db))
    registry = Registry(db)
    existing = registry.find_existing(spec)
    participant = registry.save(spec, existing)
    audit.record(db, g.api_actor, "update" if existing else "create", "participant", participant.id)
    db.commit()
    return jsonify(participant_as_dict(participant)), 200 if existing else 201


@bp.post("/participants/import")
@requires("participants:write")
def import_participants():
    upload = request.files.get("file")
    raw = upload.read(MAX_CSV_BYTES + 1) if upload else request.get_data(cache=False)
    if not raw:
        raise ValidationError("file", "no CSV given (send text/csv or a multipart field 'file')")
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationError("file", "is larger than 50 MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("file", "is not UTF-8 text") from None
    db = session()
    report = import_csv(db, text, current_app.config["DEFAULT_REGION"], geocoder=geocoder_for(current_app.config, db))
    audit.record(db, g.api_actor, "import", "participant", None, report.audit_detail())
    db.commit()
    return jsonify(report.as_dict())


@bp.get("/participants/<int:participant_id>")
@requires("participants:read")
def show_participant(participant_id):
    db = session()
    shown = participant_as_dict(get_participant(db, participant_id))
    audit.record(db, g.api_actor, "view", "participant", participant_id)
    db.commit()
    return jsonify(shown)


@bp.delete("/participants/<int:participant_id>")
@requires("participants:write")
def remove_participant(participant_id):
    db = session()
    delete_participant(db, participant_id, FileDirs.from_config(current_app.config))
    audit.record(db, g.api_actor, "delete", "participant", participant_id)
    db.commit()
    return "", 204
