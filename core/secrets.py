"""Trunk credentials at rest: encrypted with Fernet, or named environment variables.

A stored secret is a small JSON object, never the plain value:
    {"encrypted": "<Fernet token>"}  encrypted with TRUNK_SECRET_KEY (a Fernet key) when that is
                                     configured, else with a key derived from SECRET_KEY
    {"env": "TWILIO_AUTH_TOKEN"}     read from the process environment when it is used
"""
import base64
import os
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_PREFIX = "env:"
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


class SecretUnavailable(RuntimeError):
    """A stored secret cannot be read back (other key, or its environment variable is missing)."""


def cipher(config):
    """The Fernet cipher of this installation."""
    key = config.get("TRUNK_SECRET_KEY")
    if key:
        return Fernet(key.encode() if isinstance(key, str) else key)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"uitkijk-trunk-secrets",
                   info=b"fernet").derive(config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(config, value):
    """What to store for a secret typed by an admin: "env:NAME" stays a reference, anything else is encrypted."""
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        if not _ENV_NAME.fullmatch(name):
            raise ValueError("an environment variable name is upper case letters, digits and _")
        return {"env": name}
    return {"encrypted": cipher(config).encrypt(value.encode()).decode()}


def reveal(config, stored, environ=None):
    """The plain secret for use (an AMI login, a Twilio request); never for display or logs."""
    if "env" in stored:
        environ = os.environ if environ is None else environ
        if stored["env"] not in environ:
            raise SecretUnavailable(f"environment variable {stored['env']} is not set")
        return environ[stored["env"]]
    try:
        return cipher(config).decrypt(stored["encrypted"].encode()).decode()
    except (InvalidToken, KeyError):
        raise SecretUnavailable("stored secret cannot be decrypted with this installation's key") from None


def describe(stored):
    """What an admin page shows for a stored secret."""
    if not stored:
        return "not set"
    return f"from environment variable {stored['env']}" if "env" in stored else "stored encrypted"
