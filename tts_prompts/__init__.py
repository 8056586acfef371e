"""Spoken prompts for the IVR: the catalogue of fixed texts, speech engines, telephony audio
and the on-disk store that Asterisk plays from and the Twilio side serves over HTTP.
"""
from .audio import InvalidRecording
from .catalogue import LANGUAGES, UnknownPrompt, UnsupportedLanguage, all_prompts, prompt_text
from .engines import EspeakEngine, SpeechEngine, SpeechEngineError, UnknownEngine, UnspeakableText, get_engine
from .store import PromptNotRendered, PromptStore, RenderedPrompt

__all__ = [
    "LANGUAGES",
    "EspeakEngine",
    "InvalidRecording",
    "PromptNotRendered",
    "PromptStore",
    "RenderedPrompt",
    "SpeechEngine",
    "SpeechEngineError",
    "UnknownEngine",
    "UnknownPrompt",
    "UnspeakableText",
    "UnsupportedLanguage",
    "all_prompts",
    "get_engine",
    "prompt_text",
]
