"""Trunk credentials at rest: encrypted with Fernet, or named environment variables.

A stored secret is a small JSON object, never the plain value:
    {"encrypted": "<Fernet token>"}        encrypted with the newest TRUNK_SECRET_KEY; every key in
                                           TRUNK_SECRET_KEY decrypts, so keys can be rotated
    {"env": "UITKIJK_TRUNK_TOKEN"}         read from the process environment when it is used; only
                                           names starting with UITKIJK_TRUNK_, so an admin cannot make
                                           a trunk log in with DATABASE_URL or SECRET_KEY
Only in development and test mode, without TRUNK_SECRET_KEY, a key derived from SECRET_KEY is used.
"""
import base64
import os
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import N_, Reason
from .keys import relaxed, trunk_keys

ENV_PREFIX = "env:"
ENV_NAME_PREFIX = "UITKIJK_TRUNK_"
_ENV_NAME = re.compile(ENV_NAME_PREFIX + r"[A-Z0-9_]{1,50}")


class SecretUnavailable(RuntimeError):
    """A stored secret cannot be read back (other key, or its environment variable is missing)."""


def cipher(config):
    """The Fernet cipher of this installation: encrypts with the newest key, decrypts with any."""
    keys = trunk_keys(config)
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    if not relaxed(config):
        raise SecretUnavailable("TRUNK_SECRET_KEY is not set")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"uitkijk-trunk-secrets",
                   info=b"fernet").derive(config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _check_env_name(name):
    if not _ENV_NAME.fullmatch(name):
        raise ValueError(Reason(N_("an environment variable for a secret is named %(prefix)s… "
                                   "(upper case letters, digits and _)"), {"prefix": ENV_NAME_PREFIX}))


def seal(config, value):
    """What to store for a secret typed by an admin: "env:NAME" stays a reference, anything else is encrypted."""
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        _check_env_name(name)
        return {"env": name}
    return {"encrypted": cipher(config).encrypt(value.encode()).decode()}


def reveal(config, stored, environ=None):
    """The plain secret for use (an AMI login, a Twilio request); never for display or logs."""
    if "env" in stored:
        try:
            _check_env_name(stored["env"])
        except ValueError:
            raise SecretUnavailable(f"{stored['env']} is not a trunk secret's variable") from None
        environ = os.environ if environ is None else environ
        if stored["env"] not in environ:
            raise SecretUnavailable(f"environment variable {stored['env']} is not set")
        return environ[stored["env"]]
    try:
        return cipher(config).decrypt(stored["encrypted"].encode()).decode()
    except (InvalidToken, KeyError):
        raise SecretUnavailable("stored secret cannot be decrypted with this installation's key") from None


def rotate(config, stored):
    """The stored secret encrypted again with the newest key (env references stay as they are)."""
    if not stored or "encrypted" not in stored:
        return stored
    return {"encrypted": cipher(config).encrypt(reveal(config, stored).encode()).decode()}


SEALED_PREFIX = "sealed:"


def reveal_setting(config, value, environ=None):
    """A secret given as a configuration value: "env:NAME", "sealed:<token>" (from `flask seal-secret`),
    or plain text (development only)."""
    if value.startswith(ENV_PREFIX) or value.startswith(SEALED_PREFIX):
        stored = ({"env": value[len(ENV_PREFIX):]} if value.startswith(ENV_PREFIX)
                  else {"encrypted": value[len(SEALED_PREFIX):]})
        return reveal(config, stored, environ)
    return value


def describe(stored):
    """What an admin page shows for a stored secret."""
    if not stored:
        return "not set"
    return f"from environment variable {stored['env']}" if "env" in stored else "stored encrypted"
