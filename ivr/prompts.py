"""Prompt parts to the sound files Asterisk plays, without rendering anything on the call path.

Fixed prompts are looked up once at start-up into a dict. Dynamic audio (an action's title and
alert, rendered at launch by `voice.action_audio`) is found by its content hash and one stat.
Paths are given as Asterisk sees them (without extension): in the lab Asterisk runs in a chroot,
so `asterisk_dir` may differ from the store's directory on this machine.
"""
import logging
from pathlib import Path

from tts_prompts.catalogue import LANGUAGES, prompt_ids
from tts_prompts.store import PromptNotRendered, PromptStore

from .steps import Spoken

log = logging.getLogger(__name__)


class PromptFiles:
    def __init__(self, store: PromptStore, asterisk_dir: str | None = None):
        self.store = store
        self.asterisk_dir = (asterisk_dir or str(store.root)).rstrip("/")
        self._fixed: dict[tuple[str, str], str] = {}
        self.reload()

    def reload(self):
        """Index every fixed prompt that exists now (after rendering or an uploaded recording)."""
        fixed, missing = {}, []
        for prompt_id in prompt_ids():
            for language in LANGUAGES:
                try:
                    fixed[(prompt_id, language)] = self._asterisk_path(self.store.path_for(prompt_id, language))
                except PromptNotRendered:
                    missing.append(f"{prompt_id}/{language}")
        self._fixed = fixed
        if missing:
            log.warning("%d prompts not rendered (run `python -m tts_prompts render`): %s",
                        len(missing), ", ".join(missing[:10]))

    def files(self, parts, language):
        """The files to play for `parts` in `language`; a part with no audio is skipped (logged)."""
        out = []
        for part in parts:
            if isinstance(part, Spoken):
                path = self._spoken(part, language)
                if path is not None:
                    out.append(path)
                    continue
                out.extend(self.files(part.fallback, language))
                continue
            path = self._recording(part, language) or self._fixed.get((part, language))
            if path is None:
                log.warning("prompt %s (%s) has no audio; skipped", part, language)
                continue
            out.append(path)
        return out

    def _recording(self, prompt_id, language):
        """An admin's uploaded recording of the prompt, as it is now (one stat): heard from the next
        call on, without a restart, as on Twilio."""
        try:
            if self.store.has_recording(prompt_id, language):
                return self._asterisk_path(self.store.path_for(prompt_id, language))
        except (KeyError, ValueError):  # not a catalogue prompt or language: the index decides
            return None
        return None

    def _spoken(self, part, language):
        """The rendering of the text in this language first, then the stored key (another language)."""
        for key in (speech_key(self.store, part.text, part.language or language), part.key):
            if key and (self.store.root / f"{key}.wav").exists():
                return f"{self.asterisk_dir}/{key}"
        return None

    def _asterisk_path(self, host_path: Path):
        return f"{self.asterisk_dir}/{host_path.relative_to(self.store.root).as_posix()}"


def speech_key(store, text, language):
    """The store key rendered speech of `text` has (a hash; nothing is rendered), or None if
    the language is not supported."""
    if language not in LANGUAGES or not isinstance(text, str):
        return None
    return store.text_key(text, language)
