"""The audio a voice call plays, rendered before the call on every voice back-end.

At launch, the action's spoken alert (every language) is rendered by the voice transport
(render_action_audio) and its title, for the free number's greeting and menu, by TitleAudio,
which the processes register with the core whatever the transport (core.launch_audio); a
closing text is rendered when its call is sent, in the participant's language. Asterisk plays the files, Twilio fetches the same files by URL: both
back-ends' callers hear the same voice.
"""
import logging

from core.models import ControlRoom
from core.transports import PermanentFailure
from core.messages import message_for
from tts_prompts.catalogue import LANGUAGES
from tts_prompts import PromptStore, SpeechEngineError, UnspeakableText

log = logging.getLogger(__name__)


class ActionAudio:
    def __init__(self, config):
        self.store = PromptStore.from_config(config)

    def prepare_action(self, session, action):
        """Speak the alert (every language) before the first call.

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


class TitleAudio:
    """Speaks an action's title as the operator typed it, at launch, in the titles' language
    (IVR_TITLE_LANGUAGE): the free number greets and lists actions by it (ivr.put_through)."""

    def __init__(self, config):
        self.store = PromptStore.from_config(config)
        self.language = config["IVR_TITLE_LANGUAGE"]

    def prepare_action(self, session, action):
        try:
            self.store.render_text(action.title, self.language)
        except (UnspeakableText, SpeechEngineError) as exc:  # the greeting says the code instead
            log.error("action %s: the title cannot be spoken: %s", action.id, exc)


def render_action_audio(store, action, free_number, language="nl"):
    """Render an action's spoken alert (in every language) at launch, before the first call;
    returns the store key of the alert in `language` for Action.alert_prompt."""
    keys = {each: store.render_text(message_for(action, "voice", "alert", each, free_number), each).key
            for each in LANGUAGES}
    return keys[language]
