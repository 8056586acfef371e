"""The numbers of one sign-up as its confirmation page lists them, sealed into the page's link, so a
sign-up that names an already registered number looks exactly like any other.

Telling a stranger "this number is already registered" says who takes part. So such a number is
not refused: it gets a slot like every other number typed, the same page, the same "a new code is
on its way", the same "wrong", "locked" (after MAX_ATTEMPTS) and "expired" (after CODE_TTL)
answers, and the same daily limits (core.signup_limits). Only what reaches the phone differs: its
owner gets a notice that someone tried to sign their number up (nothing changes), instead of a
code. Which slot is which is in the link, encrypted (Fernet under a key derived from SECRET_KEY),
never in the page; a taken slot's tries and expiry live in Redis under a random id.
"""
import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import time

from cryptography.fernet import Fernet, InvalidToken


class SlotsInvalid(ValueError):
    """A confirmation link that is forged or expired."""


@dataclass(frozen=True)
class Slot:
    """One number typed into the sign-up, by its place on the form (1, 2, 3)."""

    position: int
    number_id: int | None = None  # the sign-up's own, unconfirmed number
    owner_number_id: int | None = None  # a number registered before (someone else's, or theirs)
    masked: str | None = None  # for a taken slot: how the page shows it
    kind: str | None = None  # for a taken slot: landline or mobile
    claim: str | None = None  # for a taken slot: its id in Redis

    @property
    def taken(self):
        return self.owner_number_id is not None


def _fernet(secret):
    key = secret.encode() if isinstance(secret, str) else secret
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"uitkijk-signup-slots:" + key).digest()))


@dataclass(frozen=True)
class SealedSignup:
    """What a confirmation link carries: the participant (None when every number was taken), the
    slots, and the quiet hours the form gave (a taken slot's calls keep to them as well)."""

    participant_id: int | None
    slots: list
    quiet_start: time | None = None
    quiet_end: time | None = None


def seal(secret, signup):
    """The confirmation link's token for a SealedSignup."""
    quiet = [t.strftime("%H:%M") if t else None for t in (signup.quiet_start, signup.quiet_end)]
    payload = {"p": signup.participant_id, "q": quiet,
               "s": [[s.number_id, s.owner_number_id, s.masked, s.kind, s.claim] for s in signup.slots]}
    return _fernet(secret).encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode()


def unseal(secret, token, max_age_s):
    """The SealedSignup of a valid token; SlotsInvalid when it is forged or expired."""
    try:
        payload = json.loads(_fernet(secret).decrypt(token.encode(), ttl=max_age_s))
    except (InvalidToken, ValueError, UnicodeError):
        raise SlotsInvalid("this link is not valid or has expired") from None
    slots = [Slot(position, *entry) for position, entry in enumerate(payload["s"], start=1)]
    quiet = [time.fromisoformat(t) if t else None for t in payload["q"]]
    return SealedSignup(payload["p"], slots, *quiet)


def new_claim():
    return secrets.token_hex(16)


class TakenSlots:
    """Tries and expiry of taken slots, kept as a real code's are (in Redis, for CODE_TTL)."""

    def __init__(self, redis, prefix, ttl_s, max_attempts):
        self.redis = redis
        self.prefix = f"{prefix}:signup:claim"
        self.ttl_s = ttl_s
        self.max_attempts = max_attempts
        # One step: a claim that expires between a look and a count must not come back without its expiry.
        self._try = redis.register_script(
            "if redis.call('EXISTS', KEYS[1]) == 0 then return false end return redis.call('INCR', KEYS[1])")

    def sent(self, claim):
        """A "code" went out: tries start again, and it expires as a code does."""
        self.redis.set(f"{self.prefix}:{claim}", 0, ex=self.ttl_s)

    def check(self, claim):
        """The outcome a wrong code gets on a real number in the same state."""
        tries = self._try(keys=[f"{self.prefix}:{claim}"])
        if tries is None:
            return "expired"
        if tries > self.max_attempts:
            return "locked"
        return "locked" if tries >= self.max_attempts else "wrong"
