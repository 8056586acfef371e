"""The "per-room" voice transport: each control room's calls go out through the back-end its admin
chose (ControlRoom.voice_backend: "asterisk" or "twilio"); both can be configured at once.

The router only chooses: the ledger records the transport that really sent (core.jobs asks
`route` first), and each back-end's outcomes reach the ledger its own way (AMI events through
voice.call_events, Twilio's status callbacks through webhooks.voice).
"""
from __future__ import annotations

import importlib
import threading

from sqlalchemy import select

from core.models import Action, ControlRoom
from core.transports import TRANSPORTS

# The back-ends a room may choose: the voice transports of the core's registry that place calls.
BACKENDS = {name: TRANSPORTS["voice"][name] for name in ("asterisk", "twilio")}
# A confirmation call belongs to no control room: it takes this back-end.
DIRECT_BACKEND_KEY = "VOICE_DIRECT_BACKEND"


class RoomVoiceRouter:
    """Chooses, per delivery, the voice transport of the action's control room."""

    name = "per-room"
    in_database = False

    def __init__(self, config, channel="voice"):
        if channel != "voice":
            raise ValueError(f"the per-room transport carries voice, not {channel!r}")
        self.channel = channel
        self._config = config
        self._transports: dict = {}
        self._lock = threading.Lock()
        direct = config[DIRECT_BACKEND_KEY]
        if direct not in BACKENDS:
            raise ValueError(f"{DIRECT_BACKEND_KEY}={direct!r}: expected one of {', '.join(BACKENDS)}")
        self._direct = direct

    def backend(self, name):
        """The transport of one back-end, built the first time a room needs it (a missing
        credential then fails that room's sends, not the others')."""
        with self._lock:
            if name not in self._transports:
                module, factory = BACKENDS[name].split(":")
                self._transports[name] = getattr(importlib.import_module(module), factory)(self._config, "voice")
            return self._transports[name]

    def _room_backend(self, session, action_id):
        return session.scalar(select(ControlRoom.voice_backend).join(Action, Action.control_room_id == ControlRoom.id)
                              .where(Action.id == action_id))

    def route(self, session, delivery):
        """The transport that sends this delivery."""
        return self.backend(self._room_backend(session, delivery.action_id) or self._direct)

    def prepare_action(self, session, action):
        transport = self.backend(session.get(ControlRoom, action.control_room_id).voice_backend)
        prepare = getattr(transport, "prepare_action", None)
        if prepare:
            prepare(session, action)

    def send_direct(self, session, to_e164, text, language="nl"):
        return self.backend(self._direct).send_direct(session, to_e164, text, language=language)


def factory(config, channel):
    """core.transports.TRANSPORTS["voice"] entry "per-room"."""
    return RoomVoiceRouter(config, channel)
