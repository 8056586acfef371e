"""SQLAlchemy models: the participant register, actions and the delivery ledger."""
from datetime import datetime, time, timezone

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
    String, Text, Time, TypeDecorator, UniqueConstraint, event, false, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import reach_points


def utcnow():
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Municipality(Base):
    __tablename__ = "municipalities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    # A stable key from the registering system (or a CSV); re-importing the same row updates, never duplicates.
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A test or staff participant: the only one an exercise reaches.
    test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Self-service links signed before this moment no longer open (revoked by staff or the participant).
    links_revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    numbers: Mapped[list["PhoneNumber"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="PhoneNumber.id")
    locations: Mapped[list["ParticipantLocation"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="ParticipantLocation.id")
    municipality: Mapped[Municipality | None] = relationship()
    mail_preference: Mapped["MailPreference | None"] = relationship(viewonly=True)


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # landline | mobile
    channel: Mapped[str] = mapped_column(String(5))  # voice | sms: how this number is reached
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    unsubscribed: Mapped[bool] = mapped_column(Boolean, default=False)

    participant: Mapped[Participant] = relationship(back_populates="numbers")


class ParticipantLocation(Base):
    """A home or work location, with the grid cell the spatial index searches by."""

    __tablename__ = "participant_locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(4))  # home | work
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    cell: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    # Filled when the position came from an address (core.geocoding): the postcode and house number as
    # given, and the CBS neighbourhood (wijk, buurt) the dashboard counts by.
    postcode: Mapped[str | None] = mapped_column(String(6))
    house_number: Mapped[str | None] = mapped_column(String(16))  # "12", "12A", "12-2", "12A-2"
    wijk_code: Mapped[str | None] = mapped_column(String(10))
    buurt_code: Mapped[str | None] = mapped_column(String(12))

    participant: Mapped[Participant] = relationship(back_populates="locations")

    __table_args__ = (
        UniqueConstraint("participant_id", "kind"),
        # Covering index: an area query reads cell ranges and never touches the table.
        Index("ix_location_cell_cover", "cell", "lat", "lon", "participant_id"),
    )


class Address(Base):
    """One address of the offline address table, imported from a BAG extract (core.address_import).

    The key is the BAG's own: postcode, house number, house letter and addition ("" when absent, so
    the unique constraint holds on every database). `street_key` and `city_key` are the names
    folded for lookup (core.address_input.fold): no case, accents, spaces or punctuation.
    """

    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    postcode: Mapped[str] = mapped_column(String(6))
    house_number: Mapped[int] = mapped_column(Integer)
    house_letter: Mapped[str] = mapped_column(String(1), default="")
    addition: Mapped[str] = mapped_column(String(4), default="")
    street: Mapped[str] = mapped_column(String(80))
    city: Mapped[str] = mapped_column(String(80))
    street_key: Mapped[str] = mapped_column(String(80))
    city_key: Mapped[str] = mapped_column(String(80))
    municipality_code: Mapped[str | None] = mapped_column(String(6))  # CBS: GM0363
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    wijk_code: Mapped[str | None] = mapped_column(String(10))  # CBS: WK036300
    wijk_name: Mapped[str | None] = mapped_column(String(80))
    buurt_code: Mapped[str | None] = mapped_column(String(12))  # CBS: BU03630000
    buurt_name: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        UniqueConstraint("postcode", "house_number", "house_letter", "addition", name="ux_address_key"),
        Index("ix_address_street", "city_key", "street_key", "house_number"),
        Index("ix_address_wijk", "wijk_code"),
        Index("ix_address_position", "lat", "lon"),  # the nearest address to a point (core.geocoding)
    )


class ReachPoint(Base):
    """A location of an active participant with one usable number, or with the address of their alerts by
    e-mail (channel "email", no number): what a launch reads (core.reach_points keeps it by triggers and
    indexes it spatially)."""

    __tablename__ = "reach_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(Integer)
    phone_number_id: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    cell: Mapped[int] = mapped_column(Integer, index=True)
    e164: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(5))
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    address: Mapped[str | None] = mapped_column(String(254))  # an "email" point's confirmed address

    # A participant's points (what the triggers rewrite), and with the channel the count of a national alert's
    # recipients read from the index alone (core.selection.count_recipients: 0.6 s among 2,000,000, not 7 s).
    __table_args__ = (Index("ix_reach_points_participant", "participant_id", "channel"),)


def _reach_points_created(metadata, connection, tables=(), **kw):
    if ReachPoint.__table__ in tables:  # after every table: the triggers name the register's tables
        reach_points.install(connection)


def _reach_points_dropped(metadata, connection, tables=(), **kw):
    if ReachPoint.__table__ in tables:
        reach_points.uninstall(connection)


event.listen(Base.metadata, "after_create", _reach_points_created)
event.listen(Base.metadata, "before_drop", _reach_points_dropped)


class ControlRoom(Base):
    __tablename__ = "control_rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    free_number: Mapped[str] = mapped_column(String(32))
    general_line: Mapped[str | None] = mapped_column(String(120))  # dial string
    voice_backend: Mapped[str] = mapped_column(String(10), default="asterisk")  # asterisk | twilio


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(primary_key=True)
    control_room_id: Mapped[int] = mapped_column(ForeignKey("control_rooms.id"))
    name: Mapped[str] = mapped_column(String(120))
    dial_string: Mapped[str] = mapped_column(String(120))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    # A softphone's SIP password, sealed by core.secrets; with it the operator is the PJSIP endpoint
    # the dial string (PJSIP/<endpoint>) names. None (SQL NULL): dialled by the dial string only.
    sip_secret: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    control_room: Mapped[ControlRoom] = relationship()


ACTION_KINDS = ("burglary", "robbery", "missing_person", "vehicle", "amber_alert", "information")
ACTION_RESULTS = ("suspect_caught", "person_found", "not_found", "cancelled")


class Action(Base):
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6))
    client_request_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    time_critical: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str] = mapped_column(String(120))  # short, spoken in the free-number menu
    message: Mapped[str] = mapped_column(Text)
    area: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | ended
    result: Mapped[str | None] = mapped_column(String(20))
    closing_text: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    control_room_id: Mapped[int] = mapped_column(ForeignKey("control_rooms.id"))
    launched_by: Mapped[str] = mapped_column(String(120))
    ended_by: Mapped[str | None] = mapped_column(String(120))
    launched_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Pre-rendered alert audio (prompt key), filled at launch so the call path does no TTS.
    alert_prompt: Mapped[str | None] = mapped_column(String(200))
    # Whether a participant's response led directly to the result; the operator says so when ending.
    result_from_response: Mapped[bool | None] = mapped_column(Boolean)
    # How far the ledger got (core.ledger_rings): every recipient up to ledger_m metres from the centre
    # is written, with ranks below ledger_rows; ledger_done_at once the whole area is.
    ledger_m: Mapped[int | None] = mapped_column(Integer)
    ledger_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ledger_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Alerts the whole area holds, counted at launch (the ledger reaches it ring by ring).
    planned: Mapped[int | None] = mapped_column(Integer)
    # The number of the action's latest event for the webhooks out (core.action_webhooks): 1 for the launch.
    event_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Expanding rings (core.widening): the circle's radii, ring 0 the launch's; the ring it is at; when the
    # next one is taken if nobody responds (None: no more); why the plan stopped early ("response").
    widen_radii: Mapped[list | None] = mapped_column(JSON)
    widen_every_s: Mapped[int | None] = mapped_column(Integer)
    widen_ring: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    widen_next_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    widen_stopped: Mapped[str | None] = mapped_column(String(12))
    # An exercise reaches test participants only, says OEFENING in every message and stays out of the figures.
    exercise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    operator: Mapped[Operator] = relationship()
    control_room: Mapped[ControlRoom] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('active', 'ended')", name="ck_action_status"),
        # A code is unique among active actions only: ended actions free their code.
        Index("ux_action_active_code", "code", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )


class MessageTemplate(Base):
    """A message an operator starts a launch from (core.message_templates): per kind, for one control room's
    region or (control_room_id None) for every room; title and message hold {placeholders}."""

    __tablename__ = "message_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    control_room_id: Mapped[int | None] = mapped_column(ForeignKey("control_rooms.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    control_room: Mapped[ControlRoom | None] = relationship()


class RetryPolicy(Base):
    """How an action kind's alerts and closings are tried again, by what the last attempt met; set by an
    admin (core.retry_policy). A kind without a row uses the defaults of the configuration."""
    __tablename__ = "retry_policies"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    busy_retry_s: Mapped[int] = mapped_column(Integer)
    no_answer_retry_s: Mapped[int] = mapped_column(Integer)
    failed_retry_s: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    # A participant not reached on one channel gets the next they have, in this order (core.escalation).
    escalate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    escalation_order: Mapped[str] = mapped_column(String(40), default="voice,sms,email",
                                                  server_default="voice,sms,email")
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


APPROVAL_STATES = ("awaiting", "approved", "rejected")


class LaunchApproval(Base):
    """A launch that waits for a second person (four eyes, core.approvals): a national or regional AMBER
    alert, or one reaching more than LAUNCH_APPROVAL_PARTICIPANTS. Nothing is sent and nothing is in the
    ledger until someone else approves it; the launch then carries `client_request_id`, which finds it."""

    __tablename__ = "launch_approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="awaiting")
    # The launch input as core.actions.parse_launch reads it (photos already cleaned, base64).
    launch: Mapped[dict] = mapped_column(JSON)
    client_request_id: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    control_room_id: Mapped[int] = mapped_column(ForeignKey("control_rooms.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # wide_amber | participants
    impact: Mapped[dict] = mapped_column(JSON)  # the preview (core.impact) at the request
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rejection: Mapped[str | None] = mapped_column(Text)  # why it was rejected, in the rejecter's words
    # When the sweeper escalated it to the room's supervisors (core.approval_escalation): once only.
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    control_room: Mapped[ControlRoom] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('awaiting', 'approved', 'rejected')", name="ck_launch_approval_status"),
    )


# "voicemail": an alert call a machine answered, its short message left; not reached (nobody heard it yet).
DELIVERY_STATES = ("queued", "sending", "sent", "delivered", "answered", "voicemail", "failed", "cancelled",
                   "bounced")
REACHED_STATES = ("sent", "delivered", "answered")


class Delivery(Base):
    """One message to one participant on one channel for one purpose: the ledger row.

    The unique key makes a repeated launch or a retried job unable to double an alert. A mail of
    neighbourhood mail belongs to an inquiry instead of an action, and goes to `to_address`.
    """

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: PostgreSQL checked it by a trigger for each row written, a sixth of writing a national
    # ledger. Actions are never deleted, and the ledger is written in the transaction that creates or moves
    # its action (core.ledger_rings).
    action_id: Mapped[int | None] = mapped_column(Integer)
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))
    # None once the participant left (core.erasure): the row still counts in the action's figures. No foreign
    # keys: each row written checked and locked its participant's and number's rows on PostgreSQL, 40 % of
    # writing a national ledger; core.erasure keeps an erasure apart from the writers by a lock instead.
    participant_id: Mapped[int | None] = mapped_column(Integer)
    phone_number_id: Mapped[int | None] = mapped_column(Integer)
    to_e164: Mapped[str] = mapped_column(String(16))  # "" for a mail
    to_address: Mapped[str | None] = mapped_column(String(254))  # the e-mail address of a mail
    channel: Mapped[str] = mapped_column(String(5))  # voice | sms | email
    purpose: Mapped[str] = mapped_column(String(7))  # alert | closing; inquiry | update for neighbourhood mail
    rank: Mapped[int] = mapped_column(Integer)  # 0 = nearest; batches are rank ranges
    distance_m: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(16))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    transport: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # When the message first counted as reached (core.ledger.transition): an answered call, an SMS or
    # mail the provider took. Kept when a later receipt moves the state on; the time-to-reach timeline.
    reached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What answering-machine detection said of the answered call (Asterisk's AMDSTATUS/AMDCAUSE, Twilio's
    # AnsweredBy), kept to tune its parameters; amd_status "key" when a key proved a person.
    amd_status: Mapped[str | None] = mapped_column(String(16))
    amd_cause: Mapped[str | None] = mapped_column(String(40))
    # An escalated alert (core.escalation): the delivery that did not reach the participant, and why
    # ("voice:no_answer": the channel it was on and what its last attempt met).
    escalated_from: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("action_id", "participant_id", "channel", "purpose", name="ux_delivery_once"),
        # The neighbourhood-mail keys and the time-to-reach index hold only the rows they are read for (partial
        # indexes): a ledger's alerts, none of them a mail, not yet reached, cost them nothing to write.
        Index("ux_delivery_mail_once", "inquiry_id", "participant_id", "channel", "purpose", unique=True,
              sqlite_where=text("inquiry_id IS NOT NULL"), postgresql_where=text("inquiry_id IS NOT NULL")),
        Index("ix_delivery_inquiry", "inquiry_id", "purpose", "rank", sqlite_where=text("inquiry_id IS NOT NULL"),
              postgresql_where=text("inquiry_id IS NOT NULL")),
        Index("ix_delivery_batch", "action_id", "channel", "purpose", "rank"),
        Index("ix_delivery_state", "state", "enqueued_at"),
        Index("ix_delivery_number", "to_e164", "action_id"),
        # The time-to-reach quantiles (core.timeline) read one action's reached alerts in this order, no sort.
        Index("ix_delivery_reached", "action_id", "purpose", "channel", "reached_at",
              sqlite_where=text("reached_at IS NOT NULL"), postgresql_where=text("reached_at IS NOT NULL")),
        # What deleting a delivery looks up (its escalations' escalated_from is set NULL): without it each
        # deleted delivery read the whole ledger, and removing a national action's 2,000,000 took hours. Only the
        # few escalations are in it: a ledger's alerts (NULL) cost it nothing.
        Index("ix_delivery_escalated_from", "escalated_from", sqlite_where=text("escalated_from IS NOT NULL"),
              postgresql_where=text("escalated_from IS NOT NULL")),
        CheckConstraint("state in ('queued','sending','sent','delivered','answered','voicemail','failed','cancelled',"
                        "'bounced')",
                        name="ck_delivery_state"),
        CheckConstraint("(action_id is null) <> (inquiry_id is null)", name="ck_delivery_owner"),
    )


class OutboxMessage(Base):
    """What a console transport 'sent': the record a developer or trainer reads instead of a phone."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: deleting a delivery (an erasure, a purge) sets its outbox rows' link NULL, else a scan per delivery.
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    transport: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(5))
    to_e164: Mapped[str] = mapped_column(String(16))  # "" for a mail
    to_address: Mapped[str | None] = mapped_column(String(254))  # a mail's recipient
    body: Mapped[str] = mapped_column(Text)  # a mail: the whole message as it would go over SMTP
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # A control room's own system: it sees and acts on that room's actions only (core.room_scope).
    control_room_id: Mapped[int | None] = mapped_column(ForeignKey("control_rooms.id"))
    # A municipality's own system: it acts as that municipality's staff (neighbourhood mail, the dashboard).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    # What the token may do (core.tokens.SCOPES); a token made before scopes existed has none.
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(120))
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    verb: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict | None] = mapped_column(JSON)


class Trunk(Base):
    """A way out to the phone network: an Asterisk PJSIP trunk or a Twilio account, with its limits."""

    __tablename__ = "trunks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    backend: Mapped[str] = mapped_column(String(10))  # asterisk | twilio
    control_room_id: Mapped[int | None] = mapped_column(ForeignKey("control_rooms.id"))
    # e.g. "PJSIP/{number}@provider" in production, "Local/{number}@lab-pstn" in the lab
    dial_template: Mapped[str | None] = mapped_column(String(120))
    caller_id: Mapped[str | None] = mapped_column(String(32))
    channel_limit: Mapped[int] = mapped_column(Integer, default=30)
    calls_per_second: Mapped[float] = mapped_column(Float, default=10.0)
    # Backend settings (AMI host/port/user, Twilio account SID, sender number); secrets encrypted (see core.secrets).
    settings: Mapped[dict | None] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class InboundCall(Base):
    """One call to the free number: who called, about what, where it was routed and how it ended."""

    __tablename__ = "inbound_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(10))  # asterisk | twilio
    call_ref: Mapped[str] = mapped_column(String(64), unique=True)  # Asterisk uniqueid or Twilio CallSid
    caller_e164: Mapped[str | None] = mapped_column(String(16))  # None when withheld
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), index=True)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)  # the caller was alerted by this action
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    route: Mapped[list | None] = mapped_column(JSON)  # destinations tried, in order, with their outcome
    outcome: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float | None] = mapped_column(Float)
    # free_number: a call to the free number; alert_call: a participant who pressed 1 on the alert call
    origin: Mapped[str] = mapped_column(String(12), default="free_number", server_default="free_number")


class Tip(Base):
    """What a participant told us when no operator could take the call (a recording) or by SMS reply."""

    __tablename__ = "tips"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    inbound_call_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_calls.id"))
    source: Mapped[str] = mapped_column(String(5))  # voice | sms
    from_e164: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    recording: Mapped[str | None] = mapped_column(String(300))  # file name under the recordings dir
    duration_s: Mapped[float | None] = mapped_column(Float)
    provider_ref: Mapped[str | None] = mapped_column(String(64), unique=True)  # dedups provider retries
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    heard: Mapped[bool] = mapped_column(Boolean, default=False)


ROLES = ("admin", "operator", "police", "municipality")


class User(Base):
    """A person who signs in to the web: admin, operator or municipality staff."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The web's language for this account (nl, en); None until chosen: then the browser's language counts.
    language: Mapped[str | None] = mapped_column(String(2))
    # A supervisor gets the launches left waiting for approval in their room (admins: every room).
    supervisor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (CheckConstraint("role in ('admin', 'operator', 'police', 'municipality')", name="ck_user_role"),)


class NumberConfirmation(Base):
    """A code sent to a number at sign-up; the number is used only once the code comes back."""

    __tablename__ = "number_confirmations"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


PUBLICATION_MSG_TYPES = ("Alert", "Update", "Cancel")


class Publication(Base):
    """A public action (an AMBER alert, or a missing person with the family's consent): one CAP chain,
    one public page, the partners' copies. Cancelled when the action ends: the public data is withdrawn."""

    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    # The public page's address: random, so public pages do not reveal how many actions there are.
    token: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | cancelled
    # A missing person is published only with the family's consent: who recorded it, and when.
    consent_by: Mapped[str | None] = mapped_column(String(120))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What CAP's areaDesc and the page call the area (a place name); regions and the country name themselves.
    area_name: Mapped[str | None] = mapped_column(String(50))
    # The English <info>'s own words, written by the operator; without them it says the description is Dutch.
    title_en: Mapped[str | None] = mapped_column(String(120))
    message_en: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    action: Mapped[Action] = relationship()

    __table_args__ = (CheckConstraint("status in ('active', 'cancelled')", name="ck_publication_status"),)


class PublicationEvent(Base):
    """One CAP message of a publication: Alert at launch, Update on a change, Cancel at the end."""

    __tablename__ = "publication_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    msg_type: Mapped[str] = mapped_column(String(6))
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    sent: Mapped[datetime] = mapped_column(UtcDateTime())
    expires: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The public facts of this message (texts per language, photos, area); emptied when withdrawn.
    content: Mapped[dict] = mapped_column(JSON)
    # The signed CAP document; None once withdrawn (every message of a cancelled publication but its Cancel).
    cap_xml: Mapped[str | None] = mapped_column(Text)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    publication: Mapped[Publication] = relationship()

    __table_args__ = (
        UniqueConstraint("publication_id", "seq"),
        CheckConstraint("msg_type in ('Alert', 'Update', 'Cancel')", name="ck_publication_event_type"),
    )


class Photo(Base):
    """A photo attached to an action, already checked, resized and stripped of metadata (JPEG).

    Kept in the database, so every web server can serve it; the bytes are deleted when withdrawn."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    mime_type: Mapped[str] = mapped_column(String(20), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha1: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Partner(Base):
    """A display network, transport company or website that receives every publication event by webhook."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[dict] = mapped_column(JSON)  # the HMAC key, sealed by core.secrets
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CapSigningKey(Base):
    """A CAP signing key and certificate an admin uploaded; the newest signs. A replaced key is destroyed
    (its certificate stays, so documents signed before can still be checked)."""

    __tablename__ = "cap_signing_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    # The PEM private key, sealed by core.secrets; None once replaced.
    key: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    subject: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(100))
    not_after: Mapped[datetime] = mapped_column(UtcDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


PARTNER_DELIVERY_STATES = ("queued", "delivered", "failed", "withdrawn")


class WebhookAttempts:
    """The delivery-log columns of a signed webhook POST (core.webhook_post.attempt writes them)."""

    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PartnerDelivery(WebhookAttempts, Base):
    """One publication event to one partner: the delivery log an admin reads."""

    __tablename__ = "partner_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("publication_events.id"))

    __table_args__ = (
        UniqueConstraint("partner_id", "event_id"),
        CheckConstraint("state in ('queued', 'delivered', 'failed', 'withdrawn')", name="ck_partner_delivery_state"),
    )


ACTION_WEBHOOK_EVENTS = ("action.launched", "action.updated", "action.ended")
ACTION_WEBHOOK_STATES = ("queued", "delivered", "failed")


class ActionWebhook(Base):
    """A control-room system's endpoint for action events (launched, updated, ended), signed like the
    partners' webhooks; bound to a control room it hears only that room's actions."""

    __tablename__ = "action_webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[dict] = mapped_column(JSON)  # the HMAC key, sealed by core.secrets
    control_room_id: Mapped[int | None] = mapped_column(ForeignKey("control_rooms.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ActionWebhookDelivery(WebhookAttempts, Base):
    """One action event to one subscription, written in the transaction that made the event."""

    __tablename__ = "action_webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("action_webhooks.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    event: Mapped[str] = mapped_column(String(20))
    # The event's number among the action's events (Action.event_sequence).
    sequence: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("state in ('queued', 'delivered', 'failed')", name="ck_action_webhook_delivery_state"),
    )


REGION_KINDS = ("province", "safety_region", "police_unit")


class Region(Base):
    """A province, safety region or police unit an AMBER alert can cover, kept by admins as polygons."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(14))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    polygons: Mapped[list] = mapped_column(JSON)  # [[outer, holes...], ...] of [lat, lon] (core.polygons)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("kind in ('province', 'safety_region', 'police_unit')", name="ck_region_kind"),)


class MailPreference(Base):
    """A participant's e-mail: the address they confirmed (double opt-in) and what they want by mail.

    Mail goes only to `confirmed_address`, and only while it equals the participant's current
    e-mail: a changed address is unconfirmed until its link comes back. A hard bounce clears
    `confirmed_address`, so nothing more goes there until it is confirmed again.
    """

    __tablename__ = "mail_preferences"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    confirmed_address: Mapped[str | None] = mapped_column(String(254))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    bounced_address: Mapped[str | None] = mapped_column(String(254))
    bounced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    bounce_reason: Mapped[str | None] = mapped_column(String(200))
    inquiries: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    information: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    alerts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Alerts by e-mail instead of calls and SMS (only with `alerts`, to the confirmed address: a bounce ends it).
    alerts_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class MailSender(Base):
    """A name and address mail leaves from, configured by admins: the police's, or a municipality's own."""

    __tablename__ = "mail_senders"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(254))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))  # None: the police's


INQUIRY_KINDS = ("inquiry", "information")


class Inquiry(Base):
    """Neighbourhood mail: a door-to-door inquiry by the police, or information from a municipality."""

    __tablename__ = "inquiries"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # inquiry | information
    subject: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    questions: Mapped[list] = mapped_column(JSON)
    photo: Mapped[str | None] = mapped_column(String(80))  # file name under MAIL_PHOTO_DIR
    area: Mapped[dict] = mapped_column(JSON)
    area_label: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("mail_senders.id"))
    # Who wrote it: a web user, or a system through the API (its token); exactly one of the two.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # Participants in the area who were not sent it: they had their weekly budget of mail (core.fatigue).
    skipped_over_budget: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    update_text: Mapped[str | None] = mapped_column(Text)
    update_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    sender: Mapped[MailSender] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    __table_args__ = (CheckConstraint("status in ('open', 'closed')", name="ck_inquiry_status"),
                      CheckConstraint("(created_by IS NULL) <> (created_by_token_id IS NULL)",
                                      name="ck_inquiry_author"))


class InquiryReply(Base):
    """What one participant told about an inquiry, through the link in their mail; they may add to it."""

    __tablename__ = "inquiry_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    noticed: Mapped[bool] = mapped_column(Boolean)  # False: "I noticed nothing"
    story: Mapped[str | None] = mapped_column(Text)
    when_text: Mapped[str | None] = mapped_column(String(200))
    may_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_number: Mapped[str | None] = mapped_column(String(16))
    helpful: Mapped[bool] = mapped_column(Boolean, default=False)  # marked by the sender
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    photos: Mapped[list["ReplyPhoto"]] = relationship(cascade="all, delete-orphan", order_by="ReplyPhoto.id")


class ReplyPhoto(Base):
    """A photo sent with a reply, re-encoded without its metadata, stored under MAIL_PHOTO_DIR."""

    __tablename__ = "reply_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("inquiry_replies.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
