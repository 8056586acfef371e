"""The public pages for residents (no sign-in): sign up, confirm the numbers, and the self-service
link to change preferences or leave."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import audit, mail_address
from core.erasure import FileDirs
from core.fatigue import leaving_detail
from core.errors import ValidationError
from core.numbers import mask
from core.personal_data import export_participant
from core.models import Participant
from core.signup import (CONFIRM_LINK_MAX_AGE_S, MANAGE_LINK_MAX_AGE_S, LinkInvalid, SignupService,
                         make_link_token, municipality_choices, read_link, revoke_links)
from core.signup_slots import SlotsInvalid, seal, unseal
from core.signup_limits import SignupLimits
from web.db_session import runtime
from web.db_session import session as db_session
from web.i18n import reason_text

from .mail_public import request_mail_confirmation
from .personal_data import personal_data_json
from .participant_form import SIGNUP_PHONE_SLOTS, error_label, error_tie, form_to_input, participant_to_form

bp = Blueprint("signup", __name__)

def outcome_texts():
    """What the confirmation page says about each code typed in, in the page's language."""
    return {"confirmed": _("Confirmed"), "wrong": _("That code is not right; try again"),
            "expired": _("The code has expired; ask for a new one"),
            "locked": _("Too many wrong codes; ask for a new one")}


def _limits():
    rt = runtime()
    return SignupLimits(rt.redis, current_app.config, current_app.config["SECRET_KEY"])


def _service():
    return SignupService(db_session(), runtime().transports, current_app.config["SECRET_KEY"], current_app.config,
                         _limits())


def _secret():
    return current_app.config["SECRET_KEY"].encode()


def _allowed(kind):
    """Whether this client address may do one more `kind` ("signup", "resend", "link") this hour."""
    return _limits().address_allows(kind, request.remote_addr)


def _map_available():
    """The sign-up map needs the vendored Leaflet; without it the coordinates are typed."""
    return (Path(current_app.blueprints["admin"].static_folder) / "vendor" / "leaflet" / "leaflet.js").is_file()


def _participant_for(token, purpose, max_age):
    try:
        participant_id, signed_at = read_link(_secret(), token, purpose, max_age)
        return _service().registered(participant_id, signed_at)
    except LinkInvalid as exc:
        abort(410, description=_(str(exc)))


@bp.errorhandler(410)
def _gone(exc):
    return render_template("errors/error.html", code=410, title=_("Link no longer valid"), text=exc.description), 410


def _signup_page(values, error=None, slots=(), status=200):
    return render_template("signup/start.html", values=values, error=error,
                           error_field=error_label(error.field, list(slots)) if error else None,
                           err=error_tie(error, slots),
                           municipalities=municipality_choices(db_session()), phone_slots=SIGNUP_PHONE_SLOTS,
                           map_available=_map_available()), status


@bp.route("/signup", methods=["GET", "POST"])
def start():
    if request.method == "GET":
        return _signup_page({})
    try:
        data, slots = form_to_input(request.form, phone_slots=SIGNUP_PHONE_SLOTS)
    except ValidationError as exc:
        return _signup_page(request.form, exc, (), 400)
    data["municipality"] = (request.form.get("municipality") or "").strip() or None
    if request.form.get("consent") != "on":
        return _signup_page(request.form, ValidationError("consent", _("please agree to be alerted")), slots, 400)
    if not _allowed("signup"):
        return _signup_page(request.form, ValidationError("form", _("too many sign-ups from this address; "
                                                                    "try again in an hour")), slots, 429)
    db = db_session()
    try:
        signup, reasons = _service().register(data)
        participant = db_session().get(Participant, signup.participant_id) if signup.participant_id else None
        if participant is not None:
            request_mail_confirmation(participant)
    except ValidationError as exc:
        db.rollback()
        return _signup_page(request.form, exc, slots, 400)
    if participant is not None:
        audit.record(db, "self-service", "signup", "participant", participant.id,
                     {"numbers": [mask(n.e164) for n in participant.numbers]})
    db.commit()
    for reason in reasons:
        text = reason_text(reason)
        flash(text[:1].upper() + text[1:] + ".", "error")
    return redirect(url_for("signup.confirm", token=seal(_secret(), signup)))


def _signup_for(token):
    """(SealedSignup, participant or None, {number id: PhoneNumber}) of a confirmation link; 410 when
    it is forged or expired, or the sign-up's numbers are gone (it left, or was released as stale)."""
    try:
        signup = unseal(_secret(), token, CONFIRM_LINK_MAX_AGE_S)
    except SlotsInvalid as exc:
        abort(410, description=_(str(exc)))
    participant = db_session().get(Participant, signup.participant_id) if signup.participant_id else None
    numbers = {n.id: n for n in participant.numbers} if participant else {}
    if (signup.participant_id and participant is None) or any(
            not s.taken and s.number_id not in numbers for s in signup.slots):
        abort(410, description="this registration no longer exists")
    return signup, participant, numbers


def _numbers_view(slots, numbers, outcomes=None):
    """The page's rows, one per slot, the same for a taken slot as for one of the sign-up's own."""
    outcomes, texts = outcomes or {}, outcome_texts()
    rows = []
    for slot in slots:
        own = numbers.get(slot.number_id)
        rows.append({"slot": slot.position, "masked": mask(own.e164) if own else slot.masked,
                     "kind": own.kind if own else slot.kind, "confirmed": bool(own and own.confirmed),
                     "outcome": outcomes.get(slot.position), "message": texts.get(outcomes.get(slot.position))})
    return rows


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    signup, participant, numbers = _signup_for(token)
    slots = signup.slots
    outcomes = None
    if request.method == "POST":
        db = db_session()
        codes = {s.position: request.form.get(f"code_{s.position}", "") for s in slots}
        outcomes = _service().confirm_slots(participant, slots, codes)
        newly = [s for s in slots if not s.taken and outcomes.get(s.position) == "confirmed"]
        if newly:
            audit.record(db, "self-service", "confirm", "participant", participant.id, {"numbers": len(newly)})
        db.commit()
        if participant is not None and all(not s.taken and numbers[s.number_id].confirmed for s in slots):
            return redirect(url_for("signup.done", token=make_link_token(_secret(), participant.id, "manage")))
    rows = _numbers_view(slots, numbers, outcomes)
    return render_template("signup/confirm.html", token=token, numbers=rows,
                           any_confirmed=any(row["confirmed"] for row in rows))


@bp.post("/signup/confirm/<token>/resend")
def resend(token):
    signup, _participant, numbers = _signup_for(token)
    slots = signup.slots
    try:
        position = int(request.form.get("slot", ""))
    except ValueError:
        abort(400)
    slot = next((s for s in slots if s.position == position), None)
    if slot is None:
        abort(404)
    if not _allowed("resend"):
        flash(_("Too many new codes asked for from this address; try again in an hour."), "error")
        return redirect(url_for("signup.confirm", token=token)), 303
    db = db_session()
    masked = mask(numbers[slot.number_id].e164) if not slot.taken else slot.masked
    try:
        _service().send_slot(signup, slot)
    except ValidationError as exc:
        db.rollback()
        flash(reason_text(exc.reason), "error")
        return redirect(url_for("signup.confirm", token=token))
    db.commit()
    flash(_("A new code is on its way to %(number)s.", number=masked), "success")
    return redirect(url_for("signup.confirm", token=token))


@bp.get("/signup/done/<token>")
def done(token):
    participant = _participant_for(token, "manage", MANAGE_LINK_MAX_AGE_S)
    return render_template("signup/done.html", participant=participant,
                           manage_url=url_for("signup.manage", token=token, _external=True))


@bp.route("/signup/link", methods=["GET", "POST"])
def request_link():
    if request.method == "GET":
        return render_template("signup/link.html", sent=False)
    if not _allowed("link"):
        flash(_("Too many requests from this address; try again in an hour."), "error")
        return render_template("signup/link.html", sent=False), 429
    db = db_session()
    try:
        _service().send_manage_link(request.form.get("number"),
                                    lambda t: url_for("signup.manage", token=t, _external=True))
    except ValidationError as exc:
        return render_template("signup/link.html", sent=False, error=exc), 400
    db.commit()
    return render_template("signup/link.html", sent=True)


def _manage_page(token, participant, values, error=None, status=200):
    db = db_session()
    return render_template("signup/manage.html", token=token, participant=participant, values=values,
                           mail_status=mail_address.mail_status(db, participant),
                           error=error,
                           error_field=error_label(error.field, []) if error else None, err=error_tie(error),
                           map_available=_map_available()), status


@bp.route("/my/<token>", methods=["GET", "POST"])
def manage(token):
    participant = _participant_for(token, "manage", MANAGE_LINK_MAX_AGE_S)
    if request.method == "GET":
        return _manage_page(token, participant, participant_to_form(participant))
    try:
        data, _slots = form_to_input(request.form)
    except ValidationError as exc:
        return _manage_page(token, participant, request.form, exc, 400)
    data["channels"] = {n.id: request.form.get(f"number_channel_{n.id}") or None for n in participant.numbers}
    stopped = {n.id for n in participant.numbers if request.form.get(f"stop_{n.id}") == "on"}
    db = db_session()
    try:
        _service().update_preferences(participant, data, stopped)
        request_mail_confirmation(participant)
    except ValidationError as exc:
        db.rollback()
        return _manage_page(token, participant, request.form, exc, 400)
    audit.record(db, "self-service", "update", "participant", participant.id)
    db.commit()
    flash(_("Your preferences are saved."), "success")
    return redirect(url_for("signup.manage", token=token))


@bp.post("/my/<token>/leave")
def leave(token):
    participant = _participant_for(token, "manage", MANAGE_LINK_MAX_AGE_S)
    if request.form.get("confirm_leave") != "on":
        flash(_("Tick the box to confirm that you want to leave."), "error")
        return redirect(url_for("signup.manage", token=token))
    db = db_session()
    participant_id = participant.id
    detail = leaving_detail(db, participant_id)  # read before leaving erases what it counts
    _service().leave(participant, FileDirs.from_config(current_app.config))
    audit.record(db, "self-service", "leave", "participant", participant_id, detail)
    db.commit()
    return render_template("signup/left.html")



@bp.post("/my/<token>/revoke")
def revoke(token):
    """The participant ends this link and every other one sent to them; the page offers a new one."""
    participant = _participant_for(token, "manage", MANAGE_LINK_MAX_AGE_S)
    db = db_session()
    revoke_links(participant)
    audit.record(db, "self-service", "revoke-links", "participant", participant.id)
    db.commit()
    flash(_("This link no longer works; ask for a new one below."), "success")
    return redirect(url_for("signup.request_link"))


@bp.get("/my/<token>/data")
@bp.get("/my/<token>/data.json", endpoint="my_data_json")
def my_data(token):
    """Everything Uitkijk holds on the participant (GDPR access), as a page or as JSON; audited."""
    participant = _participant_for(token, "manage", MANAGE_LINK_MAX_AGE_S)
    db = db_session()
    data = export_participant(db, participant.id, current_app.config["RECORDINGS_DIR"])
    audit.record(db, "self-service", "export-personal-data", "participant", participant.id)
    db.commit()
    if request.path.endswith(".json"):
        return personal_data_json(data, participant.id)
    return render_template("participants/personal_data.html", data=data,
                           json_url=url_for("signup.my_data_json", token=token),
                           back_url=url_for("signup.manage", token=token))
