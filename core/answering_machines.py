"""Answering-machine detection on alert and closing calls: each trunk's parameters and their defaults.

Detection is a hint (65-85 % accurate): the alert flow treats NOTSURE as a person and any key as
proof of one (ivr.alert_flow). The parameters are the back-end's own, so they can be tuned with
its documentation at hand: Asterisk's AMD() (kept in this order, as AMD() takes them) plus how
long a machine's greeting and beep must be over before the message is left. The defaults are
Asterisk's, but for the initial silence: a line silent for 5 s is not sure (a person), as
Twilio's MachineDetectionSilenceTimeout has it, not a machine. Twilio's are Twilio's defaults.
A trunk keeps them in `settings["amd"]`.
"""

# (name, default, lowest, highest): whole numbers, of milliseconds unless named otherwise.
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
# Twilio's asynchronous detection with DetectMessageEnd: its MachineDetection* parameters (the call plays its flow
# meanwhile; a machine's verdict, machine_end_*, comes once its greeting and beep are over).
TWILIO = (
    ("timeout_s", 30, 3, 59),  # MachineDetectionTimeout
    ("speech_threshold_ms", 2400, 1000, 6000),  # MachineDetectionSpeechThreshold
    ("speech_end_threshold_ms", 1200, 500, 5000),  # MachineDetectionSpeechEndThreshold
    ("silence_timeout_ms", 5000, 2000, 10000),  # MachineDetectionSilenceTimeout
)
FIELDS = {"asterisk": ASTERISK + ASTERISK_END, "twilio": TWILIO}


def defaults(backend, enabled=True):
    """The back-end's default parameters, detection on (or off)."""
    return {"enabled": enabled, **{name: default for name, default, _, _ in FIELDS[backend]}}


def stored(trunk_settings, backend):
    """A trunk's detection settings as stored (`settings["amd"]`); a trunk that has none (saved
    before detection existed, or the configuration's own) does not detect: an admin turns it on."""
    found = (trunk_settings or {}).get("amd")
    return {**defaults(backend, enabled=False), **found} if isinstance(found, dict) else defaults(backend, False)


def _values(settings, fields):
    """The stored values of `fields`: one that is not a whole number within its bounds goes as its
    default (they end up in a dialplan application's arguments, or a request to Twilio)."""
    values = []
    for name, default, low, high in fields:
        value = settings.get(name)
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        values.append(value if ok else default)
    return values


def asterisk_variables(settings):
    """The channel variables uitkijk-alert reads (asterisk_conf/README.md); none when detection is off."""
    if not settings.get("enabled"):
        return {}
    return {"UITKIJK_AMD": ":".join(map(str, _values(settings, ASTERISK))),
            "UITKIJK_AMD_END": ":".join(map(str, _values(settings, ASTERISK_END)))}


def twilio_parameters(settings):
    """Twilio's machine detection parameters of a call (the REST client's names), asynchronous and
    waiting for a machine's message to end; none when detection is off. The verdict's callback URL
    is the caller's to add (async_amd_status_callback)."""
    if not settings.get("enabled"):
        return {}
    timeout_s, speech_ms, speech_end_ms, silence_ms = _values(settings, TWILIO)
    return {"machine_detection": "DetectMessageEnd", "async_amd": "true", "machine_detection_timeout": timeout_s,
            "machine_detection_speech_threshold": speech_ms, "machine_detection_speech_end_threshold": speech_end_ms,
            "machine_detection_silence_timeout": silence_ms}
