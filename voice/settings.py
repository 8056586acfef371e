"""The voice side's configuration, read once from the project's config dict.

Keys (defaults in core.config.DEFAULTS):
    AMI_HOST, AMI_PORT, AMI_USER, AMI_SECRET      the Asterisk Manager Interface
    TRUNK_NAME, TRUNK_DIAL_TEMPLATE, TRUNK_CALLER_ID, TRUNK_CHANNEL_LIMIT, TRUNK_CPS
    TRUNK_CHANNEL_VARIABLES  extra channel variables set on every call ({name: value}, or JSON), e.g.
                          what a provider's dialplan expects, or the lab's LAB_LISTEN
    ASTERISK_PROMPT_DIR   PROMPT_DIR as Asterisk sees it (differs when Asterisk runs in a
                          chroot or container); empty: the same path
    VOICE_RING_TIMEOUT_S  how long a participant's phone rings
    CALL_RESPONSE_GRACE_S how much longer an Originate may go without any answer from Asterisk
    CALL_LEASE_S          a trunk channel lease; renewed while the call is up
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from asterisk_conf.model import TrunkConf
from core.config import DEFAULTS



@dataclass(frozen=True)
class VoiceSettings:
    ami_host: str
    ami_port: int
    ami_user: str
    ami_secret: str
    trunk: TrunkConf
    prompt_dir: str  # where this process writes prompts
    asterisk_prompt_dir: str  # the same directory as Asterisk sees it
    ring_timeout_s: float
    response_grace_s: float
    lease_s: float
    channel_variables: dict
    prefix: str  # Redis keys and call ids: several installations share a Redis or an Asterisk

    @classmethod
    def from_config(cls, config) -> VoiceSettings:
        def get(key, kind):
            value = config.get(key, DEFAULTS[key])
            try:
                return kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"{key}={value!r}: expected {kind.__name__}") from None

        trunk = TrunkConf(name=get("TRUNK_NAME", str), dial_template=get("TRUNK_DIAL_TEMPLATE", str),
                          caller_id=get("TRUNK_CALLER_ID", str),
                          channel_limit=get("TRUNK_CHANNEL_LIMIT", int), cps=get("TRUNK_CPS", float))
        settings = cls(
            ami_host=get("AMI_HOST", str), ami_port=get("AMI_PORT", int), ami_user=get("AMI_USER", str),
            ami_secret=get("AMI_SECRET", str), trunk=trunk, prompt_dir=str(config["PROMPT_DIR"]),
            asterisk_prompt_dir=get("ASTERISK_PROMPT_DIR", str) or str(config["PROMPT_DIR"]),
            ring_timeout_s=get("VOICE_RING_TIMEOUT_S", float),
            response_grace_s=get("CALL_RESPONSE_GRACE_S", float), lease_s=get("CALL_LEASE_S", float),
            channel_variables=_channel_variables(config.get("TRUNK_CHANNEL_VARIABLES") or {}),
            prefix=str(config.get("QUEUE_PREFIX", "uitkijk")))
        for name in ("ring_timeout_s", "response_grace_s", "lease_s"):
            if getattr(settings, name) <= 0:
                raise ValueError(f"{name}: must be positive")
        if settings.lease_s <= settings.ring_timeout_s:
            raise ValueError("CALL_LEASE_S must exceed VOICE_RING_TIMEOUT_S (a ringing call holds its lease)")
        return settings

    def asterisk_path(self, prompt_key: str) -> str:
        """A prompt's path without extension as Asterisk opens it (Playback, UITKIJK_FALLBACK)."""
        return str(PurePosixPath(self.asterisk_prompt_dir) / prompt_key)

    def call_id(self, delivery_id: int, attempt: int) -> str:
        """The Uniqueid of a delivery's call attempt: events name it, so they map back.

        Asterisk finds a channel by Uniqueid *prefix* and refuses an Originate whose ChannelId is
        the beginning of a live channel's (`p-1-1` clashes with `p-1-12`): the attempt is written
        with a fixed width, so no call id is ever the beginning of another.
        """
        if not 0 <= attempt <= 999:
            raise ValueError(f"attempt {attempt} out of range 0-999")
        return f"{self.prefix}-{delivery_id}-{attempt:03d}"



_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _channel_variables(value):
    if isinstance(value, str):  # from the environment: a JSON object
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError("TRUNK_CHANNEL_VARIABLES: expected a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError(f"TRUNK_CHANNEL_VARIABLES: expected a mapping, got {type(value).__name__}")
    for name, text in value.items():
        if not isinstance(name, str) or not _VARIABLE.fullmatch(name) or name.startswith("UITKIJK_"):
            raise ValueError(f"TRUNK_CHANNEL_VARIABLES: invalid or reserved variable name {name!r}")
        if "\n" in str(text) or "\r" in str(text):
            raise ValueError(f"TRUNK_CHANNEL_VARIABLES: {name} must not contain a line break")
    return {name: str(text) for name, text in value.items()}
