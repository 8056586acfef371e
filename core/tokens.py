"""API tokens for control-room systems: shown once, stored only as a hash, scoped, expiring, revocable.

A token carries scopes (what it may do), an expiry, and optionally a control room: such a token sees
and changes only that room's actions, operators and trunks; or a municipality: such a token acts as that
municipality's staff (its information mail, its dashboard), where an unbound token acts as the police.
Creation, revocation and the first answered request of each minute are audited (once a minute, so the
trail is not a request log).
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from . import audit
from .errors import NotFound, ValidationError
from .input_checks import ID_MAX
from .models import ApiToken, ControlRoom, Municipality, utcnow

SCOPES = {
    "actions": "launch, read, change and end actions; their deliveries; read launches awaiting approval",
    "approvals": "approve or reject a launch awaiting a second person (four eyes); never one's own",
    "participants:read": "read a participant's personal data",
    "participants:write": "register, import and remove participants",
    "outbox": "read what the console transports wrote",
    "control-rooms": "read control rooms and operators; set an operator's availability",
    "configuration": "create and change control rooms, operators, trunks, retry policies and partners",
    "tips": "read an action's tips and free-number calls, and download recordings",
    "webhooks": "subscribe to action events (launched, updated, ended) and read the delivery log",
    "mail": "compose, preview and send neighbourhood mail (a municipality's token: information to its own "
            "municipality; any other: police inquiries), read, mark and export the replies, send the update",
    "dashboard": "read the dashboard's statistics and their CSV export (a municipality's token: its own)",
}
MAX_DAYS = 3 * 365


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: the token's id, name, scopes, control room (None: every room) and
    municipality (None: not a municipality's system)."""
    id: int
    name: str
    scopes: frozenset
    control_room_id: int | None
    municipality_id: int | None = None

    @property
    def actor(self):
        return f"token:{self.name}"


def _digest(token):
    # Tokens are 256 random bits, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(scopes):
    scopes = sorted(set(scopes or ()))
    if not scopes:
        raise ValidationError("scopes", "name at least one of %(scopes)s", scopes=", ".join(SCOPES))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError("scopes", "unknown scope %(scope)s; known: %(scopes)s", scope=repr(unknown[0]),
                              scopes=", ".join(SCOPES))
    return scopes


def create_token(session, name, scopes, actor, days=365, control_room_id=None, now=None, municipality=None):
    """A new token (the plain value, shown once); stored as its hash, audited. `municipality`: the code
    of the municipality whose system it is."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("name", "must be 1 to 120 characters")
    scopes = check_scopes(scopes)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError("days", "must be a whole number from 1 to %(max)s", max=MAX_DAYS)
    if control_room_id is not None and (not 1 <= control_room_id <= ID_MAX
                                        or session.get(ControlRoom, control_room_id) is None):
        raise ValidationError("control_room_id", "unknown control room %(id)s", id=control_room_id)
    municipality_id = None
    if municipality is not None:
        municipality_id = session.scalar(select(Municipality.id).where(Municipality.code == municipality))
        if municipality_id is None:
            raise ValidationError("municipality", "is not a known municipality")
        if control_room_id is not None:
            raise ValidationError("municipality", "a token is a control room's or a municipality's, not both")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise ValidationError("name", "a token named %(name)s exists", name=repr(name))
    token = "uk_" + secrets.token_urlsafe(32)
    expires_at = (now or utcnow()) + timedelta(days=days)
    row = ApiToken(name=name, token_hash=_digest(token), scopes=scopes, expires_at=expires_at,
                   control_room_id=control_room_id, municipality_id=municipality_id, created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "api_token", row.id,
                 {"name": name, "scopes": scopes, "expires_at": expires_at.isoformat(),
                  "control_room_id": control_room_id, "municipality_id": municipality_id})
    return token


def revoke_token(session, name, actor):
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise NotFound("api token", name)
    row.revoked = True
    audit.record(session, actor, "revoke", "api_token", row.id, {"name": name})
    return row


def list_tokens(session):
    return session.scalars(select(ApiToken).order_by(ApiToken.name)).all()


def authenticate(session, token, now=None):
    """The token's Principal, or None when it is unknown, revoked or expired."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = now or utcnow()
    if row is None or row.revoked or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(row.id, row.name, frozenset(row.scopes or ()), row.control_room_id, row.municipality_id)


def record_use(session, principal, method, path, now=None):
    """Note the token's use: last_used_at, and an audit row (the caller decides how often)."""
    row = session.get(ApiToken, principal.id)
    row.last_used_at = now or utcnow()
    audit.record(session, principal.actor, "use", "api_token", principal.id, {"request": f"{method} {path}"})
