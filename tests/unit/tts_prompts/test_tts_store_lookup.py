"""Prompt store look-ups that need no rendering: names, paths and missing files."""
from pathlib import Path

import pytest

from tts_prompts.catalogue import UnknownPrompt, UnsupportedLanguage
from tts_prompts.engines import EspeakEngine
from tts_prompts.store import PromptNotRendered, PromptStore, RenderedPrompt


def test_rendered_prompt_names_its_wav_file_and_url():
    """A RenderedPrompt's path has no extension; wav_path and url_name add .wav."""
    prompt = RenderedPrompt(key="nl/abc123", path=Path("/srv/prompts/nl/abc123"), duration_s=1.5)
    assert prompt.wav_path == Path("/srv/prompts/nl/abc123.wav")
    assert prompt.url_name == "nl/abc123.wav"


def test_lookup_of_an_unrendered_prompt_raises(tmp_path):
    """path_for() never renders: a missing file raises PromptNotRendered."""
    store = PromptStore(tmp_path, EspeakEngine(binary="no-such-espeak-binary"))
    with pytest.raises(PromptNotRendered, match="alert_intro"):
        store.path_for("alert_intro", "nl")
    with pytest.raises(PromptNotRendered):
        store.url_name("alert_intro", "en")


def test_lookup_of_an_unknown_prompt_or_language_raises(tmp_path):
    """Unknown ids and languages are reported as such, not as unrendered."""
    store = PromptStore(tmp_path, EspeakEngine())
    with pytest.raises(UnknownPrompt):
        store.path_for("no_such_prompt", "nl")
    with pytest.raises(UnsupportedLanguage):
        store.path_for("alert_intro", "fr")


def test_has_recording_is_false_on_an_empty_store(tmp_path):
    """Without an upload there is no recording, and removing one reports False."""
    store = PromptStore(tmp_path, EspeakEngine())
    assert store.has_recording("alert_intro", "nl") is False
    assert store.remove_recording("alert_intro", "nl") is False
