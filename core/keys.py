"""The installation's keys, checked before any process serves users or reads secrets.

SECRET_KEY signs sessions and self-service links; TRUNK_SECRET_KEY (one or more Fernet keys,
comma-separated, newest first) encrypts trunk and softphone secrets. Outside an explicit
development or test mode a process refuses to start with the development default, a short key or
no trunk key, because with a known key anyone forges links and decrypts trunk credentials.
"""
import logging

from cryptography.fernet import Fernet

from .config import default

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET_KEY = default("SECRET_KEY")
MODES = ("production", "development", "test")
MIN_SECRET_KEY_LENGTH = 32


class InsecureConfiguration(RuntimeError):
    """The configuration would run with a known or missing key outside development and test."""


def relaxed(config):
    """Development or test mode: the development keys are accepted (with a warning)."""
    return config.get("MODE") in ("development", "test") or config.get("TESTING") is True


def trunk_keys(config):
    """The configured Fernet keys, newest first (empty when none is configured)."""
    raw = config.get("TRUNK_SECRET_KEY") or ""
    if isinstance(raw, bytes):
        raw = raw.decode()
    return [part.strip() for part in raw.split(",") if part.strip()]


def check_keys(config):
    """Raise InsecureConfiguration unless the keys are fit for the mode this process runs in."""
    mode = config.get("MODE", "production")
    if mode not in MODES:
        raise InsecureConfiguration(f"MODE must be one of {', '.join(MODES)}, not {mode!r}")
    for key in trunk_keys(config):
        try:
            Fernet(key.encode())
        except ValueError:
            raise InsecureConfiguration("TRUNK_SECRET_KEY holds something that is not a Fernet key "
                                        "(generate one with `flask generate-key --fernet`)") from None
    secret_key = config.get("SECRET_KEY") or ""
    problems = []
    if secret_key == DEVELOPMENT_SECRET_KEY:
        problems.append("SECRET_KEY is the development default")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if not trunk_keys(config):
        problems.append("TRUNK_SECRET_KEY is not set")
    if not problems:
        return
    if relaxed(config):
        if secret_key == DEVELOPMENT_SECRET_KEY:
            log.warning("SECRET_KEY is the development default (accepted in %s mode only)", mode)
        return
    raise InsecureConfiguration("; ".join(problems) + ". Set them (see README, Security) or run with "
                                "MODE=development on a machine that serves nobody.")
