"""Self sign-up: every number is confirmed by a code before it is used, and a signed link lets a
participant change their preferences or leave.

A mobile number gets its code by SMS, a landline by a call that reads the code out. Codes are
stored as keyed hashes with an expiry and an attempt limit. A registration whose codes all
expired unconfirmed holds no number: the next sign-up with that number takes its place.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .errors import ValidationError
from .models import Municipality, NumberConfirmation, Participant, PhoneNumber, utcnow
from .numbers import mask, parse_number
from .participants import Registry, delete_participant, validate
from .transports import PermanentFailure, TransientFailure

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=30)
MAX_ATTEMPTS = 5
MAX_CODES_PER_NUMBER = 3
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


class LinkInvalid(ValueError):
    """A self-service or confirmation link that is forged, for another purpose, or expired."""


def _serializer(secret, purpose):
    return URLSafeTimedSerializer(secret, salt=f"uitkijk-{purpose}")


def make_link_token(secret, participant_id, purpose):
    """A signed token naming a participant, for the confirmation page ("confirm") or self-service ("manage")."""
    return _serializer(secret, purpose).dumps({"p": participant_id})


def read_link_token(secret, token, purpose, max_age):
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkInvalid("this link has expired") from None
    except BadSignature:
        raise LinkInvalid("this link is not valid") from None
    return int(data["p"])


def within_limit(redis, key, limit, window_s):
    """Count one use of `key` in a fixed window; False once the limit is passed (SMS-pumping guard)."""
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_s, nx=True)
    count, _ = pipe.execute()
    return count <= limit


def municipality_choices(session):
    return session.scalars(select(Municipality).order_by(Municipality.name)).all()


class SignupService:
    """Registration by the participant themself: codes out, codes back, preferences, leaving."""

    def __init__(self, session, transports, secret, region="NL"):
        self.session = session
        self.transports = transports
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.region = region

    # -- registering and confirming ---------------------------------------------------------

    def register(self, data):
        """Create an unconfirmed participant and send a code to each number."""
        spec = validate({**data, "external_ref": None}, self.region)
        for i, number in enumerate(spec.numbers):
            owner = self.session.scalar(select(PhoneNumber.participant_id).where(PhoneNumber.e164 == number.e164))
            if owner is not None and not self._release_if_stale(owner):
                raise ValidationError(f"phones[{i}]", "is already registered; ask for a self-service link instead")
        participant = Registry(self.session).save(spec)
        participant.active = False
        for number in participant.numbers:
            number.confirmed = False
        self.session.flush()
        for number in participant.numbers:
            self.send_code(number)
        return participant

    def _release_if_stale(self, participant_id):
        """Remove a sign-up nobody confirmed in time, so it cannot hold someone's number hostage."""
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

    def send_code(self, number):
        """Send a fresh code to an unconfirmed number (by SMS to a mobile, a call to a landline)."""
        if number.confirmed:
            raise ValidationError("number", f"{mask(number.e164)} is already confirmed")
        sent = self.session.scalar(select(func.count()).select_from(NumberConfirmation)
                                   .where(NumberConfirmation.phone_number_id == number.id))
        if sent >= MAX_CODES_PER_NUMBER:
            raise ValidationError("number", f"no more codes can be sent to {mask(number.e164)}")
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        self.session.add(NumberConfirmation(phone_number_id=number.id, code_hash=self._hash(number.id, code),
                                            expires_at=utcnow() + CODE_TTL))
        language = number.participant.language if number.participant.language in CODE_TEXTS else "nl"
        channel = "sms" if number.kind == "mobile" else "voice"
        text = CODE_TEXTS[language][channel].format(code=code, spoken=", ".join(code))
        self._send(channel, number.e164, text, language)
        self.session.flush()

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
        for number in participant.numbers:
            if number.confirmed:
                outcomes[number.id] = "confirmed"
                continue
            typed = "".join(ch for ch in str(codes.get(number.id) or "") if ch.isdigit())
            outcomes[number.id] = self._check(number, typed) if typed else "missing"
        if any(n.confirmed for n in participant.numbers):
            participant.active = True
        self.session.flush()
        return outcomes

    def _check(self, number, typed):
        pending = self.session.scalar(
            select(NumberConfirmation)
            .where(NumberConfirmation.phone_number_id == number.id, NumberConfirmation.confirmed_at.is_(None))
            .order_by(NumberConfirmation.id.desc()).limit(1).with_for_update())
        if pending is None or pending.expires_at <= utcnow():
            return "expired"
        if pending.attempts >= MAX_ATTEMPTS:
            return "locked"
        pending.attempts += 1
        if not hmac.compare_digest(pending.code_hash, self._hash(number.id, typed)):
            return "locked" if pending.attempts >= MAX_ATTEMPTS else "wrong"
        pending.confirmed_at = utcnow()
        number.confirmed = True
        return "confirmed"

    # -- self-service -----------------------------------------------------------------------

    def registered(self, participant_id):
        """The participant a valid link names, or LinkInvalid when they have left since."""
        participant = self.session.get(Participant, participant_id)
        if participant is None or not participant.numbers:
            raise LinkInvalid("this registration no longer exists")
        return participant

    def send_manage_link(self, raw_number, link_for):
        """Text the self-service link to a confirmed mobile number; silently nothing for unknown numbers,
        so the form does not tell strangers who is registered."""
        e164 = parse_number(raw_number, self.region, field="number").e164
        number = self.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
        if number is None or not number.confirmed or number.kind != "mobile":
            return False
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

    def leave(self, participant):
        """Remove the participant's personal data; the ledger keeps only ids."""
        delete_participant(self.session, participant.id)
