"""What a control-room system asks before it launches, as the web's launch page does: who an area
reaches now, where an address is, and the alert SMS as participants would get it."""
from flask import current_app, jsonify, request

from core.configuration import get_control_room
from core.errors import ValidationError
from core.estimate import area_of_query, estimate_area
from core.geocoding import geocoder_for, locate
from core.input_checks import parse_id
from core.sms_texts import alert_previews
from web.db_session import session

from . import bp, own, requires


@bp.get("/estimate")
@requires("actions")
def estimate():
    config = current_app.config
    result = estimate_area(session(), area_of_query(request.args), config["MAX_RADIUS_M"], config["TIMEZONE"],
                           min_participants=config["ESTIMATE_MIN_PARTICIPANTS"])
    return jsonify(result.as_dict())


ADDRESS_PARAMETERS = ("address", "postcode", "house_number", "house_letter", "addition", "street", "city")


@bp.get("/geocode")
@requires("actions")
def geocode():
    """Where an address is, as a launch's area would place it: a refusal names the part as the launch
    would (area.postcode, area.house_number, area.address)."""
    asked = {name: request.args[name] for name in ADDRESS_PARAMETERS if name in request.args}
    place = locate(geocoder_for(current_app.config, session()), asked, "area")
    if place is None:
        raise ValidationError("area.address", "type an address, like Damrak 1, Amsterdam")
    return jsonify(lat=place.lat, lon=place.lon, label=place.label)


@bp.get("/sms-preview")
@requires("actions")
def sms_preview():
    """The alert SMS in each language (an exercise's with its marking); the free number is the control
    room's when one is named (the token's own room only), else FREE_NUMBER."""
    message = request.args.get("message", "")
    if not message.strip():
        raise ValidationError("message", "is required")
    free_number = current_app.config["FREE_NUMBER"]
    if request.args.get("control_room_id"):
        room = get_control_room(session(), parse_id(request.args["control_room_id"], "control_room_id"))
        own(room.id, "control room", room.id)
        free_number = room.free_number
    exercise = request.args.get("exercise", "false")
    if exercise not in ("true", "false"):
        raise ValidationError("exercise", "must be true or false")
    try:
        return jsonify(alert_previews(message, free_number, exercise == "true"))
    except ValueError as exc:
        raise ValidationError("message", str(exc)) from None
