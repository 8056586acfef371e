"""RQ jobs. Each is a small top-level function that takes ids and starts from what the ledger says,
so a job that runs twice, late, or after a crash sends nothing twice."""
import logging
import random
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from . import escalation, ledger, runtime
from .messages import message_for
from .metrics import SENDS
from .models import Action, Delivery, utcnow
from .numbers import mask
from .publication import page_urls
from .retry_policy import policy_for
from .selection import inside_area
from .mail_address import record_hard_bounce
from .transports import Attempt, HardBounce, PermanentFailure, TransientFailure, transport_for

log = logging.getLogger(__name__)

RETRY_BASE_S = 30
MAX_RETRY_S = 600
# Small first batches so the first calls leave within seconds, larger ones after for throughput.
BATCH_SIZES = (10, 25, 50)
BATCH = 100


def batches(delivery_ids):
    """Split rank-ordered ids: the nearest go first in small jobs."""
    start = 0
    for size in BATCH_SIZES:
        if start >= len(delivery_ids):
            return
        yield delivery_ids[start:start + size]
        start += size
    for i in range(start, len(delivery_ids), BATCH):
        yield delivery_ids[i:i + BATCH]


def enqueue_batches(rt, action, delivery_ids):
    """Put an action's sends on its queue, nearest first. If Redis is unreachable the ledger still
    holds them and the sweeper enqueues them once it is back."""
    try:
        enqueue_sends(rt.queues.for_action(action.time_critical), list(batches(delivery_ids)))
    except RedisError:
        log.exception("action %s: enqueue failed; the sweeper will enqueue %d deliveries",
                      action.id, len(delivery_ids))


def enqueue_sends(queue, batches, pipeline=None):
    """Enqueue one send_deliveries job per batch of delivery ids, in one Redis round trip."""
    jobs = [queue.prepare_data(send_deliveries, args=(batch,), result_ttl=0, failure_ttl=7 * 86400)
            for batch in batches if batch]
    if not jobs:
        return
    with queue.connection.pipeline() as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()


@runtime.job
def send_deliveries(rt, delivery_ids):
    """Send each queued, due delivery among delivery_ids through its channel's transport.

    A database that goes away (a PostgreSQL restart) is waited for: the claim and a batch of console
    sends are done again once it is back; a network send whose commit was cut off is the one in flight,
    left to the sweeper when its lease ends, never sent again from here."""
    def take(session):
        claimed = ledger.claim(session, delivery_ids)
        return claimed, page_urls(session, {action.id for _, _, action, _ in claimed}, rt.config)

    claimed, pages = rt.db.unit_of_work(take)
    texts = {}
    in_database, mails = [], []
    for delivery, language, action, free_number in claimed:
        key = (action.id, delivery.channel, delivery.purpose, language)
        if key not in texts:
            texts[key] = message_for(action, delivery.channel, delivery.purpose, language, free_number,
                                     pages.get(action.id))
        if delivery.channel == "email":
            mails.append((delivery, texts[key]))
        elif getattr(rt.transports[delivery.channel], "in_database", False):
            in_database.append((delivery, texts[key]))
        else:
            _send_on_network(rt, delivery, texts[key])
    if in_database:
        # A console send is a row in this database: the whole batch commits at once, exactly once. Done
        # again after a lost connection, it sends only what is still this claim's (the commit may have landed).
        def send_batch(session):
            tokens = {delivery.claim_token for delivery, _ in in_database}
            still = {row.id for row in ledger.locked(session, [delivery.id for delivery, _ in in_database],
                                                      Delivery.state, Delivery.claim_token)
                     if row.state == "sending" and row.claim_token in tokens}
            send_in_database(rt, session, [(delivery, text) for delivery, text in in_database if delivery.id in still])

        rt.db.unit_of_work(send_batch)
    # Alerts by e-mail last, over one relay connection: an SMTP transaction (and the relay's rate) must not
    # hold up a call or an SMS.
    if mails:
        with rt.transports["email"].batch():
            for delivery, text in mails:
                _send_on_network(rt, delivery, text)


def _send_on_network(rt, delivery, text):
    """A network send commits on its own, so a crash loses at most the one in flight."""
    try:
        with rt.db.session() as session:
            send_one(rt, session, delivery, text)
    except DBAPIError as exc:
        if not rt.db.lost_connection(exc):
            raise
        rt.db.outage.went_down(exc)
        rt.db.unit_of_work(lambda session: None)  # the next send waits for the database


def send_in_database(rt, session, batch):
    """Send [(delivery, text)] through transports whose sending is a row in this database: a few statements
    for the whole batch (outbox rows, then the ledger's states), in the session's one transaction."""
    by_transport, reached = {}, []
    for delivery, text in batch:
        by_transport.setdefault(transport_for(rt, session, delivery), []).append((delivery, text))
    for transport, sends in by_transport.items():
        by_state = {}
        for (delivery, _), result in zip(sends, transport.send_many(session, sends)):
            by_state.setdefault(result.state, []).append((delivery.id, result.provider_ref, transport.name))
            if result.state == "answered" or (result.state in ("sent", "delivered") and delivery.channel != "voice"):
                reached.append(delivery)
        for state, taken in by_state.items():
            ledger.record_sent(session, taken, state)
            SENDS.labels(transport.channel, state).inc(len(taken))
    escalation.cancel_other_channels(session, rt.config, reached)
    # One look at the batch's actions, not one per send (the session forgets an action nothing holds).
    ended = dict(session.execute(select(Action.id, Action.time_critical).where(
        Action.id.in_({delivery.action_id for delivery, _ in batch}), Action.status == "ended")).all())
    for delivery, _ in batch:
        if delivery.purpose == "alert" and delivery.action_id in ended:
            send_closing(rt, session, delivery, ended[delivery.action_id])


def send_one(rt, session, delivery, text):
    """Send one claimed delivery through its channel's transport and record the result in the ledger."""
    transport = rt.transports[delivery.channel]
    try:
        transport = transport_for(rt, session, delivery)
        result = _send(session, transport, delivery, text)
    except HardBounce as exc:
        # An alert by e-mail whose address the relay refused: no more mail there until it is confirmed again.
        SENDS.labels(delivery.channel, "bounced").inc()
        ledger.transition(session, delivery.id, "bounced", error=f"{exc.code}: {exc.reason}"[:200],
                          transport=transport.name)
        record_hard_bounce(session, delivery.participant_id, delivery.to_address, f"{exc.code} {exc.reason}")
        escalate(rt, session, delivery, "failed")
        return
    except PermanentFailure as exc:
        SENDS.labels(delivery.channel, "failed").inc()
        ledger.transition(session, delivery.id, "failed", error=f"{exc.code}: {exc.reason}"[:200],
                          transport=transport.name)
        log.warning("delivery %s to %s failed permanently: %s", delivery.id, mask(delivery.to_e164), exc.code)
        escalate(rt, session, delivery, "failed")
        return
    except TransientFailure as exc:
        SENDS.labels(delivery.channel, "retry").inc()
        retry_or_fail(rt, session, delivery, exc.reason, exc.retry_after)
        return
    SENDS.labels(delivery.channel, result.state).inc()
    if result.state == "sending":
        # The outcome arrives later (a call in progress); keep the reference for the events.
        ledger.record_provider_ref(session, delivery.id, result.provider_ref, transport.name)
    else:
        ledger.transition(session, delivery.id, result.state, provider_ref=result.provider_ref,
                          transport=transport.name, error=None)
        after_reached(rt, session, delivery)


def _send(session, transport, delivery, text):
    """One send in this unit of work; a two-phase transport's attempt is committed before it is placed."""
    record = getattr(transport, "record_attempt", None)
    if record is None:
        return transport.send(session, delivery, text)
    attempt = record(session, delivery, text)
    if not isinstance(attempt, Attempt):
        return attempt  # nothing to place any more
    session.commit()  # the provider's callbacks may overtake this worker: they must find the attempt
    return transport.place_attempt(session, delivery, attempt)


def retry_or_fail(rt, session, delivery, reason, retry_after):
    """Try again after the delay the action kind's policy gives the cause (core.retry_policy), while its
    attempts, the action (for alerts: still active) and, for time-critical alerts, the window allow."""
    action = session.get(Action, delivery.action_id)
    config = rt.config
    policy = policy_for(session, config, action.kind)
    too_late = (action.time_critical and delivery.purpose == "alert"
                and (utcnow() - action.launched_at).total_seconds() > config["RETRY_WINDOW_S"])
    if delivery.attempts >= policy.max_attempts or too_late or (
            delivery.purpose == "alert" and action.status != "active"):
        ledger.transition(session, delivery.id, "failed", error=f"gave up: {reason}"[:200])
        escalate(rt, session, delivery, reason)
        return
    if delivery.purpose == "alert" and delivery.participant_id not in inside_area(session, action.area,
                                                                                  [delivery.participant_id]):
        # The area changed while this try was on its way: someone it now leaves out is not tried again.
        ledger.transition(session, delivery.id, "cancelled", error=ledger.OUTSIDE_AREA)
        return
    not_before = utcnow() + timedelta(seconds=policy.delay_s(reason, retry_after))
    ledger.retry_later(session, delivery.id, not_before, reason)
    session.commit()
    rt.queues.for_action(action.time_critical).enqueue_at(
        run_at(not_before), send_deliveries, [delivery.id], result_ttl=0)


def run_at(not_before):
    """When the retry job of a row held until not_before may run. RQ keeps scheduled times in whole seconds,
    rounded down: a job scheduled for 12:00:00.7 would run at 12:00:00 and find its row not yet due."""
    whole = not_before.replace(microsecond=0)
    return whole if whole == not_before else whole + timedelta(seconds=1)


def backoff_s(attempts, retry_after=None):
    """Seconds before a mail's next try: the relay's Retry-After, else doubling from RETRY_BASE_S, with jitter.
    (An action's messages follow their kind's retry policy instead, see retry_or_fail.)"""
    delay = retry_after or min(MAX_RETRY_S, RETRY_BASE_S * 2 ** (attempts - 1))
    return delay * random.uniform(1.0, 1.2)


def escalate(rt, session, delivery, reason):
    """An alert that did not reach its participant (`reason`: what its last attempt met, or voicemail): their
    next channel's alert, when their kind escalates, committed and enqueued at once (core.escalation)."""
    escalated = escalation.escalate(session, rt.config, delivery, reason)
    if escalated is None:
        return None
    session.commit()
    action = session.get(Action, delivery.action_id)
    enqueue_sends(rt.queues.for_action(action.time_critical), [[escalated]])
    log.info("delivery %s escalated to delivery %s: %s", delivery.id, escalated, reason)
    return escalated


def after_reached(rt, session, delivery):
    """An alert that reached someone cancels what is still queued for them on other channels (when their
    kind escalates); one that reached them after its action ended still gets its closing message."""
    if delivery.purpose != "alert":
        return
    escalation.cancel_other_channels(session, rt.config, [delivery])
    action = session.get(Action, delivery.action_id)
    if action.status == "ended":
        send_closing(rt, session, delivery, action.time_critical)


def send_closing(rt, session, alert, time_critical):
    """Create, commit and enqueue the closing message of an alert that reached someone (once)."""
    closing_id = ledger.ensure_closing(session, alert)
    if closing_id:
        ledger.mark_enqueued(session, [closing_id])
        session.commit()
        enqueue_sends(rt.queues.for_action(time_critical), [[closing_id]])


def sweep(rt, requeue_after_s=None):
    """Re-enqueue what the ledger holds but no queue does: lost jobs, expired leases, due quiet-hour sends.

    requeue_after_s=0 takes every queued row (after a Redis restart that may have lost all jobs); otherwise a
    queued row is only taken as lost once the send queues are empty (ledger.stale)."""
    if requeue_after_s is None:
        requeue_after_s = rt.config["REQUEUE_AFTER_S"]
    queues_empty = requeue_after_s == 0 or not any(queue.count for queue in rt.queues.in_priority_order())
    with rt.db.session() as session:
        ids = ledger.stale(session, rt.config["DELIVERY_LEASE_S"], requeue_after_s, queues_empty=queues_empty)
        if not ids:
            return 0
        ledger.mark_enqueued(session, ids)
        urgent = set(session.scalars(select(Delivery.id).join(Action, Action.id == Delivery.action_id)
                                     .where(Delivery.id.in_(ids), Action.time_critical.is_(True))))
        mails = set(session.scalars(select(Delivery.id).where(Delivery.id.in_(ids), Delivery.inquiry_id.isnot(None))))
    from .mail_jobs import enqueue_mails
    enqueue_sends(rt.queues.urgent, _chunks([i for i in ids if i in urgent]))
    enqueue_sends(rt.queues.normal, _chunks([i for i in ids if i not in urgent and i not in mails]))
    enqueue_mails(rt.queues.normal, [i for i in ids if i in mails])
    log.info("sweeper re-enqueued %d deliveries", len(ids))
    return len(ids)


def _chunks(ids, size=100):
    return [ids[i:i + size] for i in range(0, len(ids), size)]
