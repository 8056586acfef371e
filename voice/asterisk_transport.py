"""The "asterisk" voice transport: spoken calls through Asterisk, paced by the trunk's limits.

`prepare_action` speaks the action's alert at launch, so no call waits for TTS.
`send` checks the number, finds the rendered prompt (a cache lookup; a closing text is
rendered by its first send, at end time) and hands the call to the trunk's queue of
waiting calls. The call-events service (voice.call_events) places it as soon as a channel
and an originate tick are free, and writes its outcome to the ledger through
core.alert_calls; until then the delivery stays "sending".
"""
from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

from core import answering_machines
from core.asterisk_values import check_dial_string
from core.configuration import trunk_for_room
from core.messages import language_of
from core.models import Action, ControlRoom, Participant
from core.numbers import mask
from core.transports import PermanentFailure, SendResult, TransientFailure

from tts_prompts import SpeechEngineError, UnspeakableText

from .action_audio import ActionAudio
from .call_audio import CallAudio
from .call_queue import NORMAL, URGENT, CallQueue, PendingCall
from .settings import VoiceSettings
from .trunks import calling_trunk

log = logging.getLogger(__name__)


class AsteriskVoiceTransport:
    """Reaches landlines with a spoken call through Asterisk (AMI Originate into uitkijk-alert)."""

    name = "asterisk"
    in_database = False

    def __init__(self, config, channel="voice", redis=None):
        if channel != "voice":
            raise ValueError(f"the asterisk transport carries voice, not {channel!r}")
        self.channel = channel
        self.settings = VoiceSettings.from_config(config)
        self.audio = ActionAudio(config)
        self.call_audio = CallAudio.from_settings(self.settings, config["TTS_ENGINE"])
        self.redis = redis or Redis.from_url(config["REDIS_URL"])
        self.queue = CallQueue(self.redis, self.settings.prefix)

    # -- launch time ------------------------------------------------------
    def prepare_action(self, session, action):
        """Speak the alert (every language) and the title before the first call (voice.action_audio)."""
        self.audio.prepare_action(session, action)

    # -- a job sends ------------------------------------------------------
    def send(self, session, delivery, text):
        """Queue one call for the dispatcher; the outcome arrives later ("sending")."""
        language = language_of(session.get(Participant, delivery.participant_id).language)
        prompt = self.audio.render(delivery, text, language)
        action = session.get(Action, delivery.action_id)
        row, trunk = self._trunk(session, action.control_room_id)
        dial = _dial_string(trunk, delivery.to_e164)
        call_id = self.settings.call_id(delivery.id, delivery.attempts)
        # UITKIJK_CALL names the attempt, so the flow's facts reach the ledger only for this one.
        variables = {**self.settings.channel_variables, "UITKIJK_DELIVERY": delivery.id, "UITKIJK_CALL": call_id,
                     "UITKIJK_FALLBACK": self.settings.asterisk_path(prompt.key), "UITKIJK_PROMPT": prompt.key}
        # The trunk's answering-machine detection, on alert and closing calls alike (a machine gets either once).
        variables.update(answering_machines.asterisk_variables(
            answering_machines.stored(row.settings if row else None, "asterisk")))
        control_room = session.get(ControlRoom, action.control_room_id).general_line
        if control_room:
            try:
                variables["UITKIJK_CONTROL_ROOM"] = check_dial_string(control_room)
            except ValueError:
                log.warning("control room %s: general line is not a dial string; the default is used",
                            action.control_room_id)
        call = PendingCall(
            call_id=call_id, trunk=trunk.name,
            channel=dial, caller_id=trunk.caller_id, variables=variables,
            delivery_id=delivery.id, claim_token=delivery.claim_token,
            priority=URGENT if action.time_critical and delivery.purpose == "alert" else NORMAL)
        self._push(call)
        log.debug("%s call for delivery %s to %s waits for a trunk slot", delivery.purpose, delivery.id,
                  mask(delivery.to_e164))
        return SendResult(provider_ref=call.call_id, state="sending")

    def send_direct(self, session, to_e164, text, delivery_id=None, language="nl"):
        """A call outside any action (a confirmation code): plays the text twice, spoken in the
        participant's language, and hangs up. The audio is this call's own (voice.call_audio),
        not a prompt: the call service deletes it when the call ends."""
        _, trunk = self._trunk(session, None)
        dial = _dial_string(trunk, to_e164)
        try:
            audio = self.call_audio.speak(text, language_of(language))
        except (UnspeakableText, SpeechEngineError) as exc:
            raise PermanentFailure("prompt", f"the message cannot be spoken: {exc}") from None
        path = self.call_audio.asterisk_path(audio)
        call = PendingCall(call_id=f"{self.settings.prefix}-m{self.redis.incr(f'{self.settings.prefix}:voice:direct'):012d}",
                           trunk=trunk.name, channel=dial, caller_id=trunk.caller_id,
                           playback=f"{path}&{path}", audio_file=str(audio), priority=URGENT)
        try:
            self._push(call)
        except TransientFailure:
            self.call_audio.remove(audio)
            raise
        return SendResult(provider_ref=call.call_id, state="sending")

    def _trunk(self, session, control_room_id):
        """(row or None, TrunkConf): the trunk this room's calls leave through (voice.trunks); the
        configured one by default."""
        row = trunk_for_room(session, "asterisk", control_room_id)
        return row, calling_trunk(row) if row else self.settings.trunk

    def _push(self, call):
        try:
            self.queue.push(call)
        except RedisError as exc:  # the job backs off and tries again
            raise TransientFailure(f"call queue unavailable: {exc.__class__.__name__}", retry_after=5) from None


def _dial_string(trunk, to_e164):
    try:
        return trunk.dial_string(to_e164)
    except ValueError:
        raise PermanentFailure("number", f"trunk {trunk.name} cannot dial this number") from None


def factory(config, channel):
    """core.transports.TRANSPORTS["voice"] entry "asterisk"."""
    return AsteriskVoiceTransport(config, channel)
