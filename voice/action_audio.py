"""The audio a voice call plays, rendered before the call on every voice back-end.

At launch, the action's title and its spoken alert (every language) are rendered
(render_action_audio); a closing text is rendered when its call is sent, in the
participant's language. Asterisk plays the files, Twilio fetches the same files by URL: both
back-ends' callers hear the same voice.
"""
import logging

from core.models import ControlRoom
from core.transports import PermanentFailure
from core.messages import message_for
from tts_prompts.catalogue import LANGUAGES
from tts_prompts import PromptStore, SpeechEngineError, UnspeakableText, get_engine

log = logging.getLogger(__name__)


class ActionAudio:
    def __init__(self, config):
        self.store = PromptStore(config["PROMPT_DIR"], get_engine(config["TTS_ENGINE"]))

    def prepare_action(self, session, action):
        """Speak the alert (every language) and the title before the first call.

        A text the engine cannot speak does not stop the launch (SMS still goes out); each
        voice delivery then fails with the reason.
        """
        free_number = session.get(ControlRoom, action.control_room_id).free_number
        try:
            action.alert_prompt = render_action_audio(self.store, action, free_number)
        except (UnspeakableText, SpeechEngineError) as exc:
            log.error("action %s: the alert cannot be spoken: %s", action.id, exc)

    def render(self, delivery, text, language):
        """The rendering of a delivery's text (a cache lookup once rendered); PermanentFailure if
        it cannot be spoken."""
        try:
            return self.store.render_text(text, language)
        except (UnspeakableText, SpeechEngineError) as exc:
            raise PermanentFailure("prompt", f"the {delivery.purpose} text cannot be spoken: {exc}") from None


def render_action_audio(store, action, free_number, title_language="nl"):
    """Render an action's title and its spoken alert (in every language) at launch, before the
    first call; returns the store key of the alert in `title_language` for Action.alert_prompt."""
    store.render_text(action.title, title_language)
    keys = {language: store.render_text(message_for(action, "voice", "alert", language, free_number),
                                        language).key
            for language in LANGUAGES}
    return keys[title_language]
