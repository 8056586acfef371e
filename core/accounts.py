"""Web accounts: argon2-hashed passwords, creation and changes, and sign-in with a Redis rate limit.

The rate limit counts sign-in attempts atomically per client address (a hard limit per window) and per
account (past its limit each try waits longer, up to a minute), so a password cannot be guessed quickly
from one address, nor one account from many, and no attacker can lock an operator out mid-incident.
"""
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from .config import default, effective
from .errors import NotFound, ValidationError
from .models import ROLES, Municipality, Operator, User

MIN_PASSWORD_LENGTH = 12
# Who may be marked supervisor: the accounts that decide launches (core.approval_escalation).
SUPERVISOR_ROLES = ("operator", "admin")
MAX_PASSWORD_LENGTH = 200

_hasher = PasswordHasher()
# Verified against when the e-mail address is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("uitkijk-timing-equaliser")


def hash_password(password):
    check_password(password)
    return _hasher.hash(password)


def check_password(password):
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", "must be at least %(min)s characters", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("password", "must be at most %(max)s characters", max=MAX_PASSWORD_LENGTH)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(raw):
    email = (raw or "").strip().lower()
    if not email:
        raise ValidationError("email", "is required")
    if len(email) > 254 or "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        raise ValidationError("email", "is not an email address")
    return email


def _check_role_links(session, role, municipality_id, operator_id):
    """A municipality account belongs to one municipality; an operator account may name its operator."""
    if role not in ROLES:
        raise ValidationError("role", "must be one of %(choices)s", choices=", ".join(ROLES))
    if role == "municipality":
        if municipality_id is None:
            raise ValidationError("municipality_id", "is required for municipality staff")
        if session.get(Municipality, municipality_id) is None:
            raise ValidationError("municipality_id", "is not a known municipality")
    elif municipality_id is not None:
        raise ValidationError("municipality_id", "only municipality staff belong to a municipality")
    if operator_id is not None:
        if role != "operator":
            raise ValidationError("operator_id", "only operator accounts are linked to an operator")
        if session.get(Operator, operator_id) is None:
            raise ValidationError("operator_id", "is not a known operator")


def _name(raw):
    name = (raw or "").strip()
    if not name:
        raise ValidationError("name", "is required")
    if len(name) > 120:
        raise ValidationError("name", "is longer than 120 characters")
    return name


def _check_supervisor(role, supervisor):
    if supervisor and role not in SUPERVISOR_ROLES:
        raise ValidationError("supervisor", "only an operator or admin account can be a supervisor")
    return bool(supervisor)


def create_user(session, email, name, password, role, municipality_id=None, operator_id=None, supervisor=False):
    """Create an account; raises ValidationError for bad input or an address already in use."""
    email = normalise_email(email)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationError("email", "already has an account")
    _check_role_links(session, role, municipality_id, operator_id)
    user = User(email=email, name=_name(name), password_hash=hash_password(password), role=role,
                municipality_id=municipality_id, operator_id=operator_id, active=True,
                supervisor=_check_supervisor(role, supervisor))
    session.add(user)
    session.flush()
    return user


def update_user(session, user, name, role, municipality_id=None, operator_id=None, active=True, supervisor=False):
    """Change an account's name, role, links, supervisor mark and whether it may sign in; returns the changed
    fields."""
    _check_role_links(session, role, municipality_id, operator_id)
    new = {"name": _name(name), "role": role, "municipality_id": municipality_id,
           "operator_id": operator_id, "active": bool(active), "supervisor": _check_supervisor(role, supervisor)}
    changed = sorted(k for k, v in new.items() if getattr(user, k) != v)
    for key, value in new.items():
        setattr(user, key, value)
    session.flush()
    return changed


def set_password(session, user, password):
    user.password_hash = hash_password(password)
    session.flush()


def set_language(session, user, language):
    """Remember the web's language for an account (the caller checked it is one of the web's)."""
    user.language = language
    session.flush()


def get_user(session, user_id):
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def list_users(session):
    return session.scalars(select(User).order_by(User.role, User.email)).all()


@dataclass(frozen=True)
class LoginLimits:
    per_account: int = default("LOGIN_MAX_FAILURES_ACCOUNT")
    per_address: int = default("LOGIN_MAX_FAILURES_ADDRESS")
    window_s: int = default("LOGIN_WINDOW_S")
    delay_base_s: float = default("LOGIN_DELAY_BASE_S")
    delay_max_s: float = default("LOGIN_DELAY_MAX_S")

    @classmethod
    def from_config(cls, config):
        config = effective(config)
        return cls(config["LOGIN_MAX_FAILURES_ACCOUNT"], config["LOGIN_MAX_FAILURES_ADDRESS"],
                   config["LOGIN_WINDOW_S"], config["LOGIN_DELAY_BASE_S"], config["LOGIN_DELAY_MAX_S"])


class LoginThrottled(Exception):
    """Too many failed sign-ins for this account or from this address; try again later."""

    def __init__(self, retry_after):
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


# One atomic step per sign-in attempt: count it for the address (hard limit per window) and for the
# account; past the account's limit only one attempt per delay gets through (1 s, 2 s, 4 s, ... up to
# the maximum), so parallel guesses cannot slip between a check and an increment, and the owner of an
# attacked account waits seconds, not a locked window. Returns 0 (go ahead) or milliseconds to wait.
_ATTEMPT = """
local address = redis.call('INCR', KEYS[3])
if address == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
if address > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[3])
  local ttl = redis.call('PTTL', KEYS[3])
  if ttl > 0 then return ttl end
  return tonumber(ARGV[3])
end
local tries = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if tries > tonumber(ARGV[1]) then
  local wait = redis.call('PTTL', KEYS[2])
  if wait > 0 then
    redis.call('DECR', KEYS[1])
    redis.call('DECR', KEYS[3])
    return wait
  end
  local delay = math.min(tonumber(ARGV[4]) * 2 ^ (tries - tonumber(ARGV[1])), tonumber(ARGV[5]))
  redis.call('SET', KEYS[2], '1', 'PX', math.max(1, math.floor(delay)))
end
return 0
"""


class LoginLimiter:
    """Sign-in attempt counters in Redis, one per account and one per client address."""

    def __init__(self, redis, prefix, limits=LoginLimits()):
        self.redis = redis
        self.prefix = prefix
        self.limits = limits
        self._attempt = redis.register_script(_ATTEMPT)

    def _keys(self, email, address):
        base = f"{self.prefix}:login"
        return f"{base}:account:{email}", f"{base}:account-gate:{email}", f"{base}:address:{address}"

    def _delay_ms(self, tries):
        limits = self.limits
        return int(min(limits.delay_base_s * 2 ** (tries - limits.per_account), limits.delay_max_s) * 1000)

    def check(self, email, address):
        """Count this attempt; raise LoginThrottled when the address is over its limit or the account
        must still wait."""
        limits = self.limits
        wait_ms = self._attempt(keys=self._keys(email, address),
                                args=[limits.per_account, limits.per_address, limits.window_s * 1000,
                                      limits.delay_base_s * 1000, limits.delay_max_s * 1000])
        if wait_ms:
            raise LoginThrottled(max(1, round(int(wait_ms) / 1000)))

    def failed(self, email, address):
        """The attempt was wrong: at or past the account's limit the next one waits, doubling each time."""
        account, gate, _address = self._keys(email, address)
        tries = int(self.redis.get(account) or 0)
        if tries >= self.limits.per_account:
            self.redis.set(gate, "1", px=max(1, self._delay_ms(tries)))

    def succeeded(self, email, address):
        """A correct password clears the account's count and takes this attempt off the address's
        (the address's earlier failures stay: one good account must not unlock guessing at others)."""
        account, gate, address_key = self._keys(email, address)
        pipe = self.redis.pipeline()
        pipe.delete(account, gate)
        pipe.decr(address_key)
        pipe.execute()


def authenticate(session, limiter, email, password, address):
    """The active user with this e-mail and password, or None; raises LoginThrottled when limited."""
    try:
        email = normalise_email(email)
    except ValidationError:
        return None
    limiter.check(email, address)
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        verify_password(_DUMMY_HASH, password or "")
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "") and user.active
    if not ok:
        limiter.failed(email, address)
        return None
    limiter.succeeded(email, address)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def link_choices(session):
    """What an account can be linked to: (municipalities, operators), for the account form."""
    municipalities = session.scalars(select(Municipality).order_by(Municipality.name)).all()
    operators = session.scalars(select(Operator).order_by(Operator.name)).all()
    return municipalities, operators
