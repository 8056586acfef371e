"""Erasing a participant everywhere (leaving, or staff deleting them), and keeping only what statistics need.

What goes: the participant row, their numbers, locations and confirmation records, mail preferences,
the outbox copies of what was sent to them, their tips (text and recording file), their replies to
neighbourhood mail (and the photos' files). What stays, with nothing that names them: each delivery
row (an action's counts per channel and state) without participant, number, address or provider
reference, and each call to the free number (waits and outcomes) without the caller's number.
A delivery still waiting to go is cancelled, so nothing more is sent to them.

The ledger has no foreign keys to the register (on PostgreSQL each row written checked and locked its
participant's and number's rows: 40 % of writing a national ledger), so an erasure and the transactions
that write deliveries for participants keep apart by a lock instead: a writer holds it shared (hold_off_erasure)
from before it reads whom to write for until it commits, an erasure holds it alone. A writer that comes after an
erasure reads the register without them; one before it is waited for, and its rows are erased with the rest.
SQLite needs none of it: a writing transaction there holds the whole database (core.db begins them IMMEDIATE).
"""
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update

from .models import (Delivery, InboundCall, InquiryReply, MailPreference, NumberConfirmation, OutboxMessage,
                     Participant, ParticipantLocation, PhoneNumber, Tip)

log = logging.getLogger(__name__)
PENDING = ("queued", "sending")
# What a delivery's detail keeps for the figures (core.alert_calls); call ids and the attempts' history go.
STATISTICS = ("answered_at", "on_line_s", "listened_s", "cause", "key", "alert_plays", "routed_to")
# The PostgreSQL advisory lock between erasures and the writers of deliveries ("uitk").
ERASURE_LOCK = 0x7569746B


def hold_off_erasure(session):
    """Keep erasures out until this transaction ends: call it before reading whom to write deliveries for."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock_shared(ERASURE_LOCK)))


def _exclude_writers(session):
    """Wait for the transactions writing deliveries to end, and keep new ones out until this one ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ERASURE_LOCK)))


@dataclass(frozen=True)
class FileDirs:
    """Where the files a participant can leave behind are kept."""

    recordings: str | None = None
    photos: str | None = None

    @classmethod
    def from_config(cls, config):
        return cls(config.get("RECORDINGS_DIR"), config.get("MAIL_PHOTO_DIR"))


@dataclass
class Identity:
    """What identifies a participant in rows that do not point at them by id."""

    participant_id: int
    numbers: list
    addresses: list
    delivery_ids: list
    call_ids: list


def identity(session, participant_id):
    participant = session.get(Participant, participant_id)
    numbers = list(session.scalars(select(PhoneNumber.e164).where(PhoneNumber.participant_id == participant_id)))
    preference = session.get(MailPreference, participant_id)
    addresses = {participant.email if participant else None}
    if preference is not None:
        addresses |= {preference.confirmed_address, preference.bounced_address}
    addresses.discard(None)
    delivery_ids = list(session.scalars(select(Delivery.id).where(Delivery.participant_id == participant_id)))
    mine = InboundCall.participant_id == participant_id
    calls = select(InboundCall.id).where(or_(mine, InboundCall.caller_e164.in_(numbers)) if numbers else mine)
    return Identity(participant_id, numbers, sorted(addresses), delivery_ids, list(session.scalars(calls)))


def tips_of(session, who):
    """The participant's tips: left on their calls, or sent from their numbers."""
    clauses = []
    if who.call_ids:
        clauses.append(Tip.inbound_call_id.in_(who.call_ids))
    if who.numbers:
        clauses.append(Tip.from_e164.in_(who.numbers))
    return list(session.scalars(select(Tip).where(or_(*clauses)).order_by(Tip.id))) if clauses else []


def replies_of(session, who):
    clauses = [InquiryReply.participant_id == who.participant_id]
    if who.delivery_ids:
        clauses.append(InquiryReply.delivery_id.in_(who.delivery_ids))
    return list(session.scalars(select(InquiryReply).where(or_(*clauses)).order_by(InquiryReply.id)))


def _outbox_clause(who):
    clauses = []
    if who.delivery_ids:
        clauses.append(OutboxMessage.delivery_id.in_(who.delivery_ids))
    if who.numbers:
        clauses.append(OutboxMessage.to_e164.in_(who.numbers))
    if who.addresses:
        clauses.append(OutboxMessage.to_address.in_(who.addresses))
    return or_(*clauses) if clauses else None


def outbox_of(session, who):
    clause = _outbox_clause(who)
    return list(session.scalars(select(OutboxMessage).where(clause).order_by(OutboxMessage.id))) if clause is not None else []


def _remove_file(directory, name):
    """Delete `name` inside `directory` (never outside it); a file already gone is fine."""
    if not directory or not name or "://" in name:
        return
    root = Path(directory).resolve()
    path = (root / name).resolve()
    if root in path.parents:
        path.unlink(missing_ok=True)


def erase_participant(session, participant_id, dirs=FileDirs()):
    """Erase everything that names `participant_id` (see the module's docstring). Files are deleted at
    once; the rows go with the caller's commit."""
    _exclude_writers(session)
    who = identity(session, participant_id)
    for tip in tips_of(session, who):
        _remove_file(dirs.recordings, tip.recording)
        session.delete(tip)
    for reply in replies_of(session, who):
        for photo in reply.photos:
            _remove_file(dirs.photos, photo.filename)
        session.delete(reply)
    session.flush()
    outbox = _outbox_clause(who)
    if outbox is not None:
        session.execute(delete(OutboxMessage).where(outbox))
    if who.call_ids:
        session.execute(update(InboundCall).where(InboundCall.id.in_(who.call_ids))
                        .values(caller_e164=None, participant_id=None))
    session.execute(update(Delivery).where(Delivery.participant_id == participant_id, Delivery.state.in_(PENDING))
                    .values(state="cancelled", error="participant left"))
    for delivery in session.scalars(select(Delivery).where(Delivery.participant_id == participant_id)):
        delivery.participant_id = delivery.phone_number_id = delivery.to_address = None
        delivery.provider_ref = delivery.claim_token = None
        delivery.to_e164 = ""
        delivery.detail = {k: v for k, v in (delivery.detail or {}).items() if k in STATISTICS} or None
    session.flush()
    number_ids = select(PhoneNumber.id).where(PhoneNumber.participant_id == participant_id)
    session.execute(delete(NumberConfirmation).where(NumberConfirmation.phone_number_id.in_(number_ids)))
    session.execute(delete(PhoneNumber).where(PhoneNumber.participant_id == participant_id))
    session.execute(delete(ParticipantLocation).where(ParticipantLocation.participant_id == participant_id))
    session.execute(delete(MailPreference).where(MailPreference.participant_id == participant_id))
    session.execute(delete(Participant).where(Participant.id == participant_id))
    session.expire_all()
    log.info("participant %s erased: %d deliveries kept without identity, %d calls", participant_id,
             len(who.delivery_ids), len(who.call_ids))
