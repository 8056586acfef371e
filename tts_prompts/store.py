"""Prompt files on disk: rendered once, cached by content, played by Asterisk and served to Twilio.

Layout under the root directory:

    <language>/<hash>.wav                 speech rendered by the engine; the hash covers the
                                          engine, its voice settings, the audio format and the
                                          text, so changed text gets a new file
    overrides/<language>/<prompt_id>.wav  a recording an admin uploaded for a fixed prompt;
                                          it wins over the rendered speech

Rendering happens at deploy/startup (`render_catalogue`) and at action launch
(`render_text`), never on the call path: `path_for` and `url_name` only look.
"""
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import audio
from .catalogue import all_prompts, check_language, prompt_text
from .engines import SpeechEngine, get_engine

# Bump when the stored audio format changes, so every cached file is rendered again.
AUDIO_FORMAT = "wav-8000hz-mono-s16"
OVERRIDES_DIR = "overrides"


class PromptNotRendered(LookupError):
    """A fixed prompt has neither a rendered file nor an uploaded recording yet."""


@dataclass(frozen=True)
class RenderedPrompt:
    """One playable prompt file."""

    key: str  # relative to the store root, without extension, e.g. "nl/3f9c…"
    path: Path  # absolute, without extension: what Asterisk's Playback/Background takes
    duration_s: float

    @property
    def wav_path(self) -> Path:
        return self.path.with_name(self.path.name + ".wav")

    @property
    def url_name(self) -> str:
        """The file's name relative to the root, for serving the same file over HTTP."""
        return f"{self.key}.wav"


class PromptStore:
    """Renders prompts with one speech engine into `root_dir` and finds them again."""

    def __init__(self, root_dir: str | os.PathLike, engine: SpeechEngine,
                 max_recording_s: float = audio.MAX_RECORDING_S):
        self.root = Path(root_dir).resolve()
        self.engine = engine
        self.max_recording_s = max_recording_s

    @classmethod
    def from_config(cls, config):
        """The store the configuration names (PROMPT_DIR, TTS_ENGINE)."""
        return cls(config["PROMPT_DIR"], get_engine(config["TTS_ENGINE"]))

    # Rendering (deploy/startup and launch time).

    def render_text(self, text: str, language: str) -> RenderedPrompt:
        """Speak `text` into a cached file; the engine runs only if that text was never rendered."""
        text = _normalize(text)
        key = self._speech_key(text, language)
        wav_path = self._wav_path(key)
        if not wav_path.exists():
            speech = audio.decode_wav(self.engine.synthesize(text, language))
            audio.write_wav(speech, wav_path)
        return self._rendered(key)

    def render_prompt(self, prompt_id: str, language: str) -> RenderedPrompt:
        """Render one fixed prompt's text (an uploaded recording, if any, is left alone)."""
        return self.render_text(prompt_text(prompt_id, language), language)

    def render_catalogue(self) -> dict[tuple[str, str], RenderedPrompt]:
        """Render every fixed prompt in every language; returns them by (prompt_id, language)."""
        return {
            (prompt_id, language): self.render_text(text, language)
            for prompt_id, language, text in all_prompts()
        }

    # Uploaded recordings.

    def install_recording(self, prompt_id: str, language: str, uploaded: bytes) -> RenderedPrompt:
        """Make an uploaded recording the fixed prompt's audio; InvalidRecording if unusable."""
        prompt_text(prompt_id, language)  # UnknownPrompt / UnsupportedLanguage before any work
        recording = audio.decode_recording(uploaded, max_seconds=self.max_recording_s)
        key = self._override_key(prompt_id, language)
        audio.write_wav(recording, self._wav_path(key))
        return self._rendered(key)

    def remove_recording(self, prompt_id: str, language: str) -> bool:
        """Go back to the rendered speech; returns whether a recording was removed."""
        prompt_text(prompt_id, language)
        wav_path = self._wav_path(self._override_key(prompt_id, language))
        try:
            wav_path.unlink()
        except FileNotFoundError:
            return False
        return True

    def has_recording(self, prompt_id: str, language: str) -> bool:
        """Whether an uploaded recording overrides this fixed prompt."""
        prompt_text(prompt_id, language)
        return self._wav_path(self._override_key(prompt_id, language)).exists()

    def remove_texts(self, texts) -> int:
        """Delete the rendered files of (text, language) pairs, e.g. confirmation codes that versions
        before voice.call_audio rendered here; returns how many were removed."""
        existing = {path.relative_to(self.root).with_suffix("").as_posix() for path in self.root.glob("*/*.wav")}
        removed = 0
        for text, language in texts:
            key = self.text_key(text, language)
            if key in existing:
                self._wav_path(key).unlink(missing_ok=True)
                removed += 1
        return removed

    # Looking up (the call path: no rendering, only a hash and a stat or two).

    def path_for(self, prompt_id: str, language: str) -> Path:
        """Absolute path without extension, as Asterisk's Playback wants; the recording if any."""
        return self.root / self._existing_key(prompt_id, language)

    def wav_path_for(self, prompt_id: str, language: str) -> Path:
        """Absolute path of the `.wav` file that `path_for` names."""
        return self._wav_path(self._existing_key(prompt_id, language))

    def export(self, prompt_id: str, language: str, destination: str | os.PathLike) -> Path:
        """Copy a fixed prompt's file (the recording if any) to `destination` (a `.wav` path), e.g.
        the generic fallback that Asterisk's dialplan plays by a fixed name."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.tmp")
        shutil.copyfile(self.wav_path_for(prompt_id, language), temporary)
        temporary.replace(destination)  # Asterisk never opens a half-written file
        return destination

    def url_name(self, prompt_id: str, language: str) -> str:
        """The file name relative to the root (e.g. "nl/<hash>.wav"), for serving over HTTP."""
        return f"{self._existing_key(prompt_id, language)}.wav"

    def lookup(self, prompt_id: str, language: str) -> RenderedPrompt:
        """The playable file of a fixed prompt, with its duration."""
        return self._rendered(self._existing_key(prompt_id, language))

    def text_key(self, text: str, language: str) -> str:
        """The key `render_text` gives this text (a hash: nothing is rendered or read)."""
        return self._speech_key(_normalize(text), language)

    # Internals.

    def _existing_key(self, prompt_id: str, language: str) -> str:
        text = prompt_text(prompt_id, language)
        override = self._override_key(prompt_id, language)
        if self._wav_path(override).exists():
            return override
        speech = self._speech_key(_normalize(text), language)
        if self._wav_path(speech).exists():
            return speech
        raise PromptNotRendered(
            f"prompt {prompt_id!r} ({language}) is not rendered in {self.root}; "
            "run `python -m tts_prompts render`"
        )

    def _speech_key(self, text: str, language: str) -> str:
        check_language(language)
        identity = json.dumps([AUDIO_FORMAT, self.engine.name, self.engine.fingerprint(language), text])
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]
        return f"{language}/{digest}"

    @staticmethod
    def _override_key(prompt_id: str, language: str) -> str:
        return f"{OVERRIDES_DIR}/{language}/{prompt_id}"

    def _wav_path(self, key: str) -> Path:
        return self.root / f"{key}.wav"

    def _rendered(self, key: str) -> RenderedPrompt:
        return RenderedPrompt(key=key, path=self.root / key, duration_s=audio.wav_duration_s(self._wav_path(key)))


def _normalize(text: str) -> str:
    """Collapse runs of whitespace, so layout changes do not count as new text."""
    return " ".join(text.split()) if isinstance(text, str) else text
