"""Configuration: defaults in code, overridden by the environment, overridden by the caller."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{BASE_DIR / 'instance' / 'uitkijk.db'}",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "dev-only-change-me",
    "DEFAULT_REGION": "NL",
    "TIMEZONE": "Europe/Amsterdam",
    # Prefix of every RQ queue and Redis key, so several installations (or test runs) share a Redis.
    "QUEUE_PREFIX": "uitkijk",
    # Which transport reaches a channel; "console" writes to the outbox table.
    "VOICE_TRANSPORT": "console",
    "SMS_TRANSPORT": "console",
    "FREE_NUMBER": "0800 0011",
    "MAX_MESSAGE_LENGTH": 640,
    "MAX_RADIUS_M": 50_000,
    # Seconds a worker may hold a delivery in "sending" before the sweeper takes it back.
    "DELIVERY_LEASE_S": 120,
    # Seconds a queued delivery may wait before the sweeper enqueues it again (lost Redis job).
    "REQUEUE_AFTER_S": 60,
    # Attempts per delivery before it is failed (busy, no answer, provider overloaded).
    "MAX_ATTEMPTS": 5,
    # Seconds after launch during which a time-critical alert is still worth retrying.
    "RETRY_WINDOW_S": 1800,
    "PROMPT_DIR": str(BASE_DIR / "instance" / "prompts"),
    "RECORDINGS_DIR": str(BASE_DIR / "instance" / "recordings"),
    "TTS_ENGINE": "espeak",
    # The web: session cookies are Secure unless switched off for plain-http development.
    "SECURE_COOKIES": True,
    "SESSION_LIFETIME_S": 8 * 3600,
    "LOGIN_MAX_FAILURES_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_ADDRESS": 20,
    "LOGIN_WINDOW_S": 900,
    "SIGNUP_PER_HOUR": 10,
    "LINK_PER_HOUR": 5,
    "MAP_CENTRE": "52.3079,5.0417",
    "MAP_TILE_URL": "",  # empty: the maps draw circles and points on a plain background
    # Fernet key for trunk secrets; by default one is derived from SECRET_KEY.
    "TRUNK_SECRET_KEY": "",
}

BOOL_KEYS = {"SECURE_COOKIES"}
INT_KEYS = {"SESSION_LIFETIME_S", "LOGIN_MAX_FAILURES_ACCOUNT", "LOGIN_MAX_FAILURES_ADDRESS", "LOGIN_WINDOW_S",
            "SIGNUP_PER_HOUR", "LINK_PER_HOUR","MAX_ATTEMPTS", "RETRY_WINDOW_S", "MAX_MESSAGE_LENGTH", "MAX_RADIUS_M", "DELIVERY_LEASE_S", "REQUEUE_AFTER_S"}


def _parse(key, text):
    if key in INT_KEYS:
        return int(text)
    if key in BOOL_KEYS:
        return text.strip().lower() not in ("0", "false", "no", "off", "")
    return text


def load_config(overrides=None, environ=None):
    """Return the effective configuration as a plain dict."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        for name in (key, f"UITKIJK_{key}"):
            if name in environ:
                config[key] = _parse(key, environ[name])
    config.update(overrides or {})
    return config
