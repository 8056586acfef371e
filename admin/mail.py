"""Staff pages of neighbourhood mail: compose with preview and count, the inquiry's replies, the update."""
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _

from core.errors import Conflict, NotFound, ValidationError
from core.inquiries import (InquiryService, MailAuthor, check_draft, export_csv, get_inquiry, kinds_for,
                            mail_progress, mark_reply, read_replies, reply_photo, visible_inquiries)
from core.labels import DELIVERY_STATE_LABELS
from core.mail_jobs import enqueue_mails
from core.dashboard import municipalities as all_municipalities
from mail.compose import html_body, plain_text
from web.db_session import runtime, session
from web.i18n import csv_cell, reason_text

from .actions import in_words, map_settings
from .auth import audit_actor, current_user, login_required

bp = Blueprint("mail", __name__, url_prefix="/mail/inquiries")

STAFF = ("police", "operator", "municipality")
def kind_labels():
    """What the web calls each kind of neighbourhood mail, in the page's language."""
    return {"inquiry": _("Police inquiry"), "information": _("Information from the municipality")}


def _author():
    return MailAuthor.of_user(current_user())


def _compose_page(form, error=None, preview=None, status=200):
    db = session()
    user = current_user()
    municipalities = all_municipalities(db)
    if user.role == "municipality":
        municipalities = [m for m in municipalities if m.id == user.municipality_id]
    return render_template("mail/compose.html", form=form, error=error, preview=preview, kinds=kinds_for(_author()),
                           kind_labels=kind_labels(), municipalities=municipalities, map=map_settings()), status


def _photo_upload():
    upload = request.files.get("photo")
    return upload.read() if upload and upload.filename else None


@bp.get("/")
@login_required(*STAFF)
def index():
    inquiries = session().scalars(visible_inquiries(session(), _author())).all()
    return render_template("mail/index.html", inquiries=inquiries, kind_labels=kind_labels())


@bp.get("/new")
@login_required(*STAFF)
def new():
    if not kinds_for(_author()):
        abort(403)
    return _compose_page({"radius_m": "50", "area_type": "circle"})


@bp.post("/new")
@login_required(*STAFF)
def compose():
    """Preview (the default) or send; a bad field comes back on the form, nothing written or sent."""
    db = session()
    form = request.form.to_dict()
    service = InquiryService(db, current_app.config)
    try:
        draft = check_draft(db, form, _author())
        if form.get("step") != "send":
            count, skipped, content = service.preview(draft)
            return _compose_page(form, preview={"count": count, "skipped": skipped, "subject": content.subject,
                                                "text": plain_text(content), "html": html_body(content)})
        inquiry, due = service.send(draft, _photo_upload(), audit_actor())
        db.commit()
    except ValidationError as exc:
        db.rollback()
        return _compose_page(form, error=exc, status=403 if exc.field == "area.code" and "own" in exc.reason else 400)
    enqueue_mails(runtime().queues.normal, due)
    flash(_("Sent to %(count)s participants.", count=inquiry.recipients), "success")
    return redirect(url_for("mail.show", inquiry_id=inquiry.id))


def _inquiry(inquiry_id):
    try:
        return get_inquiry(session(), _author(), inquiry_id)
    except NotFound:
        abort(404)


@bp.get("/<int:inquiry_id>")
@login_required(*STAFF)
def show(inquiry_id):
    inquiry = _inquiry(inquiry_id)
    db = session()
    replies = read_replies(db, inquiry, audit_actor())
    db.commit()
    return render_template("mail/show.html", inquiry=inquiry, replies=replies,
                           progress=mail_progress(db, inquiry.id), kind_labels=kind_labels(),
                           state_names=in_words(DELIVERY_STATE_LABELS))


@bp.post("/<int:inquiry_id>/replies/<int:reply_id>/mark")
@login_required(*STAFF)
def mark(inquiry_id, reply_id):
    inquiry = _inquiry(inquiry_id)
    db = session()
    try:
        mark_reply(db, inquiry, reply_id, request.form.get("helpful") == "1", audit_actor())
    except NotFound:
        abort(404)
    db.commit()
    return redirect(url_for("mail.show", inquiry_id=inquiry.id) + f"#reply-{reply_id}")


@bp.get("/<int:inquiry_id>/export.csv")
@login_required(*STAFF)
def export(inquiry_id):
    inquiry = _inquiry(inquiry_id)
    db = session()
    body = export_csv(db, inquiry, audit_actor(), csv_cell)
    db.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=inquiry-{inquiry.id}-replies.csv"})


@bp.post("/<int:inquiry_id>/update")
@login_required(*STAFF)
def send_update(inquiry_id):
    inquiry = _inquiry(inquiry_id)
    db = session()
    try:
        due = InquiryService(db, current_app.config).send_update(
            inquiry, request.form.get("update_text"), request.form.get("close") == "1", audit_actor())
        db.commit()
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(f"update_text: {reason_text(exc.reason)}" if isinstance(exc, ValidationError) else reason_text(exc.reason),
              "error")
        return redirect(url_for("mail.show", inquiry_id=inquiry_id), 303)
    enqueue_mails(runtime().queues.normal, due)
    flash(_("Update sent to %(count)s participants.", count=len(due)), "success")
    return redirect(url_for("mail.show", inquiry_id=inquiry_id))


@bp.get("/<int:inquiry_id>/photos/<int:photo_id>")
@login_required(*STAFF)
def photo(inquiry_id, photo_id):
    inquiry = _inquiry(inquiry_id)
    try:
        found = reply_photo(session(), inquiry, photo_id, audit_actor())
    except NotFound:
        abort(404)
    session().commit()
    return send_from_directory(Path(current_app.config["MAIL_PHOTO_DIR"]), found.filename,
                               mimetype=found.content_type)
