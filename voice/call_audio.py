"""Audio that belongs to one call only (a spoken confirmation code): never in the prompt store.

The prompt store is shared, cached under content hashes anyone can compute, and served to
Twilio; a code there could be found by trying all 10^6 of them. So a code call's audio is
written here instead, under a random name (128 bits) in CALL_AUDIO_DIR, a directory others may
enter but not list (0711: Asterisk, another user, opens the file by its full name). The call
service deletes the file when the call ends, however it ends (voice.call_events); a sweep removes
what a crash left behind, after MAX_AGE_S.
"""
import logging
import os
import secrets
import time
from pathlib import Path, PurePosixPath

from tts_prompts import get_engine
from tts_prompts.audio import decode_wav, write_wav

log = logging.getLogger(__name__)

DIR_MODE = 0o711
MAX_AGE_S = 3600  # a code lives 30 minutes: no call with it is worth placing after an hour


class CallAudio:
    """Writes, names and removes the audio of single calls."""

    def __init__(self, directory, asterisk_directory=None, engine_name=None):
        self.directory = Path(directory)
        self.asterisk_directory = asterisk_directory or str(directory)
        self.engine = get_engine(engine_name) if engine_name else None

    @classmethod
    def from_settings(cls, settings, engine_name=None):
        """From voice.settings.VoiceSettings; `engine_name` (TTS_ENGINE) only where audio is written."""
        return cls(settings.call_audio_dir, settings.asterisk_call_audio_dir or None, engine_name)

    def speak(self, text, language):
        """Render `text` into a file of its own; returns its path (with .wav)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, DIR_MODE)
        path = self.directory / f"{secrets.token_hex(16)}.wav"
        write_wav(decode_wav(self.engine.synthesize(text, language)), path)
        return path

    def asterisk_path(self, path):
        """The file as Asterisk's Playback names it: in Asterisk's view of the directory, no extension."""
        return str(PurePosixPath(self.asterisk_directory) / Path(path).stem)

    def remove(self, path):
        """Delete one call's audio (nothing if it is gone already); only files of this directory."""
        path = Path(path)
        if path.parent.resolve() != self.directory.resolve() or path.suffix != ".wav":
            log.warning("not removing %s: not a call audio file", path.name)
            return
        path.unlink(missing_ok=True)

    def sweep(self, max_age_s=MAX_AGE_S, now=None):
        """Remove files older than `max_age_s` (their call never ended here: a crash, a lost event)."""
        if not self.directory.is_dir():
            return 0
        cutoff = (now or time.time()) - max_age_s
        removed = 0
        for path in self.directory.glob("*.wav"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
