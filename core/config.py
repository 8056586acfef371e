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
    # With VOICE_TRANSPORT=per-room: the back-end of calls that belong to no control room (confirmation codes).
    "VOICE_DIRECT_BACKEND": "asterisk",
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
    # Twilio (SMS and, per control room, voice). Webhooks are verified against PUBLIC_BASE_URL.
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_API_BASE_URL": "",  # empty: Twilio itself; tests point it at Prism
    "TWILIO_FROM": "",
    "TWILIO_MESSAGING_SERVICE_SID": "",
    "TWILIO_VOICE_FROM": "",
    "PUBLIC_BASE_URL": "",
    "SMS_RATE_PER_S": 10,
    "SMS_ALERT_VALIDITY_S": 1800,
    "SMS_MAX_PACING_WAIT_S": 30,
    "TWILIO_CALLS_PER_S": 1,
    # Asterisk: AMI, the trunk of alert calls and its limits (voice.settings reads these).
    "AMI_HOST": "127.0.0.1",
    "AMI_PORT": 5038,
    "AMI_USER": "uitkijk",
    "AMI_SECRET": "",
    "TRUNK_NAME": "provider",
    "TRUNK_DIAL_TEMPLATE": "PJSIP/{number}@provider",
    "TRUNK_CALLER_ID": "+31850000000",
    "TRUNK_CHANNEL_LIMIT": 30,
    "TRUNK_CPS": 10.0,
    "TRUNK_CHANNEL_VARIABLES": {},  # from the environment: a JSON object
    # PROMPT_DIR and RECORDINGS_DIR as Asterisk sees them (it may run in a chroot); empty: the same path.
    "ASTERISK_PROMPT_DIR": "",
    # Where `flask asterisk-config` tells Asterisk to keep its files and find the fallback prompt.
    "ASTERISK_SOUND_DIR": "/var/lib/uitkijk/sounds",
    "ASTERISK_INSTANCE_DIR": "/var/lib/uitkijk/asterisk",
    "ASTERISK_RECORDINGS_DIR": "",
    "VOICE_RING_TIMEOUT_S": 30.0,
    "CALL_RESPONSE_GRACE_S": 15.0,
    "CALL_LEASE_S": 60.0,
    # The FastAGI server and the free-number flows (ivr.settings reads the IVR_ keys).
    "AGI_HOST": "127.0.0.1",
    "AGI_PORT": 4573,
    "OPERATOR_LEASE_S": 4 * 3600,
    "CALL_MAX_S": 4 * 3600,
    # Seconds between reloads of the FastAGI server's in-memory snapshot of alerted callers and routes.
    "IVR_SNAPSHOT_S": 2.0,
    "IVR_DEFAULT_LANGUAGE": "nl",
    "IVR_TITLE_LANGUAGE": "nl",
    "IVR_RING_S": 20,
    "IVR_CONTROL_ROOM_RING_S": 30,
    "IVR_MENU_TIMEOUT_S": 6,
    "IVR_CODE_TIMEOUT_S": 10,
    "IVR_MAX_TRIES": 3,
    "IVR_TIP_MAX_S": 120,
    "IVR_IDLE_TO_GENERAL_LINE": True,
    # Public alerts (AMBER, published missing persons): CAP 1.2 documents, feeds, partner webhooks, the page.
    "CAP_SENDER": "uitkijk@politie.nl",  # CAP <sender>: an address naming the issuing organisation
    "CAP_SENDER_NAME": "Politie via Uitkijk",
    "CAP_STATUS": "Actual",  # Actual | Exercise | Test: exercises and test systems say so in every document
    # The admin's signing key and certificate (PEM files); without them documents are not signed (logged).
    "CAP_SIGNING_KEY_FILE": "",
    "CAP_SIGNING_CERT_FILE": "",
    "PUBLIC_ALERT_TTL_S": 24 * 3600,  # <expires> of an Alert or Update; an Update renews it
    "PUBLIC_CANCEL_TTL_S": 3600,  # how long a Cancel stays in the feeds, so every poller clears its screen
    "PUBLIC_FEED_MAX_AGE_S": 10,  # Cache-Control max-age of the feeds (pollers revalidate with ETag)
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "PHOTO_MAX_SIDE": 1200,
    "PARTNER_TIMEOUT_S": 5.0,
    "PARTNER_MAX_ATTEMPTS": 8,
    "PARTNER_RETRY_BASE_S": 10.0,  # first retry after this, doubling up to PARTNER_RETRY_MAX_S
    "PARTNER_RETRY_MAX_S": 900.0,
}

BOOL_KEYS = {"SECURE_COOKIES", "IVR_IDLE_TO_GENERAL_LINE"}
INT_KEYS = {"SESSION_LIFETIME_S", "LOGIN_MAX_FAILURES_ACCOUNT", "LOGIN_MAX_FAILURES_ADDRESS", "LOGIN_WINDOW_S",
            "SIGNUP_PER_HOUR", "LINK_PER_HOUR", "MAX_ATTEMPTS", "RETRY_WINDOW_S", "MAX_MESSAGE_LENGTH", "MAX_RADIUS_M",
            "DELIVERY_LEASE_S", "REQUEUE_AFTER_S", "AMI_PORT", "AGI_PORT", "TRUNK_CHANNEL_LIMIT", "OPERATOR_LEASE_S",
            "CALL_MAX_S", "PUBLIC_ALERT_TTL_S", "PUBLIC_CANCEL_TTL_S", "PUBLIC_FEED_MAX_AGE_S", "PHOTO_MAX_BYTES",
            "PHOTO_MAX_SIDE", "PARTNER_MAX_ATTEMPTS"}
FLOAT_KEYS = {"PARTNER_TIMEOUT_S", "PARTNER_RETRY_BASE_S", "PARTNER_RETRY_MAX_S"}


def _parse(key, text):
    if key in INT_KEYS:
        return int(text)
    if key in FLOAT_KEYS:
        return float(text)
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
