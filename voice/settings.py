"""The voice side's configuration, read once from the project's config dict.

Keys (typed, with their defaults, in core.config.SCHEMA):
    AMI_HOST, AMI_PORT, AMI_USER, AMI_SECRET      the Asterisk Manager Interface
    TRUNK_NAME, TRUNK_DIAL_TEMPLATE, TRUNK_CALLER_ID, TRUNK_CHANNEL_LIMIT, TRUNK_CPS
    TRUNK_CHANNEL_VARIABLES  extra channel variables set on every call ({name: value}, or JSON), e.g.
                          what a provider's dialplan expects, or the lab's LAB_LISTEN
    ASTERISK_PROMPT_DIR   PROMPT_DIR as Asterisk sees it (differs when Asterisk runs in a
                          chroot or container); empty: the same path
    CALL_AUDIO_DIR, ASTERISK_CALL_AUDIO_DIR  single calls' own audio (voice.call_audio), and
                          where Asterisk sees it
    VOICE_RING_TIMEOUT_S  how long a participant's phone rings
    CALL_RESPONSE_GRACE_S how much longer an Originate may go without any answer from Asterisk
    CALL_LEASE_S          a trunk channel lease; renewed while the call is up
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.asterisk_values import TrunkConf
from core.config import default, effective



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
    call_audio_dir: str = default("CALL_AUDIO_DIR")  # single calls' own audio (voice.call_audio)
    asterisk_call_audio_dir: str = ""  # the same directory as Asterisk sees it; empty: the same path

    @classmethod
    def from_config(cls, config) -> VoiceSettings:
        config = effective(config)
        trunk = TrunkConf(name=config["TRUNK_NAME"], dial_template=config["TRUNK_DIAL_TEMPLATE"],
                          caller_id=config["TRUNK_CALLER_ID"], channel_limit=config["TRUNK_CHANNEL_LIMIT"],
                          cps=config["TRUNK_CPS"])
        settings = cls(
            ami_host=config["AMI_HOST"], ami_port=config["AMI_PORT"], ami_user=config["AMI_USER"],
            ami_secret=config["AMI_SECRET"], trunk=trunk, prompt_dir=config["PROMPT_DIR"],
            asterisk_prompt_dir=config["ASTERISK_PROMPT_DIR"] or config["PROMPT_DIR"],
            ring_timeout_s=config["VOICE_RING_TIMEOUT_S"], response_grace_s=config["CALL_RESPONSE_GRACE_S"],
            lease_s=config["CALL_LEASE_S"], channel_variables=_channel_variables(config["TRUNK_CHANNEL_VARIABLES"]),
            prefix=config["QUEUE_PREFIX"], call_audio_dir=config["CALL_AUDIO_DIR"],
            asterisk_call_audio_dir=config["ASTERISK_CALL_AUDIO_DIR"])
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
    for name, text in value.items():
        if not isinstance(name, str) or not _VARIABLE.fullmatch(name) or name.startswith("UITKIJK_"):
            raise ValueError(f"TRUNK_CHANNEL_VARIABLES: invalid or reserved variable name {name!r}")
        if "\n" in str(text) or "\r" in str(text):
            raise ValueError(f"TRUNK_CHANNEL_VARIABLES: {name} must not contain a line break")
    return {name: str(text) for name, text in value.items()}
