"""Operator pages: launch an action on the map, follow it live, hear its tips, end it."""
import secrets

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import format_decimal, gettext as _, ngettext

from core import (approvals, audit, configuration, follow, impact, message_templates, reach_report, ring_plan,
                  timeline, widening)
from core.actions import ActionService, get_action, parse_launch
from core.errors import Conflict, NotFound, ValidationError
from core.estimate import area_of_query, estimate_area
from core.geocoding import geocoder_for, locate, nearest_address
from core.regions import list_regions
from core.room_scope import NotBound, RoomScope
from core.input_checks import parse_id
from core.labels import (ACTION_KIND_LABELS, ACTION_RESULT_LABELS, CHANNEL_LABELS, DELIVERY_STATE_LABELS,
                         PURPOSE_LABELS)
from core.messages import RESULT_TEXT
from core.models import ACTION_RESULTS
from core.publication import publication_of
from core import public_urls as urls
from core.polygons import parse_geojson
from core.sms_texts import alert_previews
from web.db_session import runtime, session
from web.i18n import csv_cell, error_text, reason_text

from .auth import audit_actor, current_user, login_required

bp = Blueprint("actions", __name__, url_prefix="/actions")

# Where the map opens when the operator has not placed the circle yet (Weesp; overridable).
def kind_labels():
    """What the web calls each kind of action, in the page's language."""
    return {kind: _(label) for kind, label in ACTION_KIND_LABELS.items()}


def result_labels():
    """What the web calls each result of an action, in the page's language."""
    return {result: _(label) for result, label in ACTION_RESULT_LABELS.items()}


def in_words(labels):
    """core.labels' words for identifiers, in the page's language."""
    return {ident: _(label) for ident, label in labels.items()}


def channel_labels():
    """What the web calls each channel (voice, sms, email), in the page's language."""
    return in_words(CHANNEL_LABELS)


def map_settings():
    lat, lon = current_app.config["MAP_CENTRE"]
    return {"lat": lat, "lon": lon, "tiles": current_app.config["MAP_TILE_URL"]}


def _json_error(exc):
    return jsonify(error="validation", field=exc.field, reason=reason_text(exc.reason)), 400


@bp.get("/")
@login_required("operator")
def index():
    scope = _scope()
    active, ended = follow.list_actions(session(), scope.room_id)
    return render_template("actions/index.html", active=active, ended=ended, kinds=kind_labels(),
                           results=result_labels(), awaiting=approvals.list_approvals(session(), scope))


def _launch_page(form, status=200):
    db = session()
    user = current_user()
    scope = _scope()
    rooms = scope.rooms(configuration.list_control_rooms(db))
    operators = scope.operators(configuration.list_operators(db))
    return render_template(
        "actions/launch.html", form=form, rooms=rooms, operators=operators, kinds=kind_labels(), regions=list_regions(db),
        templates=message_templates.list_templates(db, scope.room_id),
        chosen_regions=form.getlist("region_codes") if hasattr(form, "getlist") else [],
        map=map_settings(), max_radius=current_app.config["MAX_RADIUS_M"],
        max_length=current_app.config["MAX_MESSAGE_LENGTH"], own_operator=user.operator_id,
        request_id=form.get("client_request_id") or secrets.token_urlsafe(16)), status


@bp.get("/new")
@login_required("operator")
def new():
    """The launch form, empty or started from a message template (?template=<id>): its kind, title and
    message filled in, the placeholders left for the operator (a launch refuses one left in)."""
    chosen = request.args.get("template")
    if not chosen:
        return _launch_page({})
    try:
        template = message_templates.get(session(), parse_id(chosen, "template"))
    except (ValidationError, NotFound):
        abort(404)
    if template.control_room_id is not None and not _scope().allows(template):  # another room's
        abort(404)
    return _launch_page({"kind": template.kind, "title": template.title, "message": template.message,
                         "template": str(template.id)})


@bp.get("/estimate")
@login_required("operator")
def estimate():
    """Who the circle reaches now, per channel: fetched by the launch page as the circle changes."""
    config = current_app.config
    try:
        result = estimate_area(session(), area_of_query(request.args), config["MAX_RADIUS_M"], config["TIMEZONE"],
                               min_participants=config["ESTIMATE_MIN_PARTICIPANTS"])
    except ValidationError as exc:
        return _json_error(exc)
    return jsonify(result.as_dict())


@bp.post("/preview")
@login_required("operator")
def preview():
    """The impact preview of the launch form as it stands (core.impact): nothing is written."""
    config = current_app.config
    db = session()
    try:
        launch_request = parse_launch(_launch_data(request.form, with_photos=False), config["MAX_MESSAGE_LENGTH"],
                                      config["MAX_RADIUS_M"], geocoder_for(config, db))
        _scope().check_launch(db, launch_request.control_room_id, launch_request.operator_id)
        result = impact.preview(db, config, launch_request)
    except ValidationError as exc:
        return _json_error(exc)
    finally:
        db.rollback()
    return jsonify(result.as_dict(config["ESTIMATE_MIN_PARTICIPANTS"]))


@bp.get("/geocode")
@login_required("operator")
def geocode():
    """Where an address is, for the launch page's address box: it moves the marker there before launch."""
    try:
        place = locate(geocoder_for(current_app.config, session()), {"address": request.args.get("address", "")},
                       "area")
    except ValidationError as exc:
        return _json_error(exc)
    if place is None:
        return _json_error(ValidationError("area.address", "type an address, like Damrak 1, Amsterdam"))
    return jsonify(lat=place.lat, lon=place.lon, label=place.label)


@bp.get("/sms-preview")
@login_required("operator")
def sms_preview():
    """The alert SMS as participants will get it (in Dutch and English), with its segment count."""
    message = request.args.get("message", "")
    if not message.strip():
        return jsonify(previews=[])
    db = session()
    try:
        room = configuration.get_control_room(db, parse_id(request.args.get("control_room_id"), "control_room_id"))
        free_number = room.free_number
    except (ValidationError, NotFound):
        free_number = current_app.config["FREE_NUMBER"]
    try:
        return jsonify(previews=alert_previews(message, free_number, request.args.get("exercise") == "on"))
    except ValueError as exc:
        return jsonify(error="validation", field="message", reason=str(exc)), 400


def _number(form, field, cast):
    try:
        return cast(form.get(field, ""))
    except ValueError:
        raise ValidationError(field, "is missing or not a number") from None


def _form_area(form):
    """The area chosen in a form (launch, or a change after launch) as the core's area input."""
    def number(field, cast):
        return _number(form, field, cast)
    area_type = form.get("area_type", "circle")
    if area_type == "country":
        area = {"type": "country"}
    elif area_type == "regions":
        area = {"type": "regions", "codes": form.getlist("region_codes")}
    elif area_type == "polygon":
        area = {"type": "polygon", "geometry": parse_geojson(form.get("polygon", "")),
                "centre": {"lat": number("lat", float), "lon": number("lon", float)}}
    elif form.get("address", "").strip():
        # An address typed as the centre wins over the marker (moving the marker clears it).
        area = {"type": "circle", "address": form["address"], "radius_m": number("radius_m", float)}
    else:
        area = {"type": "circle", "lat": number("lat", float), "lon": number("lon", float),
                "radius_m": number("radius_m", float)}
    return area


def _launch_data(form, with_photos=True):
    """The launch form as the core's launch input (the preview leaves the photos out)."""
    def number(field, cast):
        return _number(form, field, cast)
    area = _form_area(form)
    return {"kind": form.get("kind"), "time_critical": form.get("urgency", "urgent") == "urgent",
            "title": form.get("title", ""), "message": form.get("message", ""), "area": area,
            "operator_id": number("operator_id", int), "control_room_id": number("control_room_id", int),
            "client_request_id": form.get("client_request_id") or None,
            "public": form.get("public") == "on", "family_consent": form.get("family_consent") == "on",
            "exercise": form.get("exercise") == "on",
            "area_name": form.get("area_name", "").strip() or None, "photos": _uploads("photos") if with_photos else (),
            "title_en": form.get("title_en", "").strip() or None, "message_en": form.get("message_en", "").strip() or None,
            "rings": _form_rings(form)}


def _form_rings(form):
    """The expanding rings chosen on the launch form ("2000, 5000" and a wait), as the core's plan input."""
    if form.get("rings_on") != "on":
        return None
    radii = []
    for part in form.get("rings_radii", "").replace(";", ",").replace(" ", ",").split(","):
        if part.strip():
            if not part.strip().isdigit():
                raise ValidationError("rings.radii_m", "give the wider radii as whole metres, e.g. 2000, 5000")
            radii.append(int(part))
    return {"radii_m": radii, "every_min": _number(form, "rings_every_min", int)}


def _uploads(field):
    """The bytes of the files chosen in a file input (an empty input sends one nameless part)."""
    return [upload.read() for upload in request.files.getlist(field) if upload.filename]


@bp.post("/")
@login_required("operator")
def launch():
    config = current_app.config
    db = session()
    try:
        launch_request = parse_launch(_launch_data(request.form), config["MAX_MESSAGE_LENGTH"], config["MAX_RADIUS_M"],
                                      geocoder_for(config, db))
        scope = _scope()
        scope.check_launch(db, launch_request.control_room_id, launch_request.operator_id)
        outcome = approvals.launch_or_request(runtime(), db, launch_request, audit_actor())
        # A client_request_id of another room's launch finds theirs: not shown.
        scope.check(outcome.action or outcome.approval)
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(_("Not launched: %(reason)s", reason=error_text(exc)), "error")
        return _launch_page(request.form, 400)
    except NotFound:
        abort(404)
    action, created = outcome.action, outcome.created
    if action is None:  # four eyes: nothing is sent until someone else approves
        if outcome.approval.status == "awaiting":
            flash(_("Not sent yet: this launch waits for a second authorised person to approve it."), "info")
        return redirect(url_for("approvals.show", approval_id=outcome.approval.id))
    if created:
        flash(_("Action %(code)s launched.", code=action.code), "info")
    return redirect(url_for("actions.show", action_id=action.id))


def _scope():
    """The control room the signed-in user acts for (core.room_scope); 403 for an unlinked operator account."""
    try:
        return RoomScope.for_user(session(), current_user())
    except NotBound as exc:
        abort(403, description=_(str(exc)))


def _action_or_404(action_id):
    """The action, if it is the user's own control room's; another room's is not found."""
    try:
        return _scope().check(get_action(session(), action_id))
    except NotFound:
        abort(404)


# The follow page's inputs by the field a refusal names, per form: the message stands at that form and the
# input is marked (a field not listed, or a conflict, is shown at the form alone).
FOLLOW_INPUTS = {
    "publication": {"title": "pub-title", "message": "pub-message", "title_en": "pub-title-en",
                    "message_en": "pub-message-en", "area_name": "pub-area"},
    "photos": {"photos": "photos"},
    "area": {"area.type": "area-type", "area.lat": "area-lat", "area.lon": "area-lon", "lat": "area-lat",
             "lon": "area-lon", "area.radius_m": "area-radius", "radius_m": "area-radius",
             "area.codes": "area-regions", "area.geometry": "area-polygon", "area_name": "area-name"},
    "end": {"result": "result", "closing_text": "closing_text", "result_from_response": "result_from_response"},
    "widen": {},
}
REFUSED = {"publication": lambda reason: _("Not updated: %(reason)s", reason=reason),
           "photos": lambda reason: _("Photo not added: %(reason)s", reason=reason),
           "area": lambda reason: _("Area not changed: %(reason)s", reason=reason),
           "end": lambda reason: _("Not ended: %(reason)s", reason=reason),
           "widen": lambda reason: _("Not widened: %(reason)s", reason=reason)}


def _centre_of(area):
    """(lat, lon) of a circle's centre or a polygon's; None for regions and the whole country."""
    if area.get("type") == "circle":
        return area["lat"], area["lon"]
    if area.get("type") == "polygon" and area.get("centre"):
        return tuple(area["centre"])
    return None


def _follow_page(action, refusal=None, status=200):
    pub = publication_of(session(), action.id)
    page_url = urls.page_url(current_app.config, pub.token) if pub else None
    regions = list_regions(session()) if action.kind == "amber_alert" else []
    centre = _centre_of(action.area)
    whereabouts = nearest_address(session(), *centre) if centre else None
    return render_template("actions/follow.html", action=action, whereabouts=whereabouts, kinds=kind_labels(), results=result_labels(),
                           result_texts=RESULT_TEXT["nl"], map=map_settings(), publication=pub,
                           page_url=page_url, regions=regions, max_radius=current_app.config["MAX_RADIUS_M"],
                           refusal=refusal, values=request.form if refusal else {},
                           rings=action.widen_radii is not None), status


def _refused(action_id, form_name, exc):
    """The follow page again (400, or 409 for a conflict) with the refusal at the form and its field: the
    operator sees what to correct beside what they typed; nothing was changed."""
    session().rollback()
    field = (getattr(exc, "field", None) or "").split("[")[0]  # "photos[1]" is the photo input
    refusal = {"form": form_name, "input": FOLLOW_INPUTS[form_name].get(field),
               "text": REFUSED[form_name](error_text(exc))}
    return _follow_page(_action_or_404(action_id), refusal, 409 if isinstance(exc, Conflict) else 400)


@bp.get("/<int:action_id>")
@login_required("operator")
def show(action_id):
    return _follow_page(_action_or_404(action_id))


@bp.post("/<int:action_id>/publication")
@login_required("operator")
def update_publication(action_id):
    """The operator changes a public action's title, message or area name: an Update goes out."""
    db = session()
    _action_or_404(action_id)
    form = request.form
    changes = {field: form[field] for field in ("title", "message", "title_en", "message_en", "area_name")
               if form.get(field, "").strip()}
    try:
        ActionService(runtime()).update_publication(db, action_id, audit_actor(), **changes)
    except (ValidationError, Conflict) as exc:
        return _refused(action_id, "publication", exc)
    flash(_("Publication updated (Update sent)."), "info")
    return redirect(url_for("actions.show", action_id=action_id))


@bp.post("/<int:action_id>/area")
@login_required("operator")
def change_area(action_id):
    """The operator moves or resizes the area: whoever it adds is alerted; a public action sends an Update."""
    db = session()
    _action_or_404(action_id)
    try:
        action, event, cancelled = ActionService(runtime()).change_area(
            db, action_id, _form_area(request.form), audit_actor(), area_name=request.form.get("area_name") or None,
            geocoder=geocoder_for(current_app.config, db))
    except (ValidationError, Conflict) as exc:
        return _refused(action_id, "area", exc)
    parts = [_("Area changed: new participants in the area are being alerted.")]
    if cancelled:
        parts.append(ngettext("%(num)s alert not yet sent outside the area was cancelled.",
                              "%(num)s alerts not yet sent outside the area were cancelled.", cancelled))
    if event:
        parts.append(_("The publication has been updated (Update)."))
    flash(" ".join(parts), "info")
    return redirect(url_for("actions.show", action_id=action_id))


@bp.post("/<int:action_id>/widen")
@login_required("operator")
def widen(action_id):
    """The operator takes the next expanding ring at once ("widen now")."""
    db = session()
    _action_or_404(action_id)
    try:
        action = widening.widen(runtime(), db, action_id, audit_actor())
    except (ValidationError, Conflict) as exc:
        return _refused(action_id, "widen", exc)
    flash(_("Widened to %(metres)s m: the people the wider ring adds are being alerted.",
            metres=format_decimal(action.area["radius_m"])), "info")
    return redirect(url_for("actions.show", action_id=action_id))


@bp.post("/<int:action_id>/photos")
@login_required("operator")
def add_photos(action_id):
    """Photos added after launch; on a public action they go out at once as an Update."""
    db = session()
    _action_or_404(action_id)
    try:
        photos = _uploads("photos")
        if not photos:  # an empty file input, or an empty file
            raise ValidationError("photos", _("choose a photo to add"))
        event = ActionService(runtime()).add_photos(db, action_id, photos, audit_actor())
    except (ValidationError, Conflict) as exc:
        return _refused(action_id, "photos", exc)
    flash(_("Photo added and published (Update).") if event else _("Photo added."), "info")
    return redirect(url_for("actions.show", action_id=action_id))


@bp.get("/<int:action_id>/status")
@login_required("operator")
def status(action_id):
    """Everything the follow page shows, polled every two seconds."""
    db = session()
    action = _action_or_404(action_id)
    data = {"id": action.id, "code": action.code, "status": action.status, "result": action.result,
            "closing_text": action.closing_text,
            "ended_at": action.ended_at.isoformat() if action.ended_at else None,
            "summary": follow.progress_summary(db, action_id), "voice": follow.voice_outcomes(db, action_id),
            "calls": follow.inbound_calls(db, action_id),
            "tips": follow.tips(db, action_id), "timeline": timeline.compute(db, action),
            "rings": ring_plan.state_of(db, action)}
    for tip in data["tips"]:
        if tip["has_recording"]:
            tip["recording_url"] = url_for("actions.recording", action_id=action_id, tip_id=tip["id"])
    return jsonify(data)


# The report page lists the first rows; the CSV holds them all.
REPORT_PAGE_ROWS = 500


@bp.get("/<int:action_id>/report")
@login_required("operator")
def report(action_id):
    """The reach report (core.reach_report): who was tried and reached per channel, and when."""
    db = session()
    action = _action_or_404(action_id)
    audit.record(db, audit_actor(), "read_report", "action", action.id)
    db.commit()
    return render_template("actions/report.html", action=action, kinds=kind_labels(), results=result_labels(),
                           channel_names=channel_labels(), purpose_names=in_words(PURPOSE_LABELS),
                           state_names=in_words(DELIVERY_STATE_LABELS), report=reach_report.summary(db, action),
                           rows=list(reach_report.rows(db, action.id, REPORT_PAGE_ROWS)), page_rows=REPORT_PAGE_ROWS)


@bp.get("/<int:action_id>/report.csv")
@login_required("operator")
def report_csv(action_id):
    db = session()
    action = _action_or_404(action_id)
    audit.record(db, audit_actor(), "read_report", "action", action.id, {"format": "csv"})
    db.commit()
    return Response(reach_report.csv_text(db, action.id, csv_cell), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="uitkijk-bereik-{action.code}-{action.id}.csv"'})


@bp.get("/<int:action_id>/tips/<int:tip_id>/recording")
@login_required("operator")
def recording(action_id, tip_id):
    """A recorded tip, for the page's audio player; only for signed-in operators of the action's room."""
    db = session()
    _action_or_404(action_id)
    try:
        path = follow.recording_path(db, action_id, tip_id, current_app.config["RECORDINGS_DIR"], audit_actor(),
                                     audited=follow.starts_playing(request.headers.get("Range")))
    except NotFound:
        abort(404)
    db.commit()
    response = send_file(path, mimetype="audio/wav", conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:action_id>/end")
@login_required("operator")
def end(action_id):
    db = session()
    _action_or_404(action_id)
    form = request.form
    result = form.get("result")
    try:
        if result not in ACTION_RESULTS:
            raise ValidationError("result", _("Choose the result of the action."))
        action = ActionService(runtime()).end(db, action_id, result, form.get("closing_text", ""), audit_actor(),
                                              result_from_response=form.get("result_from_response") == "on")
    except (ValidationError, Conflict) as exc:
        return _refused(action_id, "end", exc)
    flash(_("Action %(code)s ended: %(result)s.", code=action.code, result=result_labels()[result]), "info")
    return redirect(url_for("actions.show", action_id=action_id))
