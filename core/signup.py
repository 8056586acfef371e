"""Self sign-up: every number is confirmed by a code before it is used, and a signed link lets a
participant change their preferences or leave.

A mobile number gets its code by SMS, a landline by a call that reads the code out. Codes are
stored as keyed hashes with an expiry and an attempt limit. A registration whose codes all
expired unconfirmed holds no number: the next sign-up with that number takes its place.

What may be sent is limited (core.signup_limits): numbers of the allowed countries only, so many
codes per number and per day for the whole installation. A code *call* rings only within
SIGNUP_CALL_HOURS and outside the participant's own quiet hours; at other times it is refused
with a message saying when to ask again (deferring it would ring at 08:00 with a code that
expired at night). An SMS code is always sent: it is silent enough, and the person asking is at
their phone.
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
import phonenumbers
from sqlalchemy import func, select, update

from .erasure import FileDirs
from .errors import ValidationError
from .models import Municipality, NumberConfirmation, Participant, PhoneNumber, utcnow
from .numbers import mask, parse_number
from .participants import Registry, delete_participant, validate
from .selection import in_quiet_hours
from .signup_limits import LimitReached
from .transports import PermanentFailure, TransientFailure

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=30)
MAX_ATTEMPTS = 5
CONFIRM_LINK_MAX_AGE_S = 24 * 3600
MANAGE_LINK_MAX_AGE_S = 30 * 24 * 3600

CODE_TEXTS = {
    "nl": {"sms": "Uw Uitkijk-bevestigingscode is {code}. Deze code is 30 minuten geldig.",
           "voice": "Dit is Uitkijk. Uw bevestigingscode is: {spoken}. Ik herhaal: {spoken}."},
    "en": {"sms": "Your Uitkijk confirmation code is {code}. It is valid for 30 minutes.",
           "voice": "This is Uitkijk. Your confirmation code is: {spoken}. I repeat: {spoken}."},
}
LINK_TEXTS = {
    "nl": "Uitkijk: wijzig uw voorkeuren of meld u af via {url}",
    "en": "Uitkijk: change your preferences or leave via {url}",
}


def local_now(zone):
    """The time now where the participants live (one place, so tests can choose the hour)."""
    return datetime.now(zone)


class LinkInvalid(ValueError):
    """A self-service or confirmation link that is forged, for another purpose, or expired."""


def _serializer(secret, purpose):
    return URLSafeTimedSerializer(secret, salt=f"uitkijk-{purpose}")


def make_link_token(secret, participant_id, purpose):
    """A signed token naming a participant, for the confirmation page ("confirm") or self-service ("manage")."""
    return _serializer(secret, purpose).dumps({"p": participant_id})


def read_link(secret, token, purpose, max_age):
    """(participant id, when the link was signed) of a valid link; LinkInvalid otherwise."""
    try:
        data, signed_at = _serializer(secret, purpose).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise LinkInvalid("this link has expired") from None
    except BadSignature:
        raise LinkInvalid("this link is not valid") from None
    return int(data["p"]), signed_at


def revoke_links(participant):
    """Every self-service link sent so far stops working (a leaked SMS, a lost phone); a new one can be sent."""
    participant.links_revoked_at = utcnow()


def _revoked(participant, signed_at):
    # Links carry their signing time in whole seconds: one signed in the second of revoking, before or
    # after it, stays valid, so a new link asked for right after revoking works.
    revoked = participant.links_revoked_at
    return revoked is not None and signed_at is not None and signed_at < revoked.replace(microsecond=0)


def municipality_choices(session):
    return session.scalars(select(Municipality).order_by(Municipality.name)).all()


class SignupService:
    """Registration by the participant themself: codes out, codes back, preferences, leaving."""

    def __init__(self, session, transports, secret, config, limits):
        self.session = session
        self.transports = transports
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.region = config["DEFAULT_REGION"]
        self.countries = config["SIGNUP_COUNTRIES"]
        self.call_hours = config["SIGNUP_CALL_HOURS"]
        self.zone = ZoneInfo(config["TIMEZONE"])
        self.limits = limits  # core.signup_limits.SignupLimits

    # -- registering and confirming ---------------------------------------------------------

    def register(self, data):
        """Create an unconfirmed participant and send a code to each number it can go to now.

        Returns (participant, reasons): `reasons` says, per number that got no code (a limit,
        quiet hours), why, for the confirmation page; such a number can ask again there."""
        spec = validate({**data, "external_ref": None}, self.region)
        for i, number in enumerate(spec.numbers):
            self._check_country(f"phones[{i}]", number.e164)
        for i, number in enumerate(spec.numbers):
            owner = self.session.scalar(select(PhoneNumber.participant_id).where(PhoneNumber.e164 == number.e164))
            if owner is not None and not self._release_if_stale(owner):
                raise ValidationError(f"phones[{i}]", "is already registered; ask for a self-service link instead")
        participant = Registry(self.session).save(spec)
        participant.active = False
        for number in participant.numbers:
            number.confirmed = False
        self.session.flush()
        reasons = []
        for number in participant.numbers:
            try:
                self.send_code(number)
            except ValidationError as exc:
                reasons.append(exc.reason)
        return participant, reasons

    def _check_country(self, field, e164):
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
        if region not in self.countries:
            self.limits.count("refused-country")
            raise ValidationError(field, f"is a number from {region or 'an unknown country'}; sign-up takes "
                                         f"numbers from {', '.join(self.countries)}")

    def _release_if_stale(self, participant_id):
        """Remove a sign-up nobody confirmed in time, so it cannot hold someone's number hostage.
        (The numbers' daily code counts are in Redis and survive this.)"""
        participant = self.session.get(Participant, participant_id)
        if participant.active or any(n.confirmed for n in participant.numbers):
            return False
        number_ids = [n.id for n in participant.numbers]
        live = self.session.scalar(select(func.count()).select_from(NumberConfirmation).where(
            NumberConfirmation.phone_number_id.in_(number_ids), NumberConfirmation.expires_at > utcnow()))
        if live:
            return False
        delete_participant(self.session, participant_id)
        return True

    def send_code(self, number, now=None):
        """Send a fresh code to an unconfirmed number (by SMS to a mobile, a call to a landline);
        ValidationError saying why when it may not go now."""
        if number.confirmed:
            raise ValidationError("number", f"{mask(number.e164)} is already confirmed")
        self._check_country("number", number.e164)
        channel = "sms" if number.kind == "mobile" else "voice"
        if channel == "voice":
            self._check_call_time(number, now)
        try:
            self.limits.take_code(number.e164, channel)
        except LimitReached as exc:
            if exc.scope == "number":
                raise ValidationError("number", f"no more codes can be sent to {mask(number.e164)} today; "
                                                "try again tomorrow") from None
            raise ValidationError("number", "sign-up codes cannot be sent right now; try again later") from None
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        self.session.add(NumberConfirmation(phone_number_id=number.id, code_hash=self._hash(number.id, code),
                                            expires_at=utcnow() + CODE_TTL))
        language = number.participant.language if number.participant.language in CODE_TEXTS else "nl"
        text = CODE_TEXTS[language][channel].format(code=code, spoken=", ".join(code))
        self._send(channel, number.e164, text, language)
        self.session.flush()

    def _check_call_time(self, number, now=None):
        """A code call rings only within SIGNUP_CALL_HOURS and outside the participant's quiet hours."""
        local = (now or local_now(self.zone)).astimezone(self.zone)
        start, end = self.call_hours
        person = number.participant
        if in_quiet_hours(start, end, local) and not in_quiet_hours(person.quiet_start, person.quiet_end, local):
            return
        self.limits.count("refused-quiet-hours")
        if not in_quiet_hours(start, end, local):
            when = f"between {start:%H:%M} and {end:%H:%M}"
        else:
            when = f"outside your quiet hours ({person.quiet_start:%H:%M}–{person.quiet_end:%H:%M})"
        raise ValidationError("number", f"we do not call {mask(number.e164)} now: code calls ring only {when}; "
                                        "ask for a new code then")

    def _send(self, channel, e164, text, language="nl"):
        """Send through the channel's transport (a call speaks the participant's language); a
        provider's refusal becomes a clear error for the form."""
        options = {"language": language} if channel == "voice" else {}
        try:
            self.transports[channel].send_direct(self.session, e164, text, **options)
        except PermanentFailure as exc:
            raise ValidationError("phones", f"{mask(e164)} cannot receive messages ({exc.code})") from None
        except TransientFailure:
            raise ValidationError("phones", "the message could not be sent right now; try again in a minute") from None

    def _hash(self, number_id, code):
        return hmac.new(self.secret, f"{number_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def confirm(self, participant, codes):
        """Check typed codes ({phone_number_id: code}); returns {phone_number_id: outcome}.

        Outcomes: confirmed, wrong, expired, locked (too many attempts), missing (nothing typed).
        The participant becomes active as soon as one number is confirmed.
        """
        outcomes = {}
        was_confirmed = any(n.confirmed for n in participant.numbers)
        for number in participant.numbers:
            if number.confirmed:
                outcomes[number.id] = "confirmed"
                continue
            typed = "".join(ch for ch in str(codes.get(number.id) or "") if ch.isdigit())
            outcomes[number.id] = self._check(number, typed) if typed else "missing"
        if not was_confirmed and any(n.confirmed for n in participant.numbers):
            # Only the first confirmation activates: a later one (or the link used again) must not
            # undo a deactivation by staff.
            participant.active = True
        self.session.flush()
        return outcomes

    def _check(self, number, typed):
        pending = self.session.scalar(
            select(NumberConfirmation)
            .where(NumberConfirmation.phone_number_id == number.id, NumberConfirmation.confirmed_at.is_(None))
            .order_by(NumberConfirmation.id.desc()).limit(1))
        if pending is None or pending.expires_at <= utcnow():
            return "expired"
        # One conditional UPDATE counts the attempt: parallel guesses cannot all read the same count
        # (SELECT ... FOR UPDATE is no lock on SQLite), so at most MAX_ATTEMPTS are ever checked.
        counted = self.session.execute(
            update(NumberConfirmation)
            .where(NumberConfirmation.id == pending.id, NumberConfirmation.attempts < MAX_ATTEMPTS)
            .values(attempts=NumberConfirmation.attempts + 1)
            .returning(NumberConfirmation.attempts)).scalar()
        if counted is None:
            return "locked"
        if not hmac.compare_digest(pending.code_hash, self._hash(number.id, typed)):
            return "locked" if counted >= MAX_ATTEMPTS else "wrong"
        pending.confirmed_at = utcnow()
        number.confirmed = True
        return "confirmed"

    # -- self-service -----------------------------------------------------------------------

    def registered(self, participant_id, signed_at=None):
        """The participant a valid link names, or LinkInvalid when they have left or revoked the link since."""
        participant = self.session.get(Participant, participant_id)
        if participant is None or not participant.numbers:
            raise LinkInvalid("this registration no longer exists")
        if _revoked(participant, signed_at):
            raise LinkInvalid("this link has been revoked; ask for a new one")
        return participant

    def send_manage_link(self, raw_number, link_for):
        """Text the self-service link to a confirmed mobile number; silently nothing for unknown numbers,
        so the form does not tell strangers who is registered."""
        e164 = parse_number(raw_number, self.region, field="number").e164
        number = self.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
        if number is None or not number.confirmed or number.kind != "mobile":
            return False
        try:
            self.limits.take_code(e164, "sms")
        except LimitReached:
            return False  # the same answer: the form tells nobody whether the number is registered
        participant = number.participant
        language = participant.language if participant.language in LINK_TEXTS else "nl"
        url = link_for(make_link_token(self.secret, participant.id, "manage"))
        self._send("sms", e164, LINK_TEXTS[language].format(url=url))
        return True

    def update_preferences(self, participant, data, unsubscribed_ids=()):
        """Change e-mail, locations, language, quiet hours and the channel of each number;
        numbers in `unsubscribed_ids` stop receiving alerts. Numbers themselves are not changed here."""
        channels = data.get("channels") or {}
        full = {**data, "external_ref": participant.external_ref, "name": participant.name,
                "municipality": participant.municipality.code if participant.municipality else None,
                "phones": [{"number": n.e164, "channel": channels.get(n.id) or n.channel}
                           for n in participant.numbers]}
        was_active = participant.active
        spec = validate(full, self.region)
        with self.session.begin_nested():
            Registry(self.session).save(spec, participant)
        participant.active = was_active
        for number in participant.numbers:
            number.unsubscribed = number.id in set(unsubscribed_ids)
        self.session.flush()
        return participant

    def leave(self, participant, dirs=FileDirs()):
        """Erase the participant everywhere, their recordings and photos too (core.erasure)."""
        delete_participant(self.session, participant.id, dirs)
