"""Participant endpoints: the register searched a page at a time (numbers masked), create, change,
(de)activate, bulk import, get, the personal-data export, revoking self-service links, erase.

Every read of personal data is audited, as on the web; a list's audit names the ids it showed, not the
search (which may be a phone number)."""
from urllib.parse import urlencode

from flask import current_app, g, jsonify, request

from core import audit, signup
from core.csv_import import import_csv
from core.erasure import FileDirs
from core.errors import ValidationError
from core.geocoding import geocoder_for
from core.participant_access import STATUSES, ParticipantScope
from core.participants import Registry, delete_participant, get_participant, participant_as_dict, validate
from core.personal_data import export_participant
from web.db_session import session
from web.i18n import reason_text

from . import bp, cursor_arg, encode_cursor, int_arg, json_body, requires

MAX_CSV_BYTES = 50 * 1024 * 1024
FIELDS = ("external_ref", "name", "email", "language", "municipality", "phones", "mail", "home", "work",
          "quiet_hours", "test")


@bp.get("/participants")
@requires("participants:read")
def list_participants():
    """A page of the register by id, matching `q` (name, e-mail, reference or number) and `status`; the
    next page's cursor in X-Next-Cursor and Link while there is one."""
    status = request.args.get("status", "active")
    if status not in STATUSES:
        raise ValidationError("status", "must be one of %(choices)s", choices=", ".join(STATUSES))
    limit = int_arg("limit", 100, 1, 500)
    after = cursor_arg((int,))
    db = session()
    rows = ParticipantScope(db).page(request.args.get("q", ""), status, limit, after[0] if after else None)
    if rows:
        audit.record(db, g.api_actor, "list", "participant", None, {"ids": [p.id for p in rows]})
        db.commit()
    response = jsonify([participant_as_dict(p, show_numbers=False) for p in rows])
    if len(rows) == limit:
        cursor = encode_cursor([rows[-1].id])
        response.headers["X-Next-Cursor"] = cursor
        response.headers["Link"] = f'<{request.path}?{urlencode({**request.args.to_dict(), "cursor": cursor})}>; rel="next"'
    return response


@bp.post("/participants")
@requires("participants:write")
def create_participant():
    db = session()
    spec = validate(json_body(FIELDS, "participant"), current_app.config["DEFAULT_REGION"],
                    geocoder_for(current_app.config, db))
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
    answer = report.as_dict()
    answer["errors"] = [{**error, "reason": reason_text(error["reason"])} for error in answer["errors"]]
    return jsonify(answer)


@bp.get("/participants/<int:participant_id>")
@requires("participants:read")
def show_participant(participant_id):
    db = session()
    shown = participant_as_dict(get_participant(db, participant_id))
    audit.record(db, g.api_actor, "view", "participant", participant_id)
    db.commit()
    return jsonify(shown)


@bp.put("/participants/<int:participant_id>")
@requires("participants:write")
def update_participant(participant_id):
    """The registration replaced whole, as the web's form saves it: what is left out is removed."""
    db = session()
    participant = get_participant(db, participant_id)
    saved = ParticipantScope(db).save(json_body(FIELDS, "participant"), current_app.config["DEFAULT_REGION"],
                                      participant, geocoder_for(current_app.config, db))
    audit.record(db, g.api_actor, "update", "participant", participant_id)
    db.commit()
    return jsonify(participant_as_dict(saved))


@bp.put("/participants/<int:participant_id>/active")
@requires("participants:write")
def set_participant_active(participant_id):
    active = json_body(("active",), "request").get("active")
    if not isinstance(active, bool):
        raise ValidationError("active", "must be true or false")
    db = session()
    participant = ParticipantScope(db).set_active(participant_id, active)
    audit.record(db, g.api_actor, "activate" if active else "deactivate", "participant", participant_id)
    db.commit()
    return jsonify(participant_as_dict(participant))


@bp.post("/participants/<int:participant_id>/revoke-links")
@requires("participants:write")
def revoke_participant_links(participant_id):
    """Every self-service link sent to the participant stops working (a new one can be asked for)."""
    db = session()
    signup.revoke_links(get_participant(db, participant_id))
    audit.record(db, g.api_actor, "revoke-links", "participant", participant_id)
    db.commit()
    return "", 204


@bp.get("/participants/<int:participant_id>/personal-data")
@requires("participants:read")
def participant_personal_data(participant_id):
    """Everything held on the participant (a GDPR access request), as the web's export; audited."""
    db = session()
    data = export_participant(db, participant_id, current_app.config["RECORDINGS_DIR"])
    audit.record(db, g.api_actor, "export-personal-data", "participant", participant_id)
    db.commit()
    return jsonify(data)


@bp.delete("/participants/<int:participant_id>")
@requires("participants:write")
def remove_participant(participant_id):
    db = session()
    delete_participant(db, participant_id, FileDirs.from_config(current_app.config))
    audit.record(db, g.api_actor, "delete", "participant", participant_id)
    db.commit()
    return "", 204
