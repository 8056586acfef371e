"""Fixtures for tts_prompts tests that run the real espeak-ng and ffmpeg."""
import os
import shutil
import subprocess

import pytest

from tts_prompts.engines import EspeakEngine, SpeechEngine

REQUIRED_BINARIES = ("espeak-ng", "ffmpeg", "ffprobe")


@pytest.fixture(autouse=True)
def speech_tools():
    """Fail under CI=true, skip locally, when espeak-ng or ffmpeg is not installed."""
    missing = [name for name in REQUIRED_BINARIES if shutil.which(name) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (Debian packages espeak-ng, ffmpeg)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


class CountingEngine(SpeechEngine):
    """The real espeak-ng engine, counting how often it is asked to speak."""

    def __init__(self, inner: SpeechEngine):
        self.inner = inner
        self.name = inner.name
        self.calls = []

    def voice_for(self, language):
        return self.inner.voice_for(language)

    def fingerprint(self, language):
        return self.inner.fingerprint(language)

    def synthesize(self, text, language):
        self.calls.append((text, language))
        return self.inner.synthesize(text, language)


@pytest.fixture
def counting_engine():
    """A CountingEngine around a default EspeakEngine."""
    return CountingEngine(EspeakEngine())


@pytest.fixture
def make_audio(tmp_path):
    """Return a function that makes an audio file with ffmpeg and returns its bytes."""

    def make(suffix, seconds=2.0, source="sine=frequency=440", options=()):
        path = tmp_path / f"made-{len(list(tmp_path.iterdir()))}.{suffix}"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", str(seconds), *options, str(path)],
            check=True,
        )
        return path.read_bytes()

    return make
