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
    "TTS_ENGINE": "espeak",
}

INT_KEYS = {"MAX_ATTEMPTS", "RETRY_WINDOW_S", "MAX_MESSAGE_LENGTH", "MAX_RADIUS_M", "DELIVERY_LEASE_S", "REQUEUE_AFTER_S"}


def load_config(overrides=None, environ=None):
    """Return the effective configuration as a plain dict."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        for name in (key, f"UITKIJK_{key}"):
            if name in environ:
                config[key] = int(environ[name]) if key in INT_KEYS else environ[name]
    config.update(overrides or {})
    return config
