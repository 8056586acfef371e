"""Prompt parts as TwiML: <Play> of the prompt store's file (the same audio Asterisk plays), else
<Say> in the call's language (a prompt not rendered yet)."""
from tts_prompts.catalogue import prompt_text
from tts_prompts.store import PromptNotRendered
from twilio_gateway.say import say_language

from .prompts import speech_key
from .steps import Spoken

class PromptAudio:
    """Adds prompt parts to a TwiML verb: <Play> of the store's file, else <Say>."""

    def __init__(self, store, url_for):
        self.store = store
        self.url_for = url_for  # file name relative to the store root -> absolute URL

    def add(self, verb, parts, language):
        for part in parts:
            if isinstance(part, Spoken):
                spoken_in = part.language or language
                file = self._spoken_file(part, spoken_in)
                if file:
                    verb.play(self.url_for(file))
                else:
                    verb.say(part.text, language=say_language(spoken_in))
                continue
            try:
                verb.play(self.url_for(self.store.url_name(part, language)))
            except PromptNotRendered:
                verb.say(prompt_text(part, language), language=say_language(language))

    def _spoken_file(self, part, language):
        for key in (speech_key(self.store, part.text, language), part.key):
            if key and (self.store.root / f"{key}.wav").exists():
                return f"{key}.wav"
        return None
