"""Spoken calls through Twilio's Calls API: alert and closing calls run the same flow as on Asterisk.

An alert or closing call's TwiML comes from the webhooks (ivr.twiml_runner driving
ivr.alert_flow) when the participant answers, and plays the audio rendered before the call
(voice.action_audio), as Asterisk does; a confirmation code is short enough to travel inline
as <Say>. Each attempt gets an id of ours, committed to the ledger (core.alert_calls.dialling)
before Twilio is asked, and carried in the signed callback URLs: a status callback that
overtakes the worker still finds its attempt, and one of an earlier attempt changes nothing.
Which account, caller ID and calls per second each call uses is twilio_gateway.accounts' choice.
On a trunk that detects answering machines, alert and closing calls ask for Twilio's asynchronous
detection: the flow starts at the answer and a machine's verdict, once its greeting ended, comes to
its own signed callback (webhooks.voice), which puts the voicemail in place of what plays (play_instead).
"""
import logging
import uuid
from typing import Optional

from redis import Redis
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from core import alert_calls, answering_machines
from core.config import default, effective
from core.messages import language_of
from core.models import Delivery, Participant
from core.numbers import is_e164, mask
from core.transports import Attempt, PermanentFailure, SendResult
from twilio_gateway.accounts import PerAccountTransport, TwilioAccounts
from twilio_gateway.callbacks import CALL_STATUS, VOICE_ALERT, VOICE_AMD, callback_url, checked_public_base_url
from core.pacing import Pacer, SendSchedule
from twilio_gateway.errors import SendError, as_core_failure, twilio_request
from twilio_gateway.say import say_language

from .action_audio import ActionAudio

log = logging.getLogger(__name__)

MAX_CALL_S = 600


class TwilioVoiceTransport:
    """A two-phase transport (core.transports): ``record_attempt`` then ``place_attempt``, and
    ``send_direct``, for the voice channel through one account; outcomes arrive as status callbacks."""

    in_database = False
    name = "twilio-voice"

    def __init__(self, client, schedule: SendSchedule, *, caller_id: str, public_base_url: str,
                 account_sid: str, calls_per_s: float, audio=None, amd=None,
                 ring_timeout_s: int = default("VOICE_RING_TIMEOUT_S"),
                 max_pacing_wait_s: float = default("SMS_MAX_PACING_WAIT_S")):
        if not is_e164(caller_id):
            raise ValueError("TWILIO_VOICE_FROM: expected the E.164 Twilio number calls come from")
        if not 5 <= int(ring_timeout_s) <= 600:
            raise ValueError("VOICE_RING_TIMEOUT_S: Twilio accepts 5 to 600 seconds")
        self._client = client
        self.audio = audio  # voice.action_audio.ActionAudio (None: the flow speaks the text with <Say>)
        self.caller_id = caller_id
        self.public_base_url = checked_public_base_url(public_base_url)
        self.ring_timeout_s = int(ring_timeout_s)
        self.amd = answering_machines.twilio_parameters(amd or {})  # empty: no detection
        # Twilio counts calls per second per account, whichever number they come from.
        self.pacer = Pacer(schedule, f"calls:{account_sid}", calls_per_s, max_pacing_wait_s)

    def record_attempt(self, session, delivery, text):
        """In the caller's unit of work: name this call's attempt in the ledger (core.alert_calls.dialling).

        Returns the attempt to place once the caller has committed it (its status callbacks may
        overtake this worker and must find it), or the SendResult to record when there is nothing to
        call any more (the action ended, or the delivery was taken back meanwhile)."""
        attempt = f"tw{uuid.uuid4().hex}"
        prompt = None
        if self.audio is not None and delivery.purpose != "alert":  # the alert was rendered at launch
            language = session.scalar(select(Participant.language).where(Participant.id == delivery.participant_id))
            prompt = self.audio.render(delivery, text, language_of(language)).key
        self.pacer.wait()
        verdict = alert_calls.dialling(session, delivery.id, delivery.claim_token, attempt, prompt=prompt)
        if verdict != "call":
            return SendResult(session.scalar(select(Delivery.provider_ref).where(Delivery.id == delivery.id)),
                              state="sending")
        return Attempt(attempt, prompt)

    def place_attempt(self, session, delivery, attempt):
        """Ask Twilio for the call of a committed attempt; the ledger learns its outcome from the callbacks."""
        detection = {}
        if self.amd:
            detection = {**self.amd, "async_amd_status_callback_method": "POST",
                         "async_amd_status_callback": callback_url(self.public_base_url, VOICE_AMD,
                                                                   delivery=delivery.id, call=attempt.ref)}
        sid = self._create(delivery.to_e164,
                           url=callback_url(self.public_base_url, VOICE_ALERT, delivery=delivery.id, call=attempt.ref),
                           status_callback=callback_url(self.public_base_url, CALL_STATUS,
                                                        delivery=delivery.id, call=attempt.ref), **detection)
        row = session.get(Delivery, delivery.id)  # this session's copy (``delivery`` is the claim's)
        row.detail = {**(row.detail or {}), "call_sid": sid, "placed": True}
        return SendResult(provider_ref=attempt.ref, state="sending")

    def send_direct(self, session, to_e164, text, language="nl"):
        """Call a number and speak ``text`` twice (a confirmation code); returns the CallSid."""
        self.pacer.wait()
        return SendResult(provider_ref=self._create(to_e164, twiml=spoken_twiml(text, language)), state="sent")

    def _create(self, to_e164, *, url: Optional[str] = None, twiml: Optional[str] = None,
                status_callback: Optional[str] = None, **detection):
        """One Calls API request (already paced by the caller); returns the CallSid."""
        if not is_e164(to_e164):
            raise PermanentFailure("invalid", f"not an E.164 number: {mask(str(to_e164))}")
        options = {"to": to_e164, "from_": self.caller_id, "timeout": self.ring_timeout_s,
                   "time_limit": MAX_CALL_S}
        if url:
            options.update(url=url, method="POST")
        else:
            options["twiml"] = twiml
        if status_callback:
            # Only the final status (Twilio's default): it carries completed with CallDuration, busy,
            # no-answer, failed. The answer itself is learnt from the alert flow's webhook.
            options.update(status_callback=status_callback, status_callback_method="POST")
        options.update(detection)
        try:
            with twilio_request(self._client, "call", to_e164):
                call = self._client.calls.create(**options)
        except SendError as error:
            raise as_core_failure(error) from error
        log.info("call to %s placed as %s", mask(to_e164), call.sid)
        return call.sid


def play_instead(client, call_sid, url):
    """Have a live call play the TwiML at `url` instead of what it plays (Twilio's call update); False when
    Twilio refused (the call ended meanwhile, say), which is logged. By URL, not inline: Twilio refuses an
    update whose TwiML is over 4,000 characters, and a voicemail's grows with what it says (the closing text
    as <Say> where it is not rendered, a prompt URL per digit of the code and the free number)."""
    try:
        with twilio_request(client, f"update of call {call_sid}", ""):
            client.calls(call_sid).update(url=url, method="POST")
    except SendError:
        return False
    return True


def spoken_twiml(text, language, repeats=2):
    """TwiML that speaks ``text`` in the participant's language, ``repeats`` times, and hangs up."""
    response = VoiceResponse()
    for n in range(repeats):
        if n:
            response.pause(length=1)
        response.say(text, language=say_language(language))
    response.hangup()
    return str(response)


def make_voice_transport(config, channel="voice"):
    """The transport from the Twilio trunks, TWILIO_* settings, PUBLIC_BASE_URL, TWILIO_CALLS_PER_S and
    VOICE_RING_TIMEOUT_S."""
    if channel != "voice":
        raise ValueError(f"the Twilio voice transport reaches the voice channel, not {channel!r}")
    config = effective(config)
    if not config["PUBLIC_BASE_URL"]:
        raise ValueError("the Twilio voice transport needs PUBLIC_BASE_URL: Twilio fetches the call flow there")
    redis = Redis.from_url(config["REDIS_URL"])
    schedule = SendSchedule(redis, prefix=f"{config['QUEUE_PREFIX']}:twilio-rate")
    audio = ActionAudio(config)

    def build(account, client):
        return TwilioVoiceTransport(
            client, schedule, caller_id=account.from_number or "", public_base_url=config["PUBLIC_BASE_URL"],
            account_sid=account.account_sid, calls_per_s=account.rate_per_s, audio=audio, amd=account.amd,
            ring_timeout_s=int(config["VOICE_RING_TIMEOUT_S"]), max_pacing_wait_s=config["SMS_MAX_PACING_WAIT_S"])
    return TwilioVoiceTransports(TwilioVoiceTransport.name, TwilioAccounts(config, channel), build, audio)


class TwilioVoiceTransports(PerAccountTransport):
    """Each call through its action's account; the action's audio rendered at launch, as for Asterisk."""

    def __init__(self, name, accounts, build, audio):
        super().__init__(name, accounts, build)
        self.audio = audio

    def route(self, session, delivery):
        """The transport of the account this delivery's action calls through (core.jobs asks first)."""
        return self.for_action(session, delivery.action_id)

    def prepare_action(self, session, action):
        self.audio.prepare_action(session, action)
