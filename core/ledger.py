"""The delivery ledger: the database record of every message, and the only place its state changes."""
import secrets
from datetime import datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import (ARRAY, Integer, String, and_, any_, bindparam, case, column, func, insert, literal, or_,
                        select, tuple_, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .erasure import hold_off_erasure
from .models import REACHED_STATES, Action, ControlRoom, Delivery, Participant, utcnow
from .selection import RANK_KEYS, quiet_until

# Which state may follow which. Anything else is a stale or repeated event and is ignored.
TRANSITIONS = {
    "queued": {"sending", "cancelled", "failed"},
    "sending": {"queued", "sent", "delivered", "answered", "voicemail", "failed", "cancelled", "bounced"},
    # A mail the relay took may bounce later (a delivery-status notification in the bounce mailbox).
    "sent": {"delivered", "answered", "voicemail", "failed", "bounced"},
    "delivered": set(),
    "answered": set(),
    # A key pressed during the voicemail message proves a person; the flow may say so after the hang-up.
    "voicemail": {"answered"},
    "failed": set(),
    "cancelled": set(),
    "bounced": set(),
}


def reached_at_for(new_state, now):
    """The value of `reached_at` when a delivery moves to new_state (None: leave it alone).

    A delivery counts as reached the first time a person got it: a call when it was answered and
    listened to ("answered"; a placed call, "sent", is not yet reached), an SMS or a mail when the
    provider or relay took it ("sent") or its receipt says "delivered". The first such moment stays.
    """
    if new_state == "answered":
        return func.coalesce(Delivery.reached_at, now)
    if new_state in ("sent", "delivered"):
        return case((and_(Delivery.reached_at.is_(None), Delivery.channel != "voice"), now),
                    else_=Delivery.reached_at)
    return None


def transition(session, delivery_id, new_state, **fields):
    """Move one delivery to new_state if that is allowed from its current state; True when it moved."""
    allowed_from = [s for s, targets in TRANSITIONS.items() if new_state in targets]
    now = utcnow()
    reached = reached_at_for(new_state, now)
    if reached is not None:
        fields["reached_at"] = reached
    result = session.execute(
        update(Delivery).where(and_(Delivery.id == delivery_id, Delivery.state.in_(allowed_from)))
        .values(state=new_state, updated_at=now, **fields))
    return result.rowcount == 1


def record_sent(session, sends, state="sent"):
    """Move claimed deliveries to `state` (sent; answered for a console call), one statement for all: sends is
    [(delivery_id, provider_ref, transport)].

    Like transition, a delivery no longer in a state that may become `state` is left as it is."""
    if not sends:
        return
    allowed_from = [s for s, targets in TRANSITIONS.items() if state in targets]
    table = Delivery.__table__
    now = utcnow()
    changes = dict(state=state, error=None, updated_at=now, reached_at=reached_at_for(state, now))
    if session.bind.dialect.name == "postgresql":
        # The rows by primary key alone (see locked), then one UPDATE from arrays: an executemany is a
        # statement per row on PostgreSQL, and a VALUES list was compiled anew for every batch.
        movable = {r.id for r in locked(session, [i for i, _, _ in sends], Delivery.state) if r.state in allowed_from}
        sends = [send for send in sends if send[0] in movable]
        if not sends:
            return
        ids, refs, transports = zip(*sends)
        sent, params = unnested("sent", id=(Integer, ids), ref=(String, refs), transport=(String, transports))
        session.execute(update(table).where(table.c.id == sent.c.id)
                        .values(provider_ref=sent.c.ref, transport=sent.c.transport, **changes), params)
        return
    session.execute(
        # state = ... OR ...: an IN list would be an expanding parameter, which an executemany cannot take.
        update(table).where(and_(table.c.id == bindparam("b_id"), or_(*[table.c.state == s for s in allowed_from])))
        .values(provider_ref=bindparam("b_ref"), transport=bindparam("b_transport"), **changes),
        [{"b_id": delivery_id, "b_ref": ref, "b_transport": transport} for delivery_id, ref, transport in sends])


def renew_claim(session, delivery_id, claim_token):
    """Renew one claimed delivery's lease; False when it is no longer this claim's (the sweeper took it
    back after the lease ran out, and another job may hold it now): then it must not be sent."""
    result = session.execute(update(Delivery).where(and_(
        Delivery.id == delivery_id, Delivery.state == "sending", Delivery.claim_token == claim_token))
        .values(claimed_at=utcnow()))
    return result.rowcount == 1


def one_of(session, column, values):
    """column IN values; on PostgreSQL `= ANY (array)`: one statement text however many values, which psycopg
    prepares once, where an IN list was a new text of 100 parameters to parse (and plan) for every batch."""
    values = list(values)
    if session.bind.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def unnested(name, **columns):
    """PostgreSQL: a derived table `name` of parallel arrays, one bind parameter per column, and the parameters;
    `columns` maps each column's name to (its type, its values). Like one_of, a statement text that is the same
    for every batch, where a multi-row VALUES list was a new one to parse each time."""
    table = func.unnest(*(bindparam(f"{name}_{key}", type_=ARRAY(type_)) for key, (type_, _) in columns.items())
                        ).table_valued(*(column(key, type_) for key, (type_, _) in columns.items()),
                                       name=name).render_derived(name=name)
    return table, {f"{name}_{key}": list(values) for key, (_, values) in columns.items()}


def locked(session, delivery_ids, *columns):
    """Rows of these deliveries read by primary key alone and locked until the transaction ends (on SQLite
    the write lock its transactions begin with holds them already).

    Every statement of a send reads its rows so: beside another indexed column (state, action) PostgreSQL
    may prefer that column's index when its statistics are stale (a table that grew by a national alert
    since it was last analysed, where 'queued' was rare), and every batch then read every queued row of the
    ledger (a 20,000-alert action: 7 to 15 ms per claim of 100, growing with the ledger)."""
    return session.execute(select(Delivery.id, *columns).where(one_of(session, Delivery.id, delivery_ids))
                           .with_for_update(of=Delivery)).all()


def claim(session, delivery_ids):
    """Take queued, due deliveries for sending; returns (Delivery, language, Action, free number) each,
    nearest first.

    Alerts of an action that has ended are cancelled instead: nobody is called about an ended action.
    The rows are locked before they are looked at, so of two workers racing for the same ids the second
    sees the first one's claim once it commits, and takes none of them; the claim token names the claim.
    """
    now = utcnow()
    rows = locked(session, delivery_ids, Delivery.state, Delivery.not_before, Delivery.purpose, Delivery.action_id)
    # A mail of neighbourhood mail (no action) is core.mail_jobs' to send.
    queued = [r for r in rows if r.state == "queued" and r.action_id is not None]
    if not queued:
        return []
    actions = {action.id: (action, free_number) for action, free_number in session.execute(
        select(Action, ControlRoom.free_number).join(ControlRoom, ControlRoom.id == Action.control_room_id)
        .where(Action.id.in_({r.action_id for r in queued})).execution_options(populate_existing=True))}
    cancel = {r.id for r in queued if r.purpose == "alert" and actions[r.action_id][0].status == "ended"}
    if cancel:
        session.execute(update(Delivery).where(one_of(session, Delivery.id, cancel))
                        .values(state="cancelled", updated_at=now, error="action ended")
                        .execution_options(synchronize_session=False))
    take = [r.id for r in queued if r.id not in cancel and (r.not_before is None or r.not_before <= now)]
    if not take:
        return []
    claimed = session.scalars(
        update(Delivery).where(one_of(session, Delivery.id, take))
        .values(state="sending", claimed_at=now, claim_token=secrets.token_hex(8), attempts=Delivery.attempts + 1,
                updated_at=now)
        .returning(Delivery).execution_options(synchronize_session=False, populate_existing=True)).all()
    languages = dict(session.execute(select(Participant.id, Participant.language).where(
        one_of(session, Participant.id, {d.participant_id for d in claimed}))).all())
    return [(d, languages.get(d.participant_id), *actions[d.action_id])
            for d in sorted(claimed, key=lambda d: (d.rank, d.id))]


DELIVERY_COLUMNS = ("action_id", "participant_id", "phone_number_id", "to_e164", "to_address", "channel", "purpose",
                    "rank", "distance_m", "state", "attempts", "enqueued_at", "updated_at")


def write_alerts(session, action_id, alerts, hold_quiet, tz, first_rank=0):
    """Write one queued alert per participant and channel of `alerts` (core.selection.alerts_query: their
    first row) by one INSERT ... SELECT, ranked nearest first from first_rank; returns (the ids due now in
    rank order, the rank after the last one written, or first_rank when none was).

    Recipients in their quiet hours get `not_before` (when hold_quiet) and are left to the sweeper.
    One who already has this action's alert on that channel (by a nearer location or an earlier number,
    written with an earlier row or ring) is left as they are: the ledger's unique key decides, and the rank
    of the row it dropped is left unused.
    """
    hold_off_erasure(session)
    now = utcnow()
    found = alerts.subquery("alerts")
    a = found.c
    when = Delivery.__table__.c.updated_at.type
    rows = select(literal(action_id), a.participant_id, a.phone_number_id, a.to_e164, a.to_address, a.channel,
                  literal("alert"),
                  a.rank + first_rank, a.distance_m, literal("queued"), literal(0), literal(now, when),
                  literal(now, when))
    # A WHERE clause: SQLite would read the upsert's ON as the SELECT's join constraint without one. In rank
    # order, by the ranking's own keys (the rows come sorted by them; ordered by the rank, PostgreSQL sorted
    # them again): of a participant's rows on a channel the first is kept, the rest lose to the unique key.
    rows = rows.where(a.rank >= 0).order_by(*(a[key] for key in RANK_KEYS))
    insert_ = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    written = session.execute(insert_(Delivery).from_select(DELIVERY_COLUMNS, rows).on_conflict_do_nothing()
                              .returning(Delivery.id, Delivery.rank)).all()
    if not written:
        return [], first_rank
    written.sort(key=itemgetter(1))
    held = _hold_quiet(session, action_id, first_rank, tz) if hold_quiet else set()
    return [i for i, _ in written if i not in held], written[-1][1] + 1


def _hold_quiet(session, action_id, first_rank, tz):
    """Give the alerts from first_rank on whose participant is in their quiet hours now `not_before` (and no
    enqueue time, so the sweeper takes them then); returns their ids."""
    now_local = datetime.now(ZoneInfo(tz))
    until = {}
    for delivery_id, start, end in session.execute(
            select(Delivery.id, Participant.quiet_start, Participant.quiet_end)
            .join(Participant, Participant.id == Delivery.participant_id)
            .where(and_(Delivery.action_id == action_id, Delivery.purpose == "alert", Delivery.rank >= first_rank,
                        Participant.quiet_start.is_not(None), Participant.quiet_end.is_not(None)))):
        held = quiet_until(start, end, now_local)
        if held is not None:
            until[delivery_id] = held
    if until:
        table = Delivery.__table__
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values(not_before=bindparam("b_until"), enqueued_at=None),
                        [{"b_id": i, "b_until": held} for i, held in until.items()])
    return set(until)


def ensure_closing(session, alert):
    """Create the closing delivery for a reached alert (once: the ledger's unique key decides); None when there
    is none to create (one exists, or the participant was erased since `alert` was read)."""
    hold_off_erasure(session)
    if session.scalar(select(Delivery.participant_id).where(Delivery.id == alert.id)) is None:
        return None
    try:
        with session.begin_nested():
            session.execute(insert(Delivery).values(
                action_id=alert.action_id, participant_id=alert.participant_id,
                phone_number_id=alert.phone_number_id, to_e164=alert.to_e164, to_address=alert.to_address,
                channel=alert.channel,
                purpose="closing", rank=alert.rank, distance_m=alert.distance_m, state="queued",
                updated_at=utcnow()))
    except IntegrityError:
        return None
    return session.scalar(select(Delivery.id).where(and_(
        Delivery.action_id == alert.action_id, Delivery.participant_id == alert.participant_id,
        Delivery.channel == alert.channel, Delivery.purpose == "closing")))


def create_closings(session, action_id):
    """Closing deliveries for every alert of the action that reached its participant or left them a
    voicemail (the tape holds an alert that is over); returns their ids."""
    hold_off_erasure(session)
    reached = select(Delivery).where(and_(Delivery.action_id == action_id, Delivery.purpose == "alert",
                                          Delivery.state.in_(REACHED_STATES + ("voicemail",))))
    existing = set(session.execute(select(Delivery.participant_id, Delivery.channel)
                                   .where(and_(Delivery.action_id == action_id, Delivery.purpose == "closing"))))
    now = utcnow()
    rows = [dict(action_id=d.action_id, participant_id=d.participant_id, phone_number_id=d.phone_number_id,
                 to_e164=d.to_e164, to_address=d.to_address, channel=d.channel, purpose="closing", rank=d.rank, distance_m=d.distance_m,
                 state="queued", updated_at=now)
            for d in session.scalars(reached)
            if (d.participant_id, d.channel) not in existing]
    if rows:
        session.execute(insert(Delivery), rows)
    return list(session.scalars(select(Delivery.id).where(and_(
        Delivery.action_id == action_id, Delivery.purpose == "closing", Delivery.state == "queued"))
        .order_by(Delivery.rank)))


def cancel_pending_alerts(session, action_id):
    result = session.execute(
        update(Delivery).where(and_(Delivery.action_id == action_id, Delivery.purpose == "alert",
                                    Delivery.state == "queued"))
        .values(state="cancelled", updated_at=utcnow(), error="action ended"))
    return result.rowcount


OUTSIDE_AREA = "outside changed area"


def cancel_outside_area(session, action_id, inside, batch=5000):
    """The area changed: cancel the action's alerts still queued for those `inside(participant_ids)` leaves
    out, and queue again those an earlier change cancelled whose participant the area holds once more;
    returns (cancelled, requeued ids). An alert already being sent (claimed) or sent is left to finish."""
    cancelled, requeued, after = 0, [], 0
    while True:
        rows = session.execute(
            select(Delivery.id, Delivery.participant_id, Delivery.state).where(and_(
                Delivery.action_id == action_id, Delivery.purpose == "alert", Delivery.id > after,
                or_(Delivery.state == "queued", and_(Delivery.state == "cancelled",
                                                     Delivery.error == OUTSIDE_AREA))))
            .order_by(Delivery.id).limit(batch)).all()
        if not rows:
            return cancelled, requeued
        after = rows[-1].id
        kept = inside({r.participant_id for r in rows if r.participant_id is not None})
        leave = [r.id for r in rows if r.state == "queued" and r.participant_id not in kept]
        back = [r.id for r in rows if r.state == "cancelled" and r.participant_id in kept]
        now = utcnow()
        if leave:
            # state == "queued" again here: a worker that claimed one meanwhile sends it.
            cancelled += session.execute(
                update(Delivery).where(and_(Delivery.id.in_(leave), Delivery.state == "queued"))
                .values(state="cancelled", updated_at=now, error=OUTSIDE_AREA)
                .execution_options(synchronize_session=False)).rowcount
        if back:
            session.execute(
                update(Delivery).where(and_(Delivery.id.in_(back), Delivery.state == "cancelled"))
                .values(state="queued", updated_at=now, error=None, enqueued_at=now)
                .execution_options(synchronize_session=False))
            requeued += back


def record_provider_ref(session, delivery_id, provider_ref, transport):
    session.execute(update(Delivery).where(Delivery.id == delivery_id)
                    .values(provider_ref=provider_ref, transport=transport, updated_at=utcnow()))


def mark_enqueued(session, delivery_ids):
    session.execute(update(Delivery).where(Delivery.id.in_(delivery_ids)).values(enqueued_at=utcnow()))


def retry_later(session, delivery_id, not_before, reason):
    return transition(session, delivery_id, "queued", not_before=not_before,
                      enqueued_at=utcnow(), error=reason[:200], claim_token=None)


def stale(session, lease_s, requeue_after_s, limit=5000, queues_empty=True):
    """Deliveries whose job was lost: held in 'sending' past the lease, or queued, due and not enqueued lately.

    A queued row enqueued before is only taken when the send queues are empty (queues_empty): while they
    hold jobs the worker is behind (a national alert takes minutes), and the row's job is still ahead of it,
    not lost; enqueued again it would only lengthen the queue. Rows never enqueued (quiet hours) are taken.

    A 'sending' delivery that already has a provider reference was accepted by the provider; it is
    marked sent rather than sent again. A call counts only once the provider took it
    (core.alert_calls.placed): one that waited for a slot, or whose Originate never reached Asterisk
    (the call service died, Asterisk was down), is taken back and sent again.
    """
    now = utcnow()
    taken_back = []
    held = session.scalars(select(Delivery).where(and_(
        Delivery.state == "sending", Delivery.claimed_at < now - timedelta(seconds=lease_s))).limit(limit))
    for delivery in held:
        detail = delivery.detail or {}
        placed = delivery.channel != "voice" or detail.get("placed") or detail.get("answered_at")
        if delivery.provider_ref and placed:
            transition(session, delivery.id, "sent")
        elif transition(session, delivery.id, "queued", claim_token=None, error="lease expired"):
            taken_back.append(delivery.id)
    due = session.scalars(select(Delivery.id).where(and_(
        Delivery.state == "queued",
        or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
        or_(Delivery.enqueued_at.is_(None),
            and_(literal(queues_empty), Delivery.enqueued_at < now - timedelta(seconds=requeue_after_s)))))
        .order_by(Delivery.rank).limit(limit))
    return taken_back + [d for d in due if d not in taken_back]


def alerts_written(session, action_id):
    """How many alerts the action's ledger holds (its ranks may leave gaps: core.ledger.write_alerts)."""
    return session.scalar(select(func.count()).select_from(Delivery).where(
        and_(Delivery.action_id == action_id, Delivery.purpose == "alert")))


def progress(session, action_id):
    """{channel: {purpose: {state: count}}} for an action."""
    out = {}
    rows = session.execute(
        select(Delivery.channel, Delivery.purpose, Delivery.state, func.count())
        .where(Delivery.action_id == action_id)
        .group_by(Delivery.channel, Delivery.purpose, Delivery.state))
    for channel, purpose, state, count in rows:
        out.setdefault(channel, {}).setdefault(purpose, {})[state] = count
    return out


DELIVERY_FILTERS = ("state", "channel", "purpose")


def list_deliveries(session, action_id, filters, limit=100, after=None):
    """An action's deliveries by purpose and rank (nearest first), `limit` of them after the key
    `after` ((purpose, rank, id) of the last one seen, see delivery_key); `filters` maps a name of
    DELIVERY_FILTERS to the value it must have. Keyset paging: rows written meanwhile (a ledger
    still being written, an area that grew) never shift a page, so nothing is skipped or repeated."""
    query = (select(Delivery).where(Delivery.action_id == action_id)
             .order_by(Delivery.purpose, Delivery.rank, Delivery.id))
    for field in DELIVERY_FILTERS:
        if filters.get(field):
            query = query.where(getattr(Delivery, field) == filters[field])
    if after is not None:
        query = query.where(tuple_(Delivery.purpose, Delivery.rank, Delivery.id) > tuple_(*after))
    return session.scalars(query.limit(limit)).all()


def delivery_key(delivery):
    """The paging key of a delivery (see list_deliveries)."""
    return delivery.purpose, delivery.rank, delivery.id


def counts_by_state(session, launched_since):
    """{(channel, state): count} over the deliveries of actions launched since then."""
    rows = session.execute(
        select(Delivery.channel, Delivery.state, func.count())
        .join(Action, Action.id == Delivery.action_id).where(Action.launched_at >= launched_since)
        .group_by(Delivery.channel, Delivery.state))
    return {(channel, state): count for channel, state, count in rows}
