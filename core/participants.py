"""The participant register: validation, create/update, lookup and removal."""
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select

from .erasure import FileDirs, erase_participant
from .errors import N_, NotFound, ValidationError
from .geo import cell_of, check_point
from .geocoding import locate
from .input_checks import check_line, check_text
from .mail_address import DEFAULT_MAIL_CHOICES, MAIL_CHOICES, set_choices
from .models import MailPreference, Municipality, Participant, ParticipantLocation, PhoneNumber
from .numbers import mask, parse_number

LANGUAGES = ("nl", "en", "de")  # German for participants in the border area
CHANNELS = ("voice", "sms")
MAX_NUMBERS = 4
# The same words whoever holds the number or reference, so staff learn nothing about other municipalities.
NUMBER_TAKEN = N_("%(number)s is registered to another participant")
EXTERNAL_REF_TAKEN = N_("is already used by another participant")
NO_NUMBER = N_("at least one phone number is required, unless alerts come only by e-mail")


@dataclass
class NumberSpec:
    e164: str
    kind: str
    channel: str


@dataclass
class LocationSpec:
    kind: str
    lat: float
    lon: float
    address: str | None
    # From the geocoder, when the location was given as an address (core.geocoding.Place).
    postcode: str | None = None
    house_number: str | None = None
    wijk_code: str | None = None
    buurt_code: str | None = None


@dataclass
class ParticipantSpec:
    """A validated registration, ready to be written."""

    external_ref: str | None
    name: str | None
    email: str | None
    language: str
    municipality_code: str | None
    numbers: list[NumberSpec] = field(default_factory=list)
    locations: list[LocationSpec] = field(default_factory=list)
    quiet_start: time | None = None
    quiet_end: time | None = None
    test: bool | None = None  # a test or staff participant (whom exercises reach); None leaves it as it is
    mail: dict | None = None  # what they want by mail (core.mail_address.MAIL_CHOICES); None: unchanged


def _text(data, key, max_len, required=False):
    return check_line(data.get(key), key, max_len, required)


def _time(value, key):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 8:
        raise ValidationError(key, "must be a time as HH:MM")
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValidationError(key, "must be a time as HH:MM") from None


def _location(value, kind, geocoder):
    """A home or work location: coordinates (with an optional address text), or an address the
    geocoder places (postcode and house number, street and city, or one line in `address`)."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise ValidationError(kind, "must be an object with lat and lon, or with an address")
    place = locate(geocoder, value, kind)
    if place is not None:
        return LocationSpec(kind, place.lat, place.lon, place.label, place.postcode, place.house,
                            place.wijk_code, place.buurt_code)
    lat, lon = check_point(value.get("lat"), value.get("lon"), kind)
    address = value.get("address")
    if address is not None and (not isinstance(address, str) or len(address) > 300):
        raise ValidationError(f"{kind}.address", "must be text of at most 300 characters")
    return LocationSpec(kind, lat, lon, check_text(address, f"{kind}.address", multiline=False) if address else None)


def validate(data, region="NL", geocoder=None):
    """Turn registration input (API JSON or a CSV row) into a ParticipantSpec or raise ValidationError.

    A location given as an address is placed by `geocoder` (core.geocoding); without one, only
    coordinates are accepted."""
    if not isinstance(data, dict):
        raise ValidationError("participant", "must be an object")
    language = (_text(data, "language", 8) or "nl").lower()
    if language not in LANGUAGES:
        raise ValidationError("language", "must be nl or en")
    email = _text(data, "email", 254)
    if email and ("@" not in email or " " in email):
        raise ValidationError("email", "is not an email address")
    spec = ParticipantSpec(
        external_ref=_text(data, "external_ref", 64),
        name=_text(data, "name", 200),
        email=email,
        language=language,
        municipality_code=_text(data, "municipality", 16),
    )
    spec.mail = _mail_choices(data.get("mail"))
    phones = data.get("phones") or []
    if not isinstance(phones, list):
        raise ValidationError("phones", "must be a list of numbers")
    # Alerts only by e-mail need no number (Registry.save checks the address is confirmed).
    if not phones and not (spec.mail and spec.mail.get("alerts_only")):
        raise ValidationError("phones", NO_NUMBER)
    if len(phones) > MAX_NUMBERS:
        raise ValidationError("phones", "at most %(max)s numbers", max=MAX_NUMBERS)
    for i, entry in enumerate(phones):
        name = f"phones[{i}]"
        if isinstance(entry, str):
            entry = {"number": entry}
        if not isinstance(entry, dict):
            raise ValidationError(name, "must be a number or an object with number and channel")
        parsed = parse_number(entry.get("number"), region, field=name)
        channel = entry.get("channel") or parsed.default_channel
        if not isinstance(channel, str) or channel not in CHANNELS:
            raise ValidationError(f"{name}.channel", "must be voice or sms")
        if channel == "sms" and parsed.kind != "mobile":
            raise ValidationError(f"{name}.channel", "a landline cannot receive SMS")
        if any(n.e164 == parsed.e164 for n in spec.numbers):
            raise ValidationError(name, "is listed twice")
        spec.numbers.append(NumberSpec(parsed.e164, parsed.kind, channel))
    home = _location(data.get("home"), "home", geocoder)
    if home is None:
        raise ValidationError("home", "a home location is required")
    spec.locations.append(home)
    work = _location(data.get("work"), "work", geocoder)
    if work:
        spec.locations.append(work)
    quiet = data.get("quiet_hours") or {}
    if not isinstance(quiet, dict):
        raise ValidationError("quiet_hours", "must be an object with start and end")
    spec.quiet_start = _time(quiet.get("start"), "quiet_hours.start")
    spec.quiet_end = _time(quiet.get("end"), "quiet_hours.end")
    if (spec.quiet_start is None) != (spec.quiet_end is None):
        raise ValidationError("quiet_hours", "needs both start and end")
    test = data.get("test")
    if test is not None and not isinstance(test, bool):
        raise ValidationError("test", "must be true or false")
    spec.test = test
    return spec


def _mail_choices(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("mail", "must be an object with %(choices)s", choices=", ".join(MAIL_CHOICES))
    for key, choice in value.items():
        if key not in MAIL_CHOICES:
            raise ValidationError(f"mail.{key}", "is not a mail choice (%(choices)s)", choices=", ".join(MAIL_CHOICES))
        if not isinstance(choice, bool):
            raise ValidationError(f"mail.{key}", "must be true or false")
    return dict(value)


def already_registered(spec, existing):
    """The refusal of a registration that names `existing`, someone else's participant."""
    if spec.external_ref and existing.external_ref == spec.external_ref:
        return ValidationError("external_ref", EXTERNAL_REF_TAKEN)
    return ValidationError("phones[0]", NUMBER_TAKEN, number=mask(spec.numbers[0].e164))


class Registry:
    """Writes validated participants; shared by the API, the CLI, the CSV import and the web."""

    def __init__(self, session):
        self.session = session
        self._municipalities = {}

    def municipality_id(self, code):
        if code is None:
            return None
        if code not in self._municipalities:
            found = self.session.scalar(select(Municipality.id).where(Municipality.code == code))
            if found is None:
                raise ValidationError("municipality", "unknown municipality %(code)s", code=repr(code))
            self._municipalities[code] = found
        return self._municipalities[code]

    def find_existing(self, spec):
        """The participant this registration is about: same external reference, else same first number."""
        if spec.external_ref:
            found = self.session.scalar(select(Participant).where(Participant.external_ref == spec.external_ref))
            if found:
                return found
        if not spec.numbers:
            return None
        owner = self.session.scalar(select(PhoneNumber.participant_id)
                                    .where(PhoneNumber.e164 == spec.numbers[0].e164))
        if owner is not None and not spec.external_ref:
            return self.session.get(Participant, owner)
        return None

    def save(self, spec, participant=None):
        """Create or update; a number that belongs to someone else is refused."""
        municipality_id = self.municipality_id(spec.municipality_code)
        if participant is None:
            participant = self.find_existing(spec)
        if spec.external_ref:
            holder = self.session.scalar(select(Participant.id).where(Participant.external_ref == spec.external_ref))
            if holder is not None and (participant is None or holder != participant.id):
                raise ValidationError("external_ref", EXTERNAL_REF_TAKEN)
        for i, number in enumerate(spec.numbers):
            owner = self.session.scalar(select(PhoneNumber.participant_id).where(PhoneNumber.e164 == number.e164))
            if owner is not None and (participant is None or owner != participant.id):
                raise ValidationError(f"phones[{i}]", NUMBER_TAKEN, number=mask(number.e164))
        if participant is None:
            participant = Participant()
            self.session.add(participant)
        participant.external_ref = spec.external_ref or participant.external_ref
        participant.name = spec.name
        participant.email = spec.email
        participant.language = spec.language
        participant.municipality_id = municipality_id
        participant.quiet_start, participant.quiet_end = spec.quiet_start, spec.quiet_end
        if spec.test is not None:
            participant.test = spec.test
        participant.active = True
        self._replace_numbers(participant, spec.numbers)
        self._replace_locations(participant, spec.locations)
        self.session.flush()
        if spec.mail is not None:
            set_choices(self.session, participant, spec.mail)
        pref = self.session.get(MailPreference, participant.id)
        if not participant.numbers and not (pref and pref.alerts_only):
            raise ValidationError("phones", NO_NUMBER)
        return participant

    def _replace_numbers(self, participant, numbers):
        existing = {n.e164: n for n in participant.numbers}
        wanted = {n.e164 for n in numbers}
        for e164, row in existing.items():
            if e164 not in wanted:
                participant.numbers.remove(row)
        self.session.flush()
        for number in numbers:
            row = existing.get(number.e164)
            if row is None:
                participant.numbers.append(PhoneNumber(e164=number.e164, kind=number.kind, channel=number.channel))
            else:
                row.kind, row.channel = number.kind, number.channel

    def _replace_locations(self, participant, locations):
        existing = {loc.kind: loc for loc in participant.locations}
        for kind, row in existing.items():
            if kind not in {loc.kind for loc in locations}:
                participant.locations.remove(row)
        for loc in locations:
            row = existing.get(loc.kind) or ParticipantLocation(kind=loc.kind)
            row.lat, row.lon, row.address, row.cell = loc.lat, loc.lon, loc.address, cell_of(loc.lat, loc.lon)
            row.postcode, row.house_number = loc.postcode, loc.house_number
            row.wijk_code, row.buurt_code = loc.wijk_code, loc.buurt_code
            if row not in participant.locations:
                participant.locations.append(row)


def get_participant(session, participant_id):
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("participant", participant_id)
    return participant


def delete_participant(session, participant_id, dirs=FileDirs()):
    """Erase a participant everywhere (core.erasure); the ledger keeps rows that name nobody."""
    get_participant(session, participant_id)
    erase_participant(session, participant_id, dirs)


def participant_as_dict(participant, show_numbers=True):
    return {
        "id": participant.id,
        "external_ref": participant.external_ref,
        "name": participant.name,
        "email": participant.email,
        "language": participant.language,
        "active": participant.active,
        "test": bool(participant.test),
        "municipality": participant.municipality.code if participant.municipality else None,
        "phones": [{"number": n.e164 if show_numbers else mask(n.e164), "kind": n.kind, "channel": n.channel,
                    "confirmed": n.confirmed, "unsubscribed": n.unsubscribed} for n in participant.numbers],
        "locations": [{"kind": loc.kind, "lat": loc.lat, "lon": loc.lon, "address": loc.address,
                       "postcode": loc.postcode, "house_number": loc.house_number, "wijk_code": loc.wijk_code,
                       "buurt_code": loc.buurt_code} for loc in participant.locations],
        "quiet_hours": ({"start": participant.quiet_start.strftime("%H:%M"),
                         "end": participant.quiet_end.strftime("%H:%M")} if participant.quiet_start else None),
        "mail": mail_choices_of(participant),
    }


def mail_choices_of(participant):
    """What the participant wants by mail and whether their address is confirmed (the defaults without a row)."""
    pref = participant.mail_preference
    choices = {kind: getattr(pref, kind) if pref else kind in DEFAULT_MAIL_CHOICES for kind in MAIL_CHOICES}
    return {"confirmed": bool(pref and participant.email and pref.confirmed_address == participant.email), **choices}
