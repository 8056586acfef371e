"""API tokens for control-room systems: shown once, stored only as a hash."""
import hashlib
import secrets

from sqlalchemy import select

from .errors import ValidationError
from .models import ApiToken, ControlRoom


def _digest(token):
    # Tokens are 256 random bits, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session, name, control_room_id=None):
    """A new token (shown once); with `control_room_id`, bound to that control room's actions."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("name", "must be 1 to 120 characters")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise ValidationError("name", f"a token named {name!r} exists")
    if control_room_id is not None and session.get(ControlRoom, control_room_id) is None:
        raise ValidationError("control_room_id", "is not a known control room")
    token = "uk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token), control_room_id=control_room_id))
    session.flush()
    return token


def authenticate(session, token):
    """The token's row, or None when it is unknown or revoked."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked:
        return None
    return row
