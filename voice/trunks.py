"""The Asterisk trunks admins configure (core.models.Trunk), as the voice side uses them.

A control room's alert calls leave through its own enabled Asterisk trunk, else through an
enabled Asterisk trunk shared by every room (no control room set), else through the trunk of
the configuration (TRUNK_* and AMI_* keys): one way out is always defined. Each trunk row
names its Asterisk (AMI) and its limits, so the call service runs one dispatcher per trunk.
Asterisk's configuration is rendered from these trunks and the operators with a softphone.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from asterisk_conf import AsteriskSettings, render_config
from core.asterisk_values import OperatorConf, TrunkConf
from core import secrets
from core.configuration import trunk_secret
from core.models import Operator, Trunk

from .settings import VoiceSettings


def enabled_asterisk_trunks(session) -> list[Trunk]:
    return list(session.scalars(select(Trunk).where(Trunk.backend == "asterisk", Trunk.enabled.is_(True))
                                .order_by(Trunk.name)))


def calling_trunk(row: Trunk) -> TrunkConf:
    """What placing a call needs of the row: its name, dial template, caller ID and limits."""
    return TrunkConf(name=row.name, dial_template=row.dial_template, caller_id=row.caller_id,
                     channel_limit=row.channel_limit, cps=row.calls_per_second)


def trunk_conf(row: Trunk, config) -> TrunkConf:
    """The row as pjsip.conf needs it: with its SIP peer and the password revealed (for rendering only)."""
    stored = row.settings or {}
    return dataclasses.replace(
        calling_trunk(row), caller_id=row.caller_id.lstrip("+"), sip_host=stored.get("sip_host"),
        sip_port=stored.get("sip_port") or 5060, username=stored.get("username"),
        password=trunk_secret(row, "password", config) if stored.get("password") else None,
        register=bool(stored.get("register")))


def voice_settings(row: Trunk | None, config, base: VoiceSettings | None = None) -> VoiceSettings:
    """The settings of calls through `row`'s Asterisk and trunk (the configured ones for None)."""
    base = base or VoiceSettings.from_config(config)
    if row is None:
        return base
    stored = row.settings or {}
    return dataclasses.replace(
        base, trunk=calling_trunk(row), ami_host=stored.get("ami_host") or base.ami_host,
        ami_port=int(stored.get("ami_port") or base.ami_port), ami_user=stored.get("ami_user") or base.ami_user,
        ami_secret=trunk_secret(row, "ami_secret", config) if stored.get("ami_secret") else base.ami_secret)


def softphone_conf(row: Operator, config) -> OperatorConf:
    """A softphone operator as asterisk_conf's OperatorConf: the endpoint its dial string names, with
    the SIP password revealed (for rendering pjsip.conf only). Errors name the operator, not the password."""
    try:
        password = secrets.reveal(config, row.sip_secret)
    except secrets.SecretUnavailable as exc:
        raise secrets.SecretUnavailable(f"operator {row.name}: SIP password unavailable: {exc}") from None
    try:
        return OperatorConf(name=row.dial_string.removeprefix("PJSIP/"), dial_string=row.dial_string,
                            sip_password=password)
    except ValueError:
        raise ValueError(f"operator {row.name}: a softphone needs dial string PJSIP/<endpoint> and a SIP "
                         "password of 8 to 128 printable characters without spaces or ';'") from None


def asterisk_objects(session, config) -> tuple[list[TrunkConf], list[OperatorConf]]:
    """What Asterisk's configuration is rendered from: the enabled Asterisk trunks, and the operators
    with a softphone (the others are dialled by their dial strings and need no endpoint)."""
    trunks = [trunk_conf(row, config) for row in enabled_asterisk_trunks(session)]
    rows = session.scalars(select(Operator).where(Operator.sip_secret.is_not(None)).order_by(Operator.id))
    return trunks, [softphone_conf(row, config) for row in rows]


def render_asterisk_config(session, config, target_dir, fallback_destination):
    """Write Asterisk's configuration for this installation into `target_dir`: AMI and FastAGI from
    the configuration, a PJSIP endpoint per enabled SIP trunk and per softphone operator admins configured."""
    settings = AsteriskSettings(
        ami_secret=config["AMI_SECRET"], fallback_destination=fallback_destination,
        ami_host=config["AMI_HOST"], ami_port=config["AMI_PORT"], ami_user=config["AMI_USER"],
        agi_host=config["AGI_HOST"], agi_port=config["AGI_PORT"],
        agi_fallback_host=config["AGI_FALLBACK_HOST"], agi_fallback_port=config["AGI_PORT"],
        sound_dir=config["ASTERISK_SOUND_DIR"], instance_dir=config["ASTERISK_INSTANCE_DIR"])
    trunks, operators = asterisk_objects(session, config)
    return render_config(Path(target_dir), settings, trunks, operators)
