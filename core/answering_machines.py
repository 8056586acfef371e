"""Answering-machine detection on alert calls: each trunk's parameters, their defaults and checks.

Detection is a hint (65-85 % accurate): the alert flow treats NOTSURE as a person and any key as
proof of one (ivr.alert_flow). The parameters are the back-end's own, so an admin can tune them
with its documentation at hand: Asterisk's AMD() (kept in this order, as AMD() takes them) plus
how long a machine's greeting and beep must be over before the message is left; Twilio's
asynchronous detection with DetectMessageEnd. The defaults agree on what a silent line is (after
5 s nothing has been said: not sure, so a person) and otherwise are the back-ends' own.
"""
from .errors import ValidationError

# (name, default, lowest, highest): every value a whole number of milliseconds unless named otherwise.
ASTERISK = (
    ("initial_silence_ms", 5000, 500, 10000),
    ("greeting_ms", 1500, 500, 10000),
    ("after_greeting_silence_ms", 800, 100, 5000),
    ("total_analysis_time_ms", 5000, 1000, 30000),
    ("min_word_length_ms", 100, 10, 1000),
    ("between_words_silence_ms", 50, 10, 1000),
    ("maximum_number_of_words", 2, 1, 20),
    ("silence_threshold", 256, 1, 32767),
    ("maximum_word_length_ms", 5000, 500, 30000),
)
# After MACHINE: this much silence ends the greeting and its beep; the flow waits at most end_wait_s.
ASTERISK_END = (("end_silence_ms", 1000, 200, 5000), ("end_wait_s", 20, 1, 60))
TWILIO = (
    ("machine_detection_timeout_s", 30, 3, 59),
    ("speech_threshold_ms", 2400, 1000, 6000),
    ("speech_end_threshold_ms", 1200, 500, 5000),
    ("silence_timeout_ms", 5000, 2000, 10000),
)
FIELDS = {"asterisk": ASTERISK + ASTERISK_END, "twilio": TWILIO}
PREFIX = "amd_"  # a parameter's form and API field: amd_<name>; `amd` itself switches detection on


def defaults(backend, enabled=True):
    """The back-end's default parameters, detection on (or off)."""
    return {"enabled": enabled, **{name: default for name, default, _, _ in FIELDS[backend]}}


def check(data, backend):
    """The trunk's detection settings from form or API fields (`amd`, `amd_<parameter>`); a blank
    parameter takes its default. Raises ValidationError naming the field."""
    settings = {"enabled": str(data.get("amd", "")).lower() in ("1", "on", "true", "yes")}
    for name, default, low, high in FIELDS[backend]:
        field = PREFIX + name
        raw = str(data.get(field) if data.get(field) is not None else "").strip()
        if not raw:
            settings[name] = default
            continue
        if not raw.isdigit():
            raise ValidationError(field, "must be a whole number")
        value = int(raw)
        if not low <= value <= high:
            raise ValidationError(field, f"must be between {low} and {high}")
        settings[name] = value
    return settings


def stored(trunk_settings, backend):
    """A trunk's detection settings as stored (`settings["amd"]`); a trunk that has none (saved
    before detection existed, or the configuration's own) does not detect: an admin turns it on."""
    found = (trunk_settings or {}).get("amd")
    return {**defaults(backend, enabled=False), **found} if isinstance(found, dict) else defaults(backend, False)


def asterisk_variables(settings):
    """The channel variables uitkijk-alert reads (asterisk_conf/README.md); none when detection is off."""
    if not settings.get("enabled"):
        return {}
    return {"UITKIJK_AMD": ":".join(str(settings[name]) for name, *_ in ASTERISK),
            "UITKIJK_AMD_END": ":".join(str(settings[name]) for name, *_ in ASTERISK_END)}
