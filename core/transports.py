"""Transports reach a participant on one channel. Console transports write to the outbox table.

A transport never commits: the caller (core.jobs) owns the unit of work. A transport's `send`
runs inside the ledger transaction of the delivery it sends, so a console send and the
delivery's new state commit together: exactly once.

A transport whose provider may answer before the request returns (a call's status callbacks)
is two-phase instead: `record_attempt(session, delivery, text)` names the attempt in the
ledger and returns an `Attempt` (or the `SendResult` to record when there is nothing to send
any more); the caller commits, then `place_attempt(session, delivery, attempt)` asks the
provider. A callback that overtakes the worker thus finds its attempt, and a unit of work that
fails before the commit leaves nothing behind.
"""
import importlib
import logging
from dataclasses import dataclass

from sqlalchemy import Integer, String, Text, insert, literal, select

from .alert_mail import AlertMailTransport
from .ledger import unnested
from .models import OutboxMessage, utcnow
from .numbers import mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    provider_ref: str | None
    # "sent" when the provider took it; "sending" when the outcome arrives later (calls in progress);
    # "answered" for a console call (see ConsoleTransport).
    state: str = "sent"


@dataclass(frozen=True)
class Attempt:
    """An attempt a two-phase transport recorded; the caller commits it before it is placed."""

    ref: str
    prompt: str | None = None


class PermanentFailure(Exception):
    """The message can never be delivered to this number (invalid, unsubscribed); do not retry."""

    def __init__(self, code, reason):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class HardBounce(PermanentFailure):
    """The receiving side refused the address itself (5xx at RCPT, or a DSN): stop mailing it."""


class TransientFailure(Exception):
    """Try again later, not before `retry_after` seconds."""

    def __init__(self, reason, retry_after=None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class ConsoleTransport:
    """Writes the message into the outbox instead of a phone network (the default, like a console mail backend)."""

    # Sending is a row in the ledger's own database, so a batch of sends can share one transaction
    # (and one statement: send_many).
    in_database = True

    def __init__(self, channel):
        self.channel = channel
        self.name = f"console-{channel}"
        # A console call is its message in the outbox, as if the participant answered and listened: "answered"
        # (reached), which a network call only becomes once its events say so; a placed call alone is "sent".
        self.taken_state = "answered" if channel == "voice" else "sent"

    def send(self, session, delivery, text):
        """Send one ledger delivery."""
        return self.send_many(session, [(delivery, text)])[0]

    def send_many(self, session, batch):
        """Send [(delivery, text)] with one statement for all their outbox rows; a SendResult each, in order."""
        now = utcnow()
        if session.bind.dialect.name == "postgresql":
            ids = _outbox_from_arrays(session, self, batch, now)
        else:
            ids = session.scalars(
                insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
                [dict(delivery_id=delivery.id, transport=self.name, channel=self.channel, to_e164=delivery.to_e164,
                      body=text, created_at=now) for delivery, text in batch]).all()
        for delivery, _ in batch:
            log.debug("%s: %s delivery %s to %s", self.name, delivery.purpose, delivery.id, mask(delivery.to_e164))
        return [SendResult(provider_ref=f"outbox-{row_id}", state=self.taken_state) for row_id in ids]

    def send_direct(self, session, to_e164, text, delivery_id=None, language=None):
        """Send a message that is not part of an action (a sign-up confirmation code); the outbox
        holds the text, whatever its language."""
        row = OutboxMessage(delivery_id=delivery_id, transport=self.name, channel=self.channel,
                            to_e164=to_e164, body=text)
        session.add(row)
        session.flush()
        return SendResult(provider_ref=f"outbox-{row.id}", state=self.taken_state)


def _outbox_from_arrays(session, transport, batch, now):
    """The batch's outbox rows by one INSERT ... SELECT from arrays (PostgreSQL): a statement whose text is the
    same for every batch, where a multi-row VALUES was a new text of 600 parameters to parse each time.
    Returns their ids in the batch's order (a batch names each delivery once)."""
    table = OutboxMessage.__table__
    given, params = unnested("given", delivery_id=(Integer, [delivery.id for delivery, _ in batch]),
                             to_e164=(String, [delivery.to_e164 for delivery, _ in batch]),
                             body=(Text, [text for _, text in batch]))
    rows = select(given.c.delivery_id, literal(transport.name), literal(transport.channel), given.c.to_e164,
                  given.c.body, literal(now, table.c.created_at.type))
    written = dict((delivery_id, row_id) for row_id, delivery_id in session.execute(
        insert(table).from_select(("delivery_id", "transport", "channel", "to_e164", "body", "created_at"), rows)
        .returning(table.c.id, table.c.delivery_id), params))
    return [written[delivery.id] for delivery, _ in batch]


# A registry: channel -> transport name -> "module:factory", imported only when configured, so the core
# imports no channel package (the import contracts forbid it) and a channel never reaches another's.
TRANSPORTS = {
    "voice": {
        "console": None,
        "twilio": "voice.twilio_transport:make_voice_transport",
        "asterisk": "voice.asterisk_transport:factory",
        # Voice through each control room's own back-end (asterisk or twilio).
        "per-room": "voice.room_router:factory",
    },
    "sms": {
        "console": None,
        "twilio": "sms.transport:make_sms_transport",
    },
}


# MAIL_TRANSPORT -> "module:factory"; both live in mail/, which renders the core's mail contents.
MAIL_TRANSPORTS = {
    "console": "mail.transport:console_transport",
    "smtp": "mail.transport:smtp_transport",
}


def _factory(spec):
    module, factory = spec.split(":")
    return getattr(importlib.import_module(module), factory)


def transport_for(rt, session, delivery):
    """The transport that sends `delivery`: its channel's, or the one its routers pick for it (a
    control room's back-end, then the account it calls through). An alert by e-mail goes through the mail
    transport (core.alert_mail)."""
    if delivery.channel == "email":
        return AlertMailTransport(rt.transports["email"], rt.config)
    transport = rt.transports[delivery.channel]
    while (route := getattr(transport, "route", None)) is not None:
        transport = route(session, delivery)
    return transport


def build_transports(config):
    transports = {}
    for channel, key in (("voice", "VOICE_TRANSPORT"), ("sms", "SMS_TRANSPORT")):
        name, known = config[key], TRANSPORTS[channel]
        if name not in known:
            raise ValueError(f"{key}={name!r}: unknown transport (known: {', '.join(known)})")
        if known[name] is None:
            transports[channel] = ConsoleTransport(channel)
        else:
            transports[channel] = _factory(known[name])(config, channel)
    name = config.get("MAIL_TRANSPORT", "console")
    if name not in MAIL_TRANSPORTS:
        raise ValueError(f"MAIL_TRANSPORT={name!r}: unknown transport (known: {', '.join(MAIL_TRANSPORTS)})")
    transports["email"] = _factory(MAIL_TRANSPORTS[name])(config)
    return transports
