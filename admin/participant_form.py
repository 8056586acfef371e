"""The participant form shared by staff pages and the public sign-up: HTML fields <-> registration input.

A location is an address (postcode and house number with its toevoeging, or street, number and
place), placed by the geocoder; or coordinates, typed or filled in by the map script (for Belgian
and German addresses, or whoever prefers them). An address, when given, wins over the coordinates.
The form works without JavaScript.
"""
import re

from flask_babel import gettext as _

from core.address_input import parse_house, postcode_text, split_suffix
from core.errors import ValidationError
from core.mail_address import MAIL_CHOICES
from core.participants import MAX_NUMBERS, mail_choices_of
from web.i18n import reason_text

ADDRESS_FIELDS = ("postcode", "house_number", "addition", "street", "city")

PHONE_SLOTS = MAX_NUMBERS
# The public form shows fewer: the server reads exactly the slots the form has.
SIGNUP_PHONE_SLOTS = 3

def _parts():
    return {"postcode": _("postcode"), "house_number": _("house number"), "house_letter": _("house letter"),
            "addition": _("addition"), "street": _("street"), "city": _("place"), "address": _("address"),
            "lat": _("latitude"), "lon": _("longitude"), "alerts_only": _("alerts only by e-mail")}


def _labels():
    return {"home": _("Home location"), "work": _("Work location"), "email": _("E-mail address"), "name": _("Name"),
            "language": _("Language"), "quiet_hours": _("Quiet hours"), "external_ref": _("Reference"),
            "municipality": _("Municipality"), "phones": _("Phone numbers"), "mail": _("By e-mail")}


def _clean(form, key):
    return (form.get(key) or "").strip()


def _coordinate(text):
    """Accept a decimal comma, as Dutch keyboards type it."""
    return text.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", text) else text


def form_to_input(form, with_admin_fields=False, phone_slots=PHONE_SLOTS):
    """Registration input (the shape `core.participants.validate` takes) and the phone slot of each entry.

    A number in a slot beyond `phone_slots` (one the form does not show) is refused, not read."""
    extra = sorted(key for key in form
                   if re.fullmatch(r"phone_\d{1,3}", key) and int(key[6:]) > phone_slots and _clean(form, key))
    if extra:
        raise ValidationError("phones", "this form takes at most %(max)s numbers (%(extra)s is one too many)",
                              max=phone_slots, extra=extra[0])
    phones, slots = [], []
    for slot in range(1, phone_slots + 1):
        number = _clean(form, f"phone_{slot}")
        if number:
            phones.append({"number": number, "channel": _clean(form, f"channel_{slot}") or None})
            slots.append(slot)

    def location(kind):
        parts = {part: _clean(form, f"{kind}_{part}") for part in ADDRESS_FIELDS}
        if any(parts.values()):
            letter, addition = split_suffix(parts.pop("addition"), f"{kind}.addition")
            return {**parts, "house_letter": letter, "addition": addition}
        lat, lon = _clean(form, f"{kind}_lat"), _clean(form, f"{kind}_lon")
        if not lat and not lon:
            return None
        return {"lat": _coordinate(lat), "lon": _coordinate(lon), "address": _clean(form, f"{kind}_address") or None}

    quiet_start, quiet_end = _clean(form, "quiet_start"), _clean(form, "quiet_end")
    data = {
        "name": _clean(form, "name") or None,
        "email": _clean(form, "email") or None,
        "language": _clean(form, "language") or "nl",
        "phones": phones,
        "home": location("home"),
        "work": location("work"),
        "quiet_hours": {"start": quiet_start, "end": quiet_end} if quiet_start or quiet_end else None,
    }
    if form.get("mail_choices"):  # the form shows the mail choices (staff's and the self-service's)
        data["mail"] = {kind: form.get(f"mail_{kind}") == "on" for kind in MAIL_CHOICES}
    if with_admin_fields:
        data["external_ref"] = _clean(form, "external_ref") or None
        data["municipality"] = _clean(form, "municipality") or None
        data["test"] = form.get("test") == "on"
    return data, slots


def error_label(field, slots):
    """A validation error's field as the form shows it, e.g. "phones[1].channel" -> "Phone number 2 channel"."""
    match = re.fullmatch(r"phones\[(\d+)\](\.channel)?", field)
    if match:
        index = int(match.group(1))
        slot = slots[index] if index < len(slots) else index + 1
        if match.group(2):
            return _("Phone number %(slot)s channel", slot=slot)
        return _("Phone number %(slot)s", slot=slot)
    head, _dot, tail = field.partition(".")
    label = _labels().get(head, head.replace("_", " ").capitalize())
    return f"{label} ({_parts().get(tail, tail)})" if tail else label


def field_id(field, slots=()):
    """The id of the input a validation error is about ("home.postcode" -> "home_postcode"), so the
    page can tie the message to it (aria-describedby, aria-invalid) and put the focus there."""
    head, _dot, tail = field.partition(".")
    if head in ("home", "work"):
        tail = "addition" if tail == "house_letter" else tail
        return f"{head}_{tail}" if tail in (*ADDRESS_FIELDS, "lat", "lon", "address") else f"{head}_postcode"
    match = re.fullmatch(r"phones\[(\d+)\](\.channel)?", field)
    if match:
        index = int(match.group(1))
        slot = slots[index] if index < len(slots) else index + 1
        return f"{'channel' if match.group(2) else 'phone'}_{slot}"
    if field == "mail.alerts_only":
        return "mail_alerts_only"
    if field == "quiet_hours" or field.startswith("quiet_hours."):
        return "quiet_end" if field.endswith("end") else "quiet_start"
    return field if field in ("email", "name", "language", "municipality", "external_ref", "consent") else None


def participant_to_form(participant):
    """Form values for an existing participant."""
    values = {"name": participant.name or "", "email": participant.email or "",
              "language": participant.language, "external_ref": participant.external_ref or "",
              "municipality": participant.municipality.code if participant.municipality else "",
              "quiet_start": participant.quiet_start.strftime("%H:%M") if participant.quiet_start else "",
              "quiet_end": participant.quiet_end.strftime("%H:%M") if participant.quiet_end else "",
              "test": "on" if participant.test else ""}
    for kind, chosen in mail_choices_of(participant).items():
        values[f"mail_{kind}"] = "on" if chosen else ""
    for slot, number in enumerate(participant.numbers[:PHONE_SLOTS], start=1):
        values[f"phone_{slot}"] = number.e164
        values[f"channel_{slot}"] = number.channel
    for loc in participant.locations:
        if loc.postcode and loc.house_number:
            number, letter, addition = parse_house(loc.house_number)
            values[f"{loc.kind}_postcode"] = postcode_text(loc.postcode)
            values[f"{loc.kind}_house_number"] = str(number)
            values[f"{loc.kind}_addition"] = letter + ("-" if letter and addition else "") + addition
            values[f"{loc.kind}_found"] = loc.address or ""
            continue
        values[f"{loc.kind}_lat"] = f"{loc.lat:.6f}"
        values[f"{loc.kind}_lon"] = f"{loc.lon:.6f}"
        values[f"{loc.kind}_address"] = loc.address or ""
    return values


def error_tie(error, slots=()):
    """What a form needs to show a validation error at its field: {"id", "text"}, or None when the
    error is about no single input (the message at the top of the form then says it all)."""
    if error is None:
        return None
    target = field_id(error.field, list(slots))
    return {"id": target, "text": f"{error_label(error.field, list(slots))}: {reason_text(error.reason)}"} if target else None
