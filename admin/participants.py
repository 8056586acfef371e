"""Participants for municipality staff (their own municipality) and admins: search, add, edit,
deactivate and CSV import with a per-row report."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import audit, signup
from core.errors import NotFound, ValidationError
from core.geocoding import geocoder_for
from core.csv_import import COLUMNS, HOME_COLUMN_SETS, REQUIRED_COLUMNS
from core.participant_access import STATUSES, ParticipantScope
from core.personal_data import export_participant
from web.db_session import session as db_session

from .auth import audit_actor, current_user, login_required
from .mail_public import request_mail_confirmation
from .personal_data import personal_data_json
from .participant_form import PHONE_SLOTS, error_label, error_tie, form_to_input, participant_to_form

bp = Blueprint("participants", __name__, url_prefix="/participants")
MAX_PAGE = 100_000  # 50 a page: beyond any register; keeps the OFFSET within a column's range

PER_PAGE = 50
MAX_CSV_BYTES = 20 * 1024 * 1024


def _scope():
    try:
        return ParticipantScope.for_user(db_session(), current_user())
    except PermissionError:
        abort(403)


def _region():
    return current_app.config["DEFAULT_REGION"]


def _page_number():
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


@bp.get("")
@login_required("municipality")
def index():
    scope = _scope()
    query, status = request.args.get("q", ""), request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    page = _page_number()
    participants, total = scope.search(query, status, page, PER_PAGE)
    return render_template("participants/index.html", participants=participants, total=total, query=query,
                           status=status, statuses=STATUSES, page=page, pages=max(1, -(-total // PER_PAGE)),
                           municipality=scope.municipality)


def _edit_page(scope, participant, values, error=None, slots=(), status=200):
    return render_template("participants/edit.html", participant=participant, values=values,
                           error=error, error_field=error_label(error.field, list(slots)) if error else None,
                           err=error_tie(error, slots),
                           municipalities=scope.municipalities(), restricted=scope.restricted,
                           phone_slots=PHONE_SLOTS), status


def _save(scope, participant):
    db = db_session()
    slots = ()
    try:
        data, slots = form_to_input(request.form, with_admin_fields=True)
        saved = scope.save(data, _region(), participant, geocoder_for(current_app.config, db))
        request_mail_confirmation(saved)
    except ValidationError as exc:
        db.rollback()
        return None, _edit_page(scope, participant, request.form, exc, slots, 400)
    audit.record(db, audit_actor(), "update" if participant else "create", "participant", saved.id)
    db.commit()
    return saved, None


@bp.route("/new", methods=["GET", "POST"])
@login_required("municipality")
def new():
    scope = _scope()
    if request.method == "GET":
        default = {"municipality": scope.municipality.code} if scope.restricted else {}
        return _edit_page(scope, None, default)
    saved, failed = _save(scope, None)
    if failed:
        return failed
    flash(_("Participant added."), "success")
    return redirect(url_for("participants.edit", participant_id=saved.id))


def _visible_or_404(scope, participant_id):
    try:
        return scope.get(participant_id)
    except NotFound:
        abort(404)


@bp.route("/<int:participant_id>", methods=["GET", "POST"])
@login_required("municipality")
def edit(participant_id):
    scope = _scope()
    participant = _visible_or_404(scope, participant_id)
    if request.method == "GET":
        db = db_session()
        audit.record(db, audit_actor(), "view", "participant", participant_id)
        db.commit()
        return _edit_page(scope, participant, participant_to_form(participant))
    saved, failed = _save(scope, participant)
    if failed:
        return failed
    flash(_("Participant saved."), "success")
    return redirect(url_for("participants.edit", participant_id=saved.id))


@bp.post("/<int:participant_id>/active")
@login_required("municipality")
def set_active(participant_id):
    scope = _scope()
    _visible_or_404(scope, participant_id)
    active = request.form.get("active") == "1"
    scope.set_active(participant_id, active)
    db = db_session()
    audit.record(db, audit_actor(), "activate" if active else "deactivate", "participant", participant_id)
    db.commit()
    flash(_("Participant reactivated.") if active else _("Participant deactivated: no more alerts."), "success")
    return redirect(url_for("participants.edit", participant_id=participant_id))


@bp.post("/<int:participant_id>/revoke-links")
@login_required("municipality")
def revoke_links(participant_id):
    participant = _visible_or_404(_scope(), participant_id)
    db = db_session()
    signup.revoke_links(participant)
    audit.record(db, audit_actor(), "revoke-links", "participant", participant_id)
    db.commit()
    flash(_("Self-service links revoked: the participant can ask for a new one."), "success")
    return redirect(url_for("participants.edit", participant_id=participant_id))


@bp.get("/<int:participant_id>/data")
@bp.get("/<int:participant_id>/data.json", endpoint="personal_data_json")
@login_required("municipality")
def personal_data(participant_id):
    """Everything held on one participant (a GDPR access request handled by staff); audited."""
    _visible_or_404(_scope(), participant_id)
    db = db_session()
    data = export_participant(db, participant_id, current_app.config["RECORDINGS_DIR"])
    audit.record(db, audit_actor(), "export-personal-data", "participant", participant_id)
    db.commit()
    if request.path.endswith(".json"):
        return personal_data_json(data, participant_id)
    return render_template("participants/personal_data.html", data=data,
                           json_url=url_for("participants.personal_data_json", participant_id=participant_id),
                           back_url=url_for("participants.edit", participant_id=participant_id))


@bp.route("/import", methods=["GET", "POST"])
@login_required("municipality")
def import_csv():
    scope = _scope()
    if request.method == "GET":
        return _import_page(scope)
    db = db_session()
    try:
        report = scope.import_csv(_read_upload(), _region(), geocoder_for(current_app.config, db))
    except ValidationError as exc:
        db.rollback()
        return _import_page(scope, error=exc), 400
    audit.record(db, audit_actor(), "import", "participant", None,
                 {**report.audit_detail(), "municipality": scope.municipality.code if scope.restricted else None})
    db.commit()
    return _import_page(scope, report=report)


def _import_page(scope, report=None, error=None):
    """The import form, listing the columns core.csv_import accepts (municipality only where staff may choose it)."""
    location = {*(c for s in HOME_COLUMN_SETS for c in s), "home_addition"}
    optional = [c for c in COLUMNS if c not in REQUIRED_COLUMNS and c not in location and not c.startswith("work_")
                and (c != "municipality" or not scope.restricted)]
    columns = {"required": REQUIRED_COLUMNS, "home_sets": HOME_COLUMN_SETS, "optional": optional}
    return render_template("participants/import.html", report=report, error=error, columns=columns,
                           municipality=scope.municipality)


def _read_upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("file", _("choose a CSV file to import"))
    raw = upload.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationError("file", "is larger than %(mb)s MB", mb=MAX_CSV_BYTES // (1024 * 1024))
    if not raw.strip():
        raise ValidationError("file", _("is empty"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("file", _("is not UTF-8 text (save the sheet as 'CSV UTF-8')")) from None
