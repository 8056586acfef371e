"""Admin pages for message templates (core.message_templates): list, write, change and remove them, and see
each rendered as participants would get it — the SMS per language with its segments, the spoken alert
(playable) and the mail — before an operator launches from it."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core import configuration, message_templates
from core.errors import NotFound, ValidationError
from tts_prompts import PromptStore, SpeechEngineError, UnspeakableText
from web.db_session import session
from web.i18n import error_text

from .actions import kind_labels
from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("message_templates", __name__, url_prefix="/config/templates"))


def _form_data(form):
    room = form.get("control_room_id", "").strip()
    try:
        room_id = int(room) if room else None
    except ValueError:
        raise ValidationError("control_room_id", "must be an id") from None
    return {"name": form.get("name", ""), "kind": form.get("kind"), "control_room_id": room_id,
            "title": form.get("title", ""), "message": form.get("message", "")}


def _page(template=None, form=None, error=None, status=200):
    db = session()
    previews = None
    if template is not None and error is None:
        previews = message_templates.previews(template, current_app.config)
    return render_template("config/templates.html", templates=message_templates.list_templates(db),
                           template=template, form=form or {}, error=error,
                           error_text=error_text(error) if error else None, kinds=kind_labels(),
                           rooms=configuration.list_control_rooms(db), previews=previews,
                           placeholders=message_templates.PLACEHOLDERS,
                           max_length=current_app.config["MAX_MESSAGE_LENGTH"]), status


def _template_or_404(template_id):
    try:
        return message_templates.get(session(), template_id)
    except NotFound:
        abort(404)


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    db = session()
    try:
        template = message_templates.create(db, _form_data(request.form), audit_actor(),
                                            current_app.config["MAX_MESSAGE_LENGTH"])
    except ValidationError as exc:
        db.rollback()
        return _page(form=request.form, error=exc, status=400)
    db.commit()
    flash(_("Template saved."), "info")
    return redirect(url_for("message_templates.show", template_id=template.id))


@bp.get("/<int:template_id>")
def show(template_id):
    return _page(_template_or_404(template_id))


@bp.post("/<int:template_id>")
def update(template_id):
    db = session()
    template = _template_or_404(template_id)
    try:
        message_templates.update(db, template_id, _form_data(request.form), audit_actor(),
                                 current_app.config["MAX_MESSAGE_LENGTH"])
    except ValidationError as exc:
        db.rollback()
        return _page(_template_or_404(template_id), form=request.form, error=exc, status=400)
    db.commit()
    flash(_("Template saved."), "info")
    return redirect(url_for("message_templates.show", template_id=template.id))


@bp.post("/<int:template_id>/delete")
def delete(template_id):
    db = session()
    _template_or_404(template_id)
    message_templates.delete(db, template_id, audit_actor())
    db.commit()
    flash(_("Template removed."), "info")
    return redirect(url_for("message_templates.index"))


@bp.get("/<int:template_id>/spoken.wav")
def spoken(template_id):
    """The spoken alert of an action from this template, as a call would play it (the examples filled in)."""
    template = _template_or_404(template_id)
    try:
        rendered = PromptStore.from_config(current_app.config).render_text(
            message_templates.spoken_text(template, current_app.config["FREE_NUMBER"]), "nl")
    except (SpeechEngineError, UnspeakableText) as exc:
        return render_template("errors/error.html", code=503, title=_("Speech engine unavailable"), text=str(exc)), 503
    return send_file(rendered.wav_path, mimetype="audio/wav", conditional=True)
