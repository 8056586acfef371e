"""What the TwiML runner keeps of a call between webhooks: one JSON record per CallSid in Redis
(the flow, its state, the last TwiML sent), and the steps still to play after an interruptible Say."""
import dataclasses
import json

from .steps import Dial, DialTarget, Gather, Hangup, KeypadChoice, Record, Say, SaveTip, Spoken

RECORD_TTL_S = 4 * 3600


class CallRecords:
    """One JSON record per CallSid in Redis: the flow, its state and the last TwiML sent."""

    def __init__(self, redis, prefix):
        self.redis = redis
        self.prefix = prefix

    def _key(self, call_sid):
        return f"{self.prefix}:twilio-call:{call_sid}"

    def load(self, call_sid):
        raw = self.redis.get(self._key(call_sid))
        return json.loads(raw) if raw else None

    def save(self, call_sid, record):
        self.redis.set(self._key(call_sid), json.dumps(record), ex=RECORD_TTL_S)

    def delete(self, call_sid):
        self.redis.delete(self._key(call_sid))


_STEP_TYPES = {cls.__name__: cls for cls in (Say, Gather, Dial, DialTarget, Record, SaveTip, KeypadChoice, Hangup,
                                             Spoken)}


def encode_steps(value):
    """Steps as JSON (for the rest of a batch after an interruptible Say)."""
    if dataclasses.is_dataclass(value):
        return {"_": type(value).__name__,
                **{f.name: encode_steps(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [encode_steps(item) for item in value]
    return value


def decode_steps(value):
    if isinstance(value, dict) and "_" in value:
        fields = {name: decode_steps(item) for name, item in value.items() if name != "_"}
        return _STEP_TYPES[value["_"]](**fields)
    if isinstance(value, list):
        return tuple(decode_steps(item) for item in value)
    return value
