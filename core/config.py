"""Configuration: one typed schema; defaults in code, overridden by the environment, overridden by the caller.

Every key is declared once in SCHEMA with its type, default, description and whether it is a
secret. `load_config` parses each value there, once, so the rest of the code reads typed values
(`config["AMI_PORT"]` is an int) and never repeats a default or an int()/float()/boolean parse.
An environment variable may carry the key's own name or `UITKIJK_<NAME>` (the latter wins);
`UITKIJK_*` variables that name no key are reported, since they are almost always a typo.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_PREFIX = "UITKIJK_"
# UITKIJK_* variables read by the project's scripts and tests, not by the application.
TOOLING_VARIABLES = frozenset({"UITKIJK_ASTERISK_ROOT", "UITKIJK_DEBIAN_MIRROR", "UITKIJK_NODE_CACHE",
                               "UITKIJK_CHROMIUM"})
# The benchmarks' knobs (benchmarks/, `make bench`) are tooling too: a namespace of their own, not schema keys.
TOOLING_PREFIXES = ("UITKIJK_BENCH_",)


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key and where it came from."""


def _bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _json_object(value):
    value = json.loads(value) if isinstance(value, str) else value
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _point(value):
    """'lat,lon' (or a pair) -> (lat, lon)."""
    if isinstance(value, str):
        value = value.split(",")
    lat, lon = (float(part) for part in value)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("latitude or longitude out of range")
    return lat, lon


def _int(value):
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("expected a whole number")
    return int(value)


def _countries(value):
    """'NL,BE,DE' (or a sequence) -> ("NL", "BE", "DE"): ISO 3166 codes of phone number regions."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    codes = tuple(str(part).strip().upper() for part in parts if str(part).strip())
    bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
    if bad or not codes:
        raise ValueError(f"expected two-letter country codes, comma-separated (not {', '.join(bad) or 'nothing'})")
    return codes


def _hours(value):
    """'08:00-21:00' (or a pair) -> (time(8), time(21)): a daily window in local time."""
    if isinstance(value, str):
        value = value.split("-")
    start, end = (part if isinstance(part, time) else time.fromisoformat(str(part).strip()) for part in value)
    if start == end:
        raise ValueError("the window is empty")
    return start, end


PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": str, "int": _int, "float": float, "bool": _bool, "json": _json_object, "point": _point,
    "countries": _countries, "hours": _hours}


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # a name in PARSERS
    default: Any
    description: str
    secret: bool = False
    minimum: float | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, value, source):
        try:
            parsed = PARSERS[self.kind](value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.name}={value!r} (from {source}): {exc or 'expected ' + self.kind}") from None
        if self.minimum is not None and parsed < self.minimum:
            raise ConfigError(f"{self.name}={value!r} (from {source}): must be at least {self.minimum:g}")
        if self.choices is not None and parsed not in self.choices:
            raise ConfigError(f"{self.name}={value!r} (from {source}): must be one of {', '.join(self.choices)}")
        return parsed


def _key(name, default, description, kind=None, **options):
    return Key(name, kind or type(default).__name__, default, description, **options)


SCHEMA: tuple[Key, ...] = (
    # The process
    _key("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'uitkijk.db'}",
         "SQLAlchemy URL of the database (postgresql://... for PostgreSQL); a password in it is masked"),
    _key("REDIS_URL", "redis://127.0.0.1:6379/0", "Redis of the queues, leases and rate limits"),
    _key("MODE", "production", "production refuses the development keys (core.keys); development and test "
         "accept them", choices=("production", "development", "test")),
    _key("SECRET_KEY", "dev-only-change-me", "signs sessions and links; at least 32 characters outside "
         "development and test", secret=True),
    _key("DEFAULT_REGION", "NL", "region of phone numbers written without a country code"),
    _key("TIMEZONE", "Europe/Amsterdam", "time zone of quiet hours and of times shown to people"),
    _key("CLI_LANGUAGE", "nl", "language of the flask commands' help and messages (unset: the terminal's LANG when "
         "it is nl or en); the web follows each person's choice",
         choices=("nl", "en")),
    _key("QUEUE_PREFIX", "uitkijk",
         "prefix of every RQ queue and Redis key, so several installations (or test runs) share a Redis"),
    # Channels
    _key("VOICE_TRANSPORT", "console", "which network carries alert calls; console writes to the outbox",
         choices=("console", "asterisk", "twilio", "per-room")),
    _key("VOICE_DIRECT_BACKEND", "asterisk",
         "with VOICE_TRANSPORT=per-room: the back-end of calls that belong to no control room",
         choices=("asterisk", "twilio")),
    _key("SMS_TRANSPORT", "console", "which network carries SMS; console writes to the outbox",
         choices=("console", "twilio")),
    _key("FREE_NUMBER", "0800 0011", "the free number participants call, as the alerts say it"),
    _key("MAX_MESSAGE_LENGTH", 640, "longest alert text an operator may type", minimum=1),
    _key("MAX_RADIUS_M", 50_000, "largest alert circle in metres", minimum=1),
    _key("ESTIMATE_MIN_PARTICIPANTS", 5, "the reach estimate of an area with fewer participants says only "
         "'fewer than this' and shows no points (k-anonymity)", minimum=1),
    # Launch safety (core.impact): the preview's flags and figures
    _key("LAUNCH_LARGE_PARTICIPANTS", 5000, "a launch reaching more participants is flagged as large in the "
         "impact preview", minimum=1),
    _key("LAUNCH_UNUSUAL_RADIUS_FACTOR", 3.0, "a radius more than this many times the kind's usual (the median "
         "of its recent actions) is flagged as unusual", minimum=1),
    _key("LAUNCH_APPROVAL_PARTICIPANTS", 20000, "a launch reaching more participants needs a second person's "
         "approval (four eyes), as a national or regional AMBER alert always does", minimum=1),
    _key("LAUNCH_APPROVAL_ESCALATE_S", 600, "a launch awaiting a second person's approval this many seconds is "
         "escalated to its control room's supervisors (e-mail and a banner)", minimum=60),
    _key("ALERT_FATIGUE_COUNT", 3, "the preview counts who was alerted this many times or more in the last "
         "seven days", minimum=1),
    _key("SMS_COST_PER_SEGMENT_EUR", 0.07, "what one SMS segment costs, for the preview's cost estimate",
         minimum=0),
    _key("ALERT_CALL_AVERAGE_S", 40.0, "seconds an alert call holds a trunk channel on average (ringing and "
         "message), for the preview's duration", minimum=1),
    _key("MAX_CONTENT_LENGTH", 51 * 1024 * 1024,
         "largest request body in bytes, answered with 413 above it (room for a 50 MB CSV upload)", minimum=1024),
    # The ledger
    _key("DELIVERY_LEASE_S", 120, "seconds a worker may hold a delivery in 'sending' before the sweeper takes it back",
         minimum=1),
    _key("REQUEUE_AFTER_S", 60, "seconds a queued delivery may wait before the sweeper enqueues it again", minimum=1),
    # Operations: /healthz, /readyz and /metrics of the processes without a web server (0: not served)
    _key("PROBE_HOST", "127.0.0.1", "address the worker, call service and FastAGI server serve their probes on"),
    _key("WORKER_PROBE_PORT", 9101, "port of a worker's probes (give each worker on a machine its own)",
         minimum=0),
    _key("CALL_SERVICE_PROBE_PORT", 9102, "port of the call service's probes", minimum=0),
    _key("FASTAGI_PROBE_PORT", 9103, "port of the FastAGI server's probes", minimum=0),
    _key("SWEEP_INTERVAL_S", 15.0, "seconds between the sweeper's rounds (in every worker; a Redis lock picks one)",
         minimum=0.1),
    _key("MAX_ATTEMPTS", 5, "attempts per delivery before it is failed (busy, no answer, provider overloaded); "
         "admins may set it per action kind", minimum=1),
    # Retries by what the last attempt met; an admin sets them per action kind (core.retry_policy).
    _key("RETRY_BUSY_S", 120, "seconds before a busy number is tried again (admins may set it per action kind)",
         minimum=1),
    _key("RETRY_NO_ANSWER_S", 300, "seconds before an unanswered call is tried again (admins may set it per "
         "action kind)", minimum=1),
    _key("RETRY_FAILED_S", 60, "seconds before another try after a failed attempt (congestion, a network or "
         "provider fault; admins may set it per action kind)", minimum=1),
    _key("RETRY_WINDOW_S", 1800, "seconds after launch during which a time-critical alert is still worth retrying",
         minimum=0),
    # Files and speech
    _key("PROMPT_DIR", str(BASE_DIR / "instance" / "prompts"), "where rendered prompts are written"),
    _key("RECORDINGS_DIR", str(BASE_DIR / "instance" / "recordings"), "where tips and call recordings are kept"),
    _key("TTS_ENGINE", "espeak", "speech engine of the prompts"),
    # The web
    _key("SECURE_COOKIES", True, "session cookies are Secure; switch off only for plain-http development"),
    _key("SESSION_LIFETIME_S", 8 * 3600, "seconds a web session lasts", minimum=60),
    _key("LOGIN_MAX_FAILURES_ACCOUNT", 5, "failed logins per account within LOGIN_WINDOW_S before each further "
         "try waits (LOGIN_DELAY_BASE_S, doubling up to LOGIN_DELAY_MAX_S); the account is never locked", minimum=1),
    _key("LOGIN_DELAY_BASE_S", 1.0, "first wait after an account's failed logins reach their limit", minimum=0.001),
    _key("LOGIN_DELAY_MAX_S", 60.0, "longest wait between sign-in tries of one account", minimum=0.001),
    _key("TRUSTED_PROXIES", 0, "reverse proxies in front of the web whose X-Forwarded-For/-Proto/-Host are "
         "believed (ProxyFix); 0 when clients connect directly", minimum=0),
    _key("LOGIN_MAX_FAILURES_ADDRESS", 20, "failed logins per client address within LOGIN_WINDOW_S", minimum=1),
    _key("LOGIN_WINDOW_S", 900, "window of the login failure counts, in seconds", minimum=1),
    _key("SIGNUP_PER_HOUR", 10, "sign-ups per client address per hour", minimum=1),
    _key("GENUINE_CHECKS_PER_HOUR", 20, "look-ups of an alert's code on the public check page (/echt) per client "
         "address per hour: the codes are short, so they must not be guessed in bulk", minimum=1),
    _key("GENUINE_PHONE_CHECKS_PER_HOUR", 10, "checks that an alert is genuine on the free number (star, the code, "
         "hash) per calling number per hour, across calls", minimum=1),
    _key("GENUINE_WITHHELD_CHECKS_PER_HOUR", 60, "such checks per hour from all calls without a caller ID together "
         "(one shared budget: larger, so one caller withholding their number cannot lock out the others for long)",
         minimum=1),
    _key("LINK_PER_HOUR", 5, "self-service links asked for per client address per hour", minimum=1),
    _key("RESEND_PER_HOUR", 10, "new sign-up codes asked for per client address per hour", minimum=1),
    _key("SIGNUP_CODES_PER_NUMBER_PER_DAY", 3, "sign-up codes (SMS or call) one number gets per day, whatever "
         "happens to its sign-ups", minimum=1),
    _key("SIGNUP_CODES_PER_DAY", 5000, "sign-up codes the whole installation sends per day (stops pumping from "
         "many addresses)", minimum=1),
    _key("SIGNUP_COUNTRIES", ("NL", "BE", "DE"), "countries (ISO codes, comma-separated) whose numbers may sign "
         "up", kind="countries"),
    _key("SIGNUP_CALL_HOURS", (time(8), time(21)), "local hours in which a landline gets its sign-up code by call; "
         "outside them, and in the participant's quiet hours, the call is refused (SMS codes always go)",
         kind="hours"),
    # Addresses: where a typed address's position comes from (core.geocoding)
    _key("GEOCODER", "table", "table: the offline address table (`flask addresses import` a BAG extract); pdok: "
         "PDOK's Locatieserver, online", choices=("table", "pdok")),
    _key("PDOK_LOCATIESERVER_URL", "https://api.pdok.nl/bzk/locatieserver/search/v3_1",
         "the Locatieserver's search API (its /free service is asked) with GEOCODER=pdok"),
    _key("GEOCODER_TIMEOUT_S", 5.0, "seconds the online geocoder may take to answer", minimum=0.1),
    _key("MAP_CENTRE", (52.3079, 5.0417), "where the maps open: 'lat,lon'", kind="point"),
    _key("MAP_TILE_URL", "", "tile server of the maps; empty: circles and points on a plain background"),
    _key("TRUNK_SECRET_KEY", "", "Fernet keys of trunk secrets, comma-separated, newest first; required outside "
         "development and test", secret=True),
    # Twilio
    _key("TWILIO_ACCOUNT_SID", "", "the Twilio account of SMS and calls outside any Twilio trunk"),
    _key("TWILIO_AUTH_TOKEN", "", "that account's auth token; also checks its webhooks' signatures", secret=True),
    _key("TWILIO_API_BASE_URL", "", "empty: Twilio itself; the tests point it at Prism"),
    _key("TWILIO_FROM", "", "sender number of SMS"),
    _key("TWILIO_MESSAGING_SERVICE_SID", "", "a messaging service SMS leave through instead of TWILIO_FROM"),
    _key("TWILIO_VOICE_FROM", "", "caller ID of Twilio calls; empty: TWILIO_FROM"),
    _key("PUBLIC_BASE_URL", "", "where Twilio reaches the webhooks (their signatures are checked against it) and "
         "the public reaches the alert pages, photos and CAP documents"),
    _key("SMS_RATE_PER_S", 10.0, "SMS per second per sender number", minimum=0.01),
    _key("SMS_ALERT_VALIDITY_S", 1800, "seconds Twilio may try to deliver an alert SMS; 0: Twilio's default",
         minimum=0),
    _key("SMS_MAX_PACING_WAIT_S", 30.0,
         "longest a send waits for its pacing slot before the job is retried later", minimum=0),
    _key("TWILIO_CALLS_PER_S", 1.0, "calls per second through the configured Twilio account", minimum=0.01),
    # Asterisk
    _key("AMI_HOST", "127.0.0.1", "Asterisk Manager Interface host"),
    _key("AMI_PORT", 5038, "Asterisk Manager Interface port", minimum=1),
    _key("AMI_USER", "uitkijk", "AMI user"),
    _key("AMI_SECRET", "", "AMI secret", secret=True),
    _key("TRUNK_NAME", "provider", "name of the fallback trunk of alert calls"),
    _key("TRUNK_DIAL_TEMPLATE", "PJSIP/{number}@provider", "dial string of the fallback trunk"),
    _key("TRUNK_CALLER_ID", "+31850000000", "caller ID of the fallback trunk"),
    _key("TRUNK_CHANNEL_LIMIT", 30, "simultaneous calls on the fallback trunk", minimum=1),
    _key("TRUNK_CPS", 10.0, "calls per second started on the fallback trunk", minimum=0.01),
    _key("TRUNK_CHANNEL_VARIABLES", {}, "extra channel variables set on every call: a JSON object", kind="json"),
    _key("ASTERISK_PROMPT_DIR", "", "PROMPT_DIR as Asterisk sees it (chroot, container); empty: the same path"),
    _key("ASTERISK_SOUND_DIR", "/var/lib/uitkijk/sounds",
         "where `flask asterisk-config` tells Asterisk to find the fallback prompt"),
    _key("ASTERISK_INSTANCE_DIR", "/var/lib/uitkijk/asterisk", "where `flask asterisk-config` keeps Asterisk's files"),
    _key("CALL_AUDIO_DIR", str(BASE_DIR / "instance" / "call-audio"), "where a code call's own audio waits for "
         "its one call, under a random name, and is deleted when the call ends (never in PROMPT_DIR)"),
    _key("ASTERISK_CALL_AUDIO_DIR", "", "CALL_AUDIO_DIR as Asterisk sees it; empty: the same path"),
    _key("ASTERISK_RECORDINGS_DIR", "", "RECORDINGS_DIR as Asterisk sees it; empty: the same path"),
    _key("VOICE_RING_TIMEOUT_S", 30.0, "seconds a participant's phone rings", minimum=5),
    _key("CALL_RESPONSE_GRACE_S", 15.0, "how much longer an Originate may go without any answer from Asterisk",
         minimum=0),
    _key("CALL_LEASE_S", 60.0, "a trunk channel lease in seconds; renewed while the call is up", minimum=1),
    # The FastAGI server and the free number
    _key("AGI_HOST", "127.0.0.1", "address the FastAGI server listens on"),
    _key("AGI_PORT", 4573, "port the FastAGI server listens on", minimum=1),
    _key("AGI_FALLBACK_HOST", "", "a second FastAGI server (another machine, same AGI_PORT) Asterisk's dialplan "
         "runs a call's flow on when the first refuses the connection; empty: none"),
    _key("AGI_ALLOWED_PEERS", "127.0.0.1,::1",
         "addresses or networks (comma-separated) of the Asterisks that may connect to the FastAGI server"),
    _key("AGI_MAX_CALLS", 400, "calls the FastAGI server serves at once; more go to the dialplan's fallback",
         minimum=0),
    _key("AGI_MAX_WAITING", 1000, "connections still sending their AGI environment; more cut the oldest",
         minimum=1),
    _key("AGI_ENVIRONMENT_TIMEOUT_S", 5.0, "seconds the whole AGI environment may take to arrive", minimum=0.1),
    _key("OPERATOR_LEASE_S", 4 * 3600, "longest an operator is held busy by one call, in seconds", minimum=1),
    _key("CALL_MAX_S", 4 * 3600, "longest a bridged call may last, in seconds", minimum=1),
    _key("IVR_SNAPSHOT_S", 2.0, "seconds between checks of the FastAGI server's snapshot of callers and routes",
         minimum=0.1),
    _key("IVR_DEFAULT_LANGUAGE", "nl", "language of the free number's prompts for unknown callers"),
    _key("IVR_TITLE_LANGUAGE", "nl", "language the actions' titles are spoken in"),
    _key("IVR_RING_S", 20, "seconds an operator rings before the next one is tried", minimum=1),
    _key("IVR_CONTROL_ROOM_RING_S", 30, "seconds the control room rings", minimum=1),
    _key("IVR_MENU_TIMEOUT_S", 6, "seconds a menu waits for a key", minimum=1),
    _key("IVR_CODE_TIMEOUT_S", 10, "seconds the action code prompt waits for digits", minimum=1),
    _key("IVR_MAX_TRIES", 3, "tries of a menu or code before the caller goes to the control room", minimum=1),
    _key("IVR_TIP_MAX_S", 120, "longest tip a caller may record, in seconds", minimum=1),
    _key("IVR_IDLE_TO_GENERAL_LINE", True, "callers go to the control room's general line when no action is active"),
    # Public alerts (AMBER, published missing persons): CAP 1.2 documents, feeds, partner webhooks, the page
    _key("CAP_SENDER", "uitkijk@politie.nl", "CAP <sender>: an address naming the issuing organisation"),
    _key("CAP_SENDER_NAME", "Politie via Uitkijk", "CAP <senderName>"),
    _key("CAP_STATUS", "Actual", "CAP <status>: exercises and test systems say so in every document",
         choices=("Actual", "Exercise", "Test")),
    _key("CAP_SIGNING_KEY_FILE", "", "PEM file of the signing key; without it documents are not signed (logged)"),
    _key("CAP_SIGNING_CERT_FILE", "", "PEM file of the signing certificate"),
    _key("PUBLIC_ALERT_TTL_S", 24 * 3600, "<expires> of an Alert or Update in seconds; an Update renews it",
         minimum=60),
    _key("PUBLIC_CANCEL_TTL_S", 3600, "how long a Cancel stays in the feeds, so every poller clears its screen",
         minimum=0),
    _key("PUBLIC_FEED_MAX_AGE_S", 10, "Cache-Control max-age of the feeds (pollers revalidate with ETag)", minimum=0),
    _key("PHOTO_MAX_BYTES", 10 * 1024 * 1024, "largest photo upload in bytes", minimum=1),
    _key("PHOTO_MAX_SIDE", 1200, "photos are scaled down to at most this many pixels a side", minimum=16),
    _key("API_RATE_PER_MINUTE", 600, "API requests per token per minute; more get 429 with Retry-After",
         minimum=1),
    _key("API_TOKEN_DAYS", 365, "days a new API token is valid unless its creator says otherwise", minimum=1),
    _key("PARTNER_TIMEOUT_S", 5.0, "seconds a partner webhook may take to answer", minimum=0.1),
    _key("PARTNER_MAX_ATTEMPTS", 8, "attempts of a partner webhook delivery", minimum=1),
    _key("PARTNER_RETRY_BASE_S", 10.0, "first retry of a partner webhook after this, doubling up to the maximum",
         minimum=0.1),
    _key("PARTNER_RETRY_MAX_S", 900.0, "longest wait between partner webhook retries", minimum=0.1),
    _key("WEBHOOK_PRIVATE_ADDRESSES", False, "outgoing webhooks may go to loopback, private and link-local "
         "addresses (the lab and the tests); off, an address an API token could aim at the inside is refused"),
    # Neighbourhood mail: the relay (mail/ reads these), the links in the mails, the reply photos
    _key("MAIL_TRANSPORT", "console", "which way mail leaves; console writes each message into the outbox",
         choices=("console", "smtp")),
    _key("SMTP_HOST", "127.0.0.1", "the relay (smarthost) all mail goes through"),
    _key("SMTP_PORT", 587, "the relay's port (587 with STARTTLS, 465 with TLS)", minimum=1),
    _key("SMTP_SECURITY", "starttls", "STARTTLS, implicit TLS, or none (a relay on loopback only)",
         choices=("starttls", "tls", "none")),
    _key("SMTP_USER", "", "login at the relay; empty: no AUTH"),
    _key("SMTP_PASSWORD", "", "password at the relay: 'env:NAME', 'sealed:...' (flask seal-secret) or plain",
         secret=True),
    _key("SMTP_TIMEOUT_S", 30.0, "seconds the relay may take to answer", minimum=0.1),
    _key("SMTP_CA_FILE", "", "a private CA for the relay's certificate; empty: the system's"),
    _key("MAIL_RATE_PER_S", 10.0, "mails per second through the relay, across every worker", minimum=0.01),
    _key("MAIL_RATE_WINDOW_S", 1.0, "the window the relay counts its rate in: never more than "
         "MAIL_RATE_PER_S x this many seconds' mails in any such window (60 for a limit per minute)", minimum=0.01),
    _key("SMTP_MAX_CONNECTIONS", 3, "connections open to the relay at once, across every worker (its limit per "
         "client)", minimum=1),
    _key("MAIL_MAX_WAIT_S", 30.0, "longest a mail waits for room in the rate window or a free relay connection "
         "before the job tries it again later", minimum=0),
    _key("MAIL_FROM_NAME", "Uitkijk", "display name of mails that belong to no inquiry (address confirmations)"),
    _key("MAIL_FROM_ADDRESS", "no-reply@uitkijk.local", "address of mails that belong to no inquiry"),
    _key("MAIL_DKIM_KEY_FILE", "", "PEM private key; with it every mail is DKIM-signed"),
    _key("MAIL_DKIM_SELECTOR", "uitkijk", "DKIM selector (the DNS name <selector>._domainkey.<domain>)"),
    _key("MAIL_DKIM_DOMAIN", "", "DKIM signing domain; empty: the From address's domain"),
    _key("MAIL_BOUNCE_MAILDIR", "", "Maildir the relay delivers bounces (DSNs) to; read by `flask mail-bounces`"),
    _key("MAIL_PHOTO_DIR", str(BASE_DIR / "instance" / "mail-photos"), "where inquiry and reply photos are kept"),
    _key("MAIL_REPLY_LINK_MAX_AGE_S", 30 * 86400, "seconds a personal reply link stays valid", minimum=60),
    _key("MAIL_CONFIRM_LINK_MAX_AGE_S", 2 * 86400, "seconds an address confirmation link stays valid", minimum=60),
    _key("MAIL_WEEKLY_BUDGET", 3, "inquiry and information mails a participant gets in seven days at most; "
         "beyond it they are skipped and counted (alerts are never held, updates never skipped)", minimum=1),
    _key("MAIL_MAX_ATTEMPTS", 6, "attempts per mail before it is failed (relay busy, 4xx answers)", minimum=1),
    _key("MAIL_LINK_BASE_URL", "", "where participants' links point; empty: PUBLIC_BASE_URL, else the local server"),
)

KEYS: dict[str, Key] = {key.name: key for key in SCHEMA}
DEFAULTS: dict[str, Any] = {key.name: key.default for key in SCHEMA}


def default(name):
    """The schema's default of one key (for dataclasses whose fields mirror configuration keys)."""
    return KEYS[name].default


class Config(dict):
    """The effective configuration: a plain dict of typed values, plus where each came from."""

    def __init__(self, values=(), sources=None, unknown=()):
        super().__init__(values)
        self.sources: dict[str, str] = dict(sources or {})
        self.unknown: tuple[str, ...] = tuple(unknown)

    def describe(self):
        """(key, shown value, source, description) per schema key; secrets masked."""
        rows = []
        for key in SCHEMA:
            value = self.get(key.name, key.default)
            shown = ("********" if value else "(empty)") if key.secret else _show(value)
            rows.append((key.name, shown, self.sources.get(key.name, "default"), key.description))
        return rows


def _show(value):
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        if parts.password:
            netloc = f"{parts.username or ''}:********@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
    if isinstance(value, tuple):
        return ("-" if all(isinstance(part, time) for part in value) else ",").join(
            part.strftime("%H:%M") if isinstance(part, time) else str(part) for part in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def load_config(overrides=None, environ=None):
    """Return the effective configuration (a Config): defaults < environment < overrides, each parsed once.

    Override keys outside the schema (Flask's own, e.g. TESTING) pass through unchanged.
    """
    if isinstance(overrides, Config):
        return overrides  # already effective (the app hands its configuration to the runtime)
    environ = os.environ if environ is None else environ
    config = Config(DEFAULTS, dict.fromkeys(KEYS, "default"), unknown=sorted(
        name for name in environ
        if name.startswith(ENV_PREFIX) and name[len(ENV_PREFIX):] not in KEYS and name not in TOOLING_VARIABLES
        and not name.startswith(TOOLING_PREFIXES)))
    for key in SCHEMA:
        for name in (key.name, ENV_PREFIX + key.name):
            if name in environ:
                config[key.name] = key.parse(environ[name], f"environment {name}")
                config.sources[key.name] = f"environment {name}"
    if config.sources["CLI_LANGUAGE"] == "default":
        _cli_language_from_locale(config, environ)
    for name, value in (overrides or {}).items():
        if name in KEYS:
            config[name] = KEYS[name].parse(value, "overrides")
            config.sources[name] = "overrides"
        else:
            config[name] = value
    return config


def _cli_language_from_locale(config, environ):
    """Without CLI_LANGUAGE the commands speak the terminal's language (LC_ALL, LC_MESSAGES, LANG, as
    POSIX ranks them) when it is one of theirs; C, POSIX or any other stays Dutch."""
    name = next((name for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), None)
    if name is None:
        return
    language = environ[name].split(".")[0].split("_")[0].lower()
    if language in KEYS["CLI_LANGUAGE"].choices:
        config["CLI_LANGUAGE"] = language
        config.sources["CLI_LANGUAGE"] = f"environment {name}"


def effective(config):
    """`config` as a Config: itself if it is one; any other mapping (Flask's app.config, a test's
    partial dict) parsed over the defaults, without reading the environment."""
    return config if isinstance(config, Config) else load_config(config, environ={})
