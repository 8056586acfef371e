"""Admin pages: trunks, prompts, operators, control rooms, mail senders, retry policies and the sign-up limits'
counters."""
from itertools import permutations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, gettext as _

from core import (action_webhooks, answering_machines, audit, configuration, mail_senders, partners, retry_policy,
                  secrets)
from core.dashboard import municipalities
from core.errors import Conflict, NotFound, ValidationError
from core.regions import list_regions
from core.signup_limits import STAT_FIELDS, SignupLimits
from tts_prompts import (LANGUAGES, InvalidRecording, PromptStore, SpeechEngineError, UnknownPrompt,
                         UnsupportedLanguage, all_prompts)
from web.db_session import runtime, session
from web.i18n import error_text

from .actions import channel_labels, kind_labels
from .auth import audit_actor, login_required

bp = Blueprint("configuration", __name__, url_prefix="/config")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@bp.before_request
@login_required("admin")
def _admins_only():
    """Every page here is for admins only."""
    return None


def _region():
    return current_app.config["DEFAULT_REGION"]


def _saved(what, name, endpoint):
    session().commit()
    flash(_("%(what)s %(name)s saved.", what=what, name=name), "info")
    return redirect(url_for(endpoint))


def _form_error(exc, template, status=400, **context):
    session().rollback()
    flash(error_text(exc), "error")
    return render_template(template, form=request.form, **context), status


@bp.get("/")
def index():
    db = session()
    return render_template("config/index.html", rooms=configuration.list_control_rooms(db),
                           operators=configuration.list_operators(db), trunks=configuration.list_trunks(db),
                           partners=partners.list_partners(db), webhooks=action_webhooks.list_webhooks(db),
                           regions=list_regions(db), senders=mail_senders.list_senders(db))


# Control rooms.

@bp.get("/control-rooms")
def control_rooms():
    return render_template("config/control_rooms.html", rooms=configuration.list_control_rooms(session()))


@bp.route("/control-rooms/new", methods=["GET", "POST"], defaults={"room_id": None})
@bp.route("/control-rooms/<int:room_id>", methods=["GET", "POST"])
def control_room(room_id):
    db = session()
    room = _get(configuration.get_control_room, room_id)
    if request.method == "GET":
        return render_template("config/control_room_form.html", room=room, form=configuration.room_form(room))
    try:
        saved = configuration.save_control_room(db, request.form, audit_actor(), _region(), room_id)
    except (ValidationError, Conflict) as exc:
        return _form_error(exc, "config/control_room_form.html", room=room)
    return _saved(_("Control room"), saved.name, "configuration.control_rooms")


# Mail senders.

@bp.route("/mail-senders", methods=["GET", "POST"], defaults={"sender_id": None})
@bp.route("/mail-senders/<int:sender_id>", methods=["GET", "POST"])
def mail_sender(sender_id):
    """The senders neighbourhood mail leaves from, and the form to add one or change the one chosen."""
    db = session()
    sender = _get(mail_senders.get_sender, sender_id)
    context = {"senders": mail_senders.list_senders(db), "sender": sender,
               "municipalities": {m.id: m for m in municipalities(db)}}
    if request.method == "GET":
        form = {} if sender is None else {
            "display_name": sender.display_name, "address": sender.address,
            "municipality": context["municipalities"][sender.municipality_id].code if sender.municipality_id else ""}
        return render_template("config/mail_senders.html", form=form, **context)
    try:
        saved = mail_senders.save_sender(db, request.form, audit_actor(), sender_id)
    except ValidationError as exc:
        return _form_error(exc, "config/mail_senders.html", **context)
    return _saved(_("Sender"), saved.display_name, "configuration.mail_sender")


# Retry policies.

# The escalation orders the page offers: every order of the three channels (the API takes shorter ones too).
ESCALATION_ORDERS = [",".join(order) for order in permutations(retry_policy.CHANNELS)]


def _retry_page(status=200, form_kind=None):
    return render_template("config/retry_policies.html", kinds=kind_labels(), channel_names=channel_labels(),
                           form_kind=form_kind,
                           policies=retry_policy.all_policies(session(), current_app.config),
                           orders=ESCALATION_ORDERS, form=request.form if form_kind else {}), status


@bp.get("/retry-policies")
def retry_policies():
    """How each action kind's messages are tried again after a busy line, no answer or a failed attempt."""
    return _retry_page()


@bp.post("/retry-policies/<kind>")
def retry_policy_save(kind):
    db = session()
    try:
        retry_policy.save_policy(db, current_app.config, kind, request.form, audit_actor())
    except NotFound:
        abort(404)
    except ValidationError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return _retry_page(400, kind)
    return _saved(_("Retry policy"), kind_labels()[kind], "configuration.retry_policies")


@bp.post("/retry-policies/<kind>/reset")
def retry_policy_reset(kind):
    try:
        retry_policy.reset_policy(session(), current_app.config, kind, audit_actor())
    except NotFound:
        abort(404)
    session().commit()
    flash(_("%(kind)s: back to the defaults.", kind=kind_labels()[kind]), "info")
    return redirect(url_for("configuration.retry_policies"))


# Operators.

@bp.get("/operators")
def operators():
    db = session()
    rooms = {r.id: r.name for r in configuration.list_control_rooms(db)}
    listed = [(op, secrets.describe(op.sip_secret)) for op in configuration.list_operators(db)]
    return render_template("config/operators.html", operators=listed, rooms=rooms)


@bp.route("/operators/new", methods=["GET", "POST"], defaults={"operator_id": None})
@bp.route("/operators/<int:operator_id>", methods=["GET", "POST"])
def operator(operator_id):
    db = session()
    found = _get(configuration.get_operator, operator_id)
    rooms = configuration.list_control_rooms(db)
    softphone = secrets.describe(found.sip_secret if found else None)
    if request.method == "GET":
        return render_template("config/operator_form.html", operator=found, rooms=rooms, softphone=softphone,
                               form=configuration.operator_form(found))
    try:
        saved = configuration.save_operator(db, request.form, audit_actor(), _region(), operator_id,
                                            config=current_app.config)
    except ValidationError as exc:
        return _form_error(exc, "config/operator_form.html", operator=found, rooms=rooms, softphone=softphone)
    return _saved(_("Operator"), saved.name, "configuration.operators")


@bp.post("/operators/<int:operator_id>/availability")
def operator_availability(operator_id):
    db = session()
    _get(configuration.get_operator, operator_id)
    changed = configuration.set_operator_available(db, operator_id, request.form.get("available") == "on",
                                                   audit_actor())
    db.commit()
    flash(_("%(name)s is now available.", name=changed.name) if changed.available
          else _("%(name)s is now unavailable.", name=changed.name), "info")
    return redirect(url_for("configuration.operators"))


# Trunks.

@bp.get("/trunks")
def trunks():
    db = session()
    listed = [(t, configuration.public_settings(t)) for t in configuration.list_trunks(db)]
    return render_template("config/trunks.html", trunks=listed)


@bp.route("/trunks/new", methods=["GET", "POST"], defaults={"trunk_id": None})
@bp.route("/trunks/<int:trunk_id>", methods=["GET", "POST"])
def trunk(trunk_id):
    db = session()
    found = _get(configuration.get_trunk, trunk_id)
    rooms = configuration.list_control_rooms(db)
    shown = configuration.public_settings(found) if found else {}
    backend = found.backend if found else request.values.get("backend", "asterisk")
    amd_fields = answering_machines.FIELDS.get(backend, ())
    if request.method == "GET":
        return render_template("config/trunk_form.html", trunk=found, rooms=rooms, shown=shown, amd_fields=amd_fields,
                               form=configuration.trunk_form(found, request.args.get("backend", "asterisk")))
    try:
        saved = configuration.save_trunk(db, request.form, audit_actor(), current_app.config, trunk_id)
    except (ValidationError, Conflict) as exc:
        return _form_error(exc, "config/trunk_form.html", trunk=found, rooms=rooms, shown=shown,
                           amd_fields=amd_fields)
    return _saved(_("Trunk"), saved.name, "configuration.trunks")


@bp.post("/trunks/<int:trunk_id>/delete")
def delete_trunk(trunk_id):
    db = session()
    found = _get(configuration.get_trunk, trunk_id)
    configuration.delete_trunk(db, trunk_id, audit_actor())
    db.commit()
    flash(_("Trunk %(name)s deleted.", name=found.name), "info")
    return redirect(url_for("configuration.trunks"))


# Prompts.

def _prompt_store():
    return PromptStore.from_config(current_app.config)


@bp.get("/prompts")
def prompts():
    return _prompts_page(request.args.get("language", LANGUAGES[0]))


def _prompts_page(language, status=200):
    if language not in LANGUAGES:
        abort(404)
    store = _prompt_store()
    rows = [(prompt_id, text, store.has_recording(prompt_id, language))
            for prompt_id, lang, text in all_prompts() if lang == language]
    return render_template("config/prompts.html", rows=rows, language=language, languages=LANGUAGES), status


def _recording_refused(language, reason):
    """A recording that cannot be used: the prompts page again, 400, naming the field."""
    flash(_("Recording not used: recording: %(reason)s", reason=reason), "error")
    return _prompts_page(language, 400)


@bp.get("/prompts/<language>/<prompt_id>.wav")
def prompt_audio(language, prompt_id):
    """The prompt as callers hear it (an uploaded recording, else the speech); ?speech=1 for the speech."""
    store = _prompt_store()
    try:
        if request.args.get("speech") or not store.has_recording(prompt_id, language):
            rendered = store.render_prompt(prompt_id, language)
        else:
            rendered = store.lookup(prompt_id, language)
    except (UnknownPrompt, UnsupportedLanguage):
        abort(404)
    except SpeechEngineError as exc:
        return render_template("errors/error.html", code=503, title=_("Speech engine unavailable"), text=str(exc)), 503
    return send_file(rendered.wav_path, mimetype="audio/wav", conditional=True)


@bp.post("/prompts/<language>/<prompt_id>/recording")
def upload_recording(language, prompt_id):
    if language not in LANGUAGES:
        abort(404)
    upload = request.files.get("recording")
    if upload is None or not upload.filename:
        return _recording_refused(language, "choose an audio file to upload")
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _recording_refused(language, f"is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    try:
        rendered = _prompt_store().install_recording(prompt_id, language, data)
    except (UnknownPrompt, UnsupportedLanguage):
        abort(404)
    except InvalidRecording as exc:
        return _recording_refused(language, str(exc))
    _audit_prompt("upload-recording", prompt_id, language, {"duration_s": round(rendered.duration_s, 1)})
    flash(_("Recording for %(prompt)s (%(language)s) installed: %(seconds)s s.", prompt=prompt_id, language=language,
            seconds=format_decimal(round(rendered.duration_s, 1))), "info")
    return redirect(url_for("configuration.prompts", language=language))


@bp.post("/prompts/<language>/<prompt_id>/recording/delete")
def remove_recording(language, prompt_id):
    try:
        removed = _prompt_store().remove_recording(prompt_id, language)
    except (UnknownPrompt, UnsupportedLanguage):
        abort(404)
    if removed:
        _audit_prompt("remove-recording", prompt_id, language, None)
        flash(_("%(prompt)s (%(language)s) is spoken by the speech engine again.", prompt=prompt_id, language=language), "info")
    return redirect(url_for("configuration.prompts", language=language))


def _audit_prompt(verb, prompt_id, language, detail):
    db = session()
    audit.record(db, audit_actor(), verb, "prompt", f"{language}/{prompt_id}", detail)
    db.commit()


def _get(getter, ident):
    """The thing to edit, None for a new one, 404 when the id is unknown."""
    if ident is None:
        return None
    try:
        return getter(session(), ident)
    except NotFound:
        abort(404)


# Sign-up limits.

@bp.get("/signup-limits")
def signup_limits():
    """What the public sign-up sent and what its limits refused, per day (core.signup_limits)."""
    config = current_app.config
    limits = SignupLimits(runtime().redis, config, config["SECRET_KEY"])
    return render_template("config/signup_limits.html", days=limits.daily_counts(), fields=STAT_FIELDS,
                           limits=limits, config=config)
