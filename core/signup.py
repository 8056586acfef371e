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
from .errors import N_, ValidationError
from .geocoding import geocoder_for
from .models import Municipality, NumberConfirmation, Participant, PhoneNumber, utcnow
from .numbers import mask, parse_number
from .participants import Registry, delete_participant, validate
from .selection import in_quiet_hours
from .signup_limits import LimitReached
from .signup_slots import SealedSignup, Slot, TakenSlots, new_claim
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
    "de": {"sms": "Ihr Uitkijk-Bestätigungscode ist {code}. Er ist 30 Minuten gültig.",
           "voice": "Hier ist Uitkijk. Ihr Bestätigungscode ist: {spoken}. Ich wiederhole: {spoken}."},
}
# To the owner of a number someone signed up again: nothing changes, and no code to pass on.
TAKEN_TEXTS = {
    "nl": {"sms": "Uitkijk: iemand wilde dit nummer aanmelden. Het is al aangemeld; er verandert niets. "
                  "Uw voorkeuren wijzigt u via een link op de aanmeldpagina.",
           "voice": "Dit is Uitkijk. Iemand wilde dit nummer aanmelden. Het is al aangemeld; er verandert niets."},
    "en": {"sms": "Uitkijk: someone tried to sign this number up. It is already registered; nothing changes. "
                  "To change your preferences, ask for a link on the sign-up page.",
           "voice": "This is Uitkijk. Someone tried to sign this number up. It is already registered; "
                    "nothing changes."},
    "de": {"sms": "Uitkijk: Jemand wollte diese Nummer anmelden. Sie ist bereits angemeldet; es ändert sich nichts. "
                  "Ihre Einstellungen ändern Sie über einen Link auf der Anmeldeseite.",
           "voice": "Hier ist Uitkijk. Jemand wollte diese Nummer anmelden. Sie ist bereits angemeldet; "
                    "es ändert sich nichts."},
}
LINK_TEXTS = {
    "nl": "Uitkijk: wijzig uw voorkeuren of meld u af via {url}",
    "en": "Uitkijk: change your preferences or leave via {url}",
    "de": "Uitkijk: Ändern Sie Ihre Einstellungen oder melden Sie sich ab über {url}",
}


def every_spoken_code():
    """(text, language) of every code call there can be: to find audio older versions left behind."""
    for language, texts in CODE_TEXTS.items():
        for number in range(10 ** CODE_DIGITS):
            code = f"{number:0{CODE_DIGITS}d}"
            yield texts["voice"].format(code=code, spoken=", ".join(code)), language


def local_now(zone):
    """The time now where the participants live (one place, so tests can choose the hour)."""
    return datetime.now(zone)


class LinkInvalid(ValueError):
    """A self-service or confirmation link that is forged, for another purpose, or expired; its text is an
    msgid (the page shows it in the reader's language)."""


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
        raise LinkInvalid(N_("this link has expired")) from None
    except BadSignature:
        raise LinkInvalid(N_("this link is not valid")) from None
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
        self.geocoder = geocoder_for(config, session)
        self.taken = TakenSlots(limits.redis, config["QUEUE_PREFIX"], int(CODE_TTL.total_seconds()), MAX_ATTEMPTS)

    # -- registering and confirming ---------------------------------------------------------

    def register(self, data):
        """Create an unconfirmed participant and send a code to each number it can go to now.

        A number registered before is not refused (that would tell anyone who takes part): it gets
        a slot like the others and its owner a notice instead of a code (core.signup_slots).
        Returns (SealedSignup, reasons): `reasons` says, per number that got nothing (a limit, the
        hour), why; it can ask again on the page."""
        # Nobody marks themselves a test participant: staff do (exercises reach those alone).
        spec = validate({**data, "external_ref": None, "test": None}, self.region, self.geocoder)
        for i, number in enumerate(spec.numbers):
            self._check_country(f"phones[{i}]", number.e164)
        typed, owners = list(spec.numbers), {}
        for i, number in enumerate(typed):
            owner = self.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == number.e164))
            if owner is not None and not self._release_if_stale(owner.participant_id):
                owners[i] = owner.id
        spec.numbers = [n for i, n in enumerate(typed) if i not in owners]
        participant = Registry(self.session).save(spec) if spec.numbers else None
        own = []
        if participant is not None:
            participant.active = False
            for number in participant.numbers:
                number.confirmed = False
            own = list(participant.numbers)
        self.session.flush()
        slots = [Slot(i + 1, owner_number_id=owners[i], masked=mask(number.e164), kind=number.kind,
                      claim=new_claim()) if i in owners else Slot(i + 1, number_id=own.pop(0).id)
                 for i, number in enumerate(typed)]
        signup = SealedSignup(participant.id if participant else None, slots, spec.quiet_start, spec.quiet_end)
        reasons = []
        for slot in slots:
            try:
                self.send_slot(signup, slot)
            except ValidationError as exc:
                reasons.append(exc.reason)
        return signup, reasons

    def send_slot(self, signup, slot):
        """A code to the slot's own number, or the notice to a taken one, by the same rules and limits."""
        if not slot.taken:
            return self.send_code(self.session.get(PhoneNumber, slot.number_id))
        owner = self.session.get(PhoneNumber, slot.owner_number_id)
        if owner is None:  # left since: nothing to tell anyone, and the page still says "on its way"
            return None
        channel = "sms" if owner.kind == "mobile" else "voice"
        if channel == "voice":
            self._check_call_time(owner.e164, signup.quiet_start, signup.quiet_end)
        try:
            self.limits.take_code(owner.e164, channel)
        except LimitReached as exc:
            raise self._limit_error(exc, owner.e164) from None
        self.taken.sent(slot.claim)
        person = owner.participant
        local = local_now(self.zone)
        if channel == "voice" and in_quiet_hours(person.quiet_start, person.quiet_end, local):
            return None  # the owner's own quiet hours: no call; the page must not tell
        language = person.language if person.language in TAKEN_TEXTS else "nl"
        self._send(channel, owner.e164, TAKEN_TEXTS[language][channel], language)
        return None

    def _check_country(self, field, e164):
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
        if region not in self.countries:
            self.limits.count("refused-country")
            if region:
                raise ValidationError(field, "is a number from %(country)s; sign-up takes numbers from %(countries)s",
                                      country=region, countries=", ".join(self.countries))
            raise ValidationError(field, "is a number from an unknown country; sign-up takes numbers from "
                                         "%(countries)s", countries=", ".join(self.countries))

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
            raise ValidationError("number", "%(number)s is already confirmed", number=mask(number.e164))
        self._check_country("number", number.e164)
        channel = "sms" if number.kind == "mobile" else "voice"
        if channel == "voice":
            person = number.participant
            self._check_call_time(number.e164, person.quiet_start, person.quiet_end, now)
        try:
            self.limits.take_code(number.e164, channel)
        except LimitReached as exc:
            raise self._limit_error(exc, number.e164) from None
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        self.session.add(NumberConfirmation(phone_number_id=number.id, code_hash=self._hash(number.id, code),
                                            expires_at=utcnow() + CODE_TTL))
        language = number.participant.language if number.participant.language in CODE_TEXTS else "nl"
        text = CODE_TEXTS[language][channel].format(code=code, spoken=", ".join(code))
        self._send(channel, number.e164, text, language)
        self.session.flush()

    @staticmethod
    def _limit_error(exc, e164):
        if exc.scope == "number":
            return ValidationError("number", "no more codes can be sent to %(number)s today; try again tomorrow",
                                   number=mask(e164))
        return ValidationError("number", "sign-up codes cannot be sent right now; try again later")

    def _check_call_time(self, e164, quiet_start, quiet_end, now=None):
        """A code call rings only within SIGNUP_CALL_HOURS and outside the quiet hours the sign-up gave."""
        local = (now or local_now(self.zone)).astimezone(self.zone)
        start, end = self.call_hours
        if in_quiet_hours(start, end, local) and not in_quiet_hours(quiet_start, quiet_end, local):
            return
        self.limits.count("refused-quiet-hours")
        if not in_quiet_hours(start, end, local):
            raise ValidationError("number", "we do not call %(number)s now: code calls ring only between %(start)s "
                                            "and %(end)s; ask for a new code then",
                                  number=mask(e164), start=f"{start:%H:%M}", end=f"{end:%H:%M}")
        raise ValidationError("number", "we do not call %(number)s now: code calls ring only outside your quiet "
                                        "hours (%(start)s–%(end)s); ask for a new code then",
                              number=mask(e164), start=f"{quiet_start:%H:%M}", end=f"{quiet_end:%H:%M}")

    def _send(self, channel, e164, text, language="nl"):
        """Send through the channel's transport (a call speaks the participant's language); a
        provider's refusal becomes a clear error for the form."""
        options = {"language": language} if channel == "voice" else {}
        try:
            self.transports[channel].send_direct(self.session, e164, text, **options)
        except PermanentFailure as exc:
            raise ValidationError("phones", "%(number)s cannot receive messages (%(code)s)",
                                  number=mask(e164), code=exc.code) from None
        except TransientFailure:
            raise ValidationError("phones", "the message could not be sent right now; try again in a minute") from None

    def _hash(self, number_id, code):
        return hmac.new(self.secret, f"{number_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def confirm_slots(self, participant, slots, codes):
        """Check the codes typed on the page ({position: code}); returns {position: outcome}. A taken
        slot answers as a real number whose code is not the one typed would."""
        by_number = {s.number_id: s.position for s in slots if not s.taken}
        outcomes = {}
        if participant is not None:
            own = self.confirm(participant, {nid: codes.get(pos) for nid, pos in by_number.items()})
            outcomes = {by_number[nid]: outcome for nid, outcome in own.items() if nid in by_number}
        for slot in slots:
            if slot.taken:
                typed = "".join(ch for ch in str(codes.get(slot.position) or "") if ch.isdigit())
                outcomes[slot.position] = self.taken.check(slot.claim) if typed else "missing"
        return outcomes

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
            raise LinkInvalid(N_("this registration no longer exists"))
        if _revoked(participant, signed_at):
            raise LinkInvalid(N_("this link has been revoked; ask for a new one"))
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
        """Change e-mail, mail choices, locations, language, quiet hours and the channel of each number;
        numbers in `unsubscribed_ids` stop receiving alerts. Numbers themselves are not changed here."""
        channels = data.get("channels") or {}
        full = {**data, "test": None, "external_ref": participant.external_ref, "name": participant.name,
                "municipality": participant.municipality.code if participant.municipality else None,
                "phones": [{"number": n.e164, "channel": channels.get(n.id) or n.channel}
                           for n in participant.numbers]}
        was_active = participant.active
        spec = validate(full, self.region, self.geocoder)
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
