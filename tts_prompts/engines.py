"""Speech engines: text in, WAV bytes out.

An engine only speaks; converting to the telephony format and caching happen in
`audio` and `store`. Engines are looked up by name in `ENGINES`, an explicit table,
so a better engine is plugged in by adding one entry there.
"""
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

from .catalogue import LANGUAGES, check_language

DEFAULT_MAX_CHARS = 1000


class UnspeakableText(ValueError):
    """Text that cannot be turned into speech: empty, nothing to pronounce, or too long."""


class SpeechEngineError(RuntimeError):
    """The engine itself failed (missing binary, crash, no audio produced)."""


class UnknownEngine(LookupError):
    """No engine is registered under this name."""


def check_speakable(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return `text` stripped, or raise UnspeakableText saying why it cannot be spoken."""
    if not isinstance(text, str):
        raise UnspeakableText(f"text must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise UnspeakableText("text is empty")
    if not any(ch.isalnum() for ch in stripped):
        raise UnspeakableText("text has no letters or digits to pronounce")
    if len(stripped) > max_chars:
        raise UnspeakableText(f"text is {len(stripped)} characters long; the maximum is {max_chars}")
    return stripped


class SpeechEngine(ABC):
    """What the prompt store needs from a text-to-speech engine."""

    name: str

    @abstractmethod
    def voice_for(self, language: str) -> str:
        """The engine's voice for a catalogue language; UnsupportedLanguage otherwise."""

    @abstractmethod
    def synthesize(self, text: str, language: str) -> bytes:
        """Speak `text` and return a complete WAV file; UnspeakableText on bad text."""

    def fingerprint(self, language: str) -> str:
        """Everything besides the text that changes the audio; part of the cache key."""
        return self.voice_for(language)


class EspeakEngine(SpeechEngine):
    """espeak-ng through its command-line binary; text goes in on stdin, WAV comes out on stdout."""

    name = "espeak"
    DEFAULT_VOICES = {"nl": "nl", "en": "en", "de": "de"}
    MIN_SPEED_WPM, MAX_SPEED_WPM = 80, 450

    def __init__(
        self,
        speed_wpm: int = 150,
        max_chars: int = DEFAULT_MAX_CHARS,
        voices: Mapping[str, str] | None = None,
        binary: str = "espeak-ng",
        timeout_s: float = 60.0,
    ):
        if not self.MIN_SPEED_WPM <= speed_wpm <= self.MAX_SPEED_WPM:
            raise ValueError(
                f"speed_wpm must be between {self.MIN_SPEED_WPM} and {self.MAX_SPEED_WPM}, not {speed_wpm}"
            )
        if max_chars < 1:
            raise ValueError(f"max_chars must be positive, not {max_chars}")
        self.voices = {**self.DEFAULT_VOICES, **(voices or {})}
        missing = [language for language in LANGUAGES if language not in self.voices]
        if missing:
            raise ValueError(f"no voice for language(s) {', '.join(missing)}")
        self.speed_wpm = speed_wpm
        self.max_chars = max_chars
        self.binary = binary
        self.timeout_s = timeout_s

    def voice_for(self, language: str) -> str:
        return self.voices[check_language(language)]

    def fingerprint(self, language: str) -> str:
        return f"{self.voice_for(language)} speed={self.speed_wpm}"

    def synthesize(self, text: str, language: str) -> bytes:
        text = check_speakable(text, self.max_chars)
        voice = self.voice_for(language)
        executable = shutil.which(self.binary)
        if executable is None:
            raise SpeechEngineError(f"{self.binary} not found on PATH; install the espeak-ng package")
        # Text on stdin (never argv) so text starting with "-" is not read as an option;
        # -b 1: the input is UTF-8.
        command = [executable, "-v", voice, "-s", str(self.speed_wpm), "-b", "1", "--stdin", "--stdout"]
        try:
            result = subprocess.run(
                command, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise SpeechEngineError(f"{self.binary} took longer than {self.timeout_s} s") from None
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise SpeechEngineError(f"{self.binary} exited with {result.returncode}: {detail}")
        if not result.stdout.startswith(b"RIFF") or len(result.stdout) <= 44:
            raise SpeechEngineError(f"{self.binary} produced no audio for voice {voice!r}")
        return result.stdout


ENGINES: dict[str, Callable[..., SpeechEngine]] = {
    EspeakEngine.name: EspeakEngine,
}


def get_engine(name: str, **options) -> SpeechEngine:
    """A new engine registered under `name`, built with `options`; UnknownEngine otherwise."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise UnknownEngine(f"unknown speech engine {name!r}; known: {', '.join(sorted(ENGINES))}") from None
    return factory(**options)
