"""RQ jobs of neighbourhood mail: send a batch of mail deliveries, each at most once.

Like core.jobs for calls and SMS: a job carries delivery ids, claims the queued ones, and the
ledger says what happened. A temporary refusal (SMTP 4xx, the relay's rate) is tried again
later; a permanent one (5xx) never; a refused recipient (5xx at RCPT) is a hard bounce that
stops mail to that address until it is confirmed again.
"""
import logging
import secrets
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from . import ledger, runtime
from .jobs import backoff_s, run_at
from .mail_address import record_hard_bounce
from .mail_links import MailLinks
from .mail_texts import OutgoingMail, inquiry_mail, update_mail
from .models import Delivery, Inquiry, MailPreference, MailSender, Participant, utcnow
from .transports import HardBounce, PermanentFailure, TransientFailure

log = logging.getLogger(__name__)

BATCH = 100
KIND_OF_PURPOSE = {"inquiry": "inquiries", "information": "information"}


def enqueue_mails(queue, delivery_ids):
    """One send_mails job per batch of ids, in one Redis round trip (mail is never time-critical)."""
    batches = [delivery_ids[i:i + BATCH] for i in range(0, len(delivery_ids), BATCH)]
    jobs = [queue.prepare_data(send_mails, args=(batch,), result_ttl=0, failure_ttl=7 * 86400) for batch in batches]
    if jobs:
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()


def claim_mails(session, delivery_ids):
    """Take queued, due mail deliveries; returns (Delivery, language, Inquiry, MailSender) each.

    An inquiry's mail whose inquiry was closed before it left, or to an address that is no longer
    confirmed (it bounced meanwhile, or the participant changed it), is cancelled instead.
    """
    now = utcnow()
    closed = select(Inquiry.id).where(Inquiry.status == "closed").scalar_subquery()
    session.execute(update(Delivery).where(and_(
        Delivery.id.in_(delivery_ids), Delivery.state == "queued", Delivery.purpose == "inquiry",
        Delivery.inquiry_id.in_(closed))).values(state="cancelled", updated_at=now, error="inquiry closed"))
    token = secrets.token_hex(8)
    session.execute(update(Delivery).where(and_(
        Delivery.id.in_(delivery_ids), Delivery.state == "queued", Delivery.channel == "email",
        or_(Delivery.not_before.is_(None), Delivery.not_before <= now)))
        .values(state="sending", claimed_at=now, claim_token=token, attempts=Delivery.attempts + 1, updated_at=now))
    rows = session.execute(
        select(Delivery, Participant.language, Inquiry, MailSender, MailPreference.confirmed_address)
        .join(Participant, Participant.id == Delivery.participant_id)
        .join(Inquiry, Inquiry.id == Delivery.inquiry_id)
        .join(MailSender, MailSender.id == Inquiry.sender_id)
        .outerjoin(MailPreference, MailPreference.participant_id == Delivery.participant_id)
        .where(and_(Delivery.claim_token == token, Delivery.state == "sending"))
        .order_by(Delivery.rank)).all()
    claimed = []
    for delivery, language, inquiry, sender, confirmed in rows:
        if confirmed != delivery.to_address:
            ledger.transition(session, delivery.id, "cancelled", error="address no longer confirmed")
        else:
            claimed.append((delivery, language, inquiry, sender))
    return claimed


def mail_for(links, delivery, language, inquiry, sender, photo_dir):
    """The OutgoingMail of one delivery, with its personal links."""
    kind = KIND_OF_PURPOSE[inquiry.kind]
    common = {"manage": links.manage_url(delivery.participant_id),
              "unsubscribe": links.unsubscribe_url(delivery.participant_id, kind)}
    common["unsubscribe_page"] = common["unsubscribe"]
    if delivery.purpose == "update":
        content = update_mail(inquiry, language, common)
    else:
        extra = {"photo": f"{photo_dir}/{inquiry.photo}" if inquiry.photo else None}
        if inquiry.kind == "inquiry":
            extra.update(reply=links.reply_url(delivery.id), nothing=links.reply_url(delivery.id, nothing=True))
        content = inquiry_mail(inquiry, language, {**common, **extra})
    return OutgoingMail(delivery.to_address, sender.display_name, sender.address, content, delivery.id)


@runtime.job
def send_mails(rt, delivery_ids):
    """Send each queued, due mail among delivery_ids through the mail transport, over one relay connection."""
    with rt.db.session() as session:
        claimed = claim_mails(session, delivery_ids)
    if not claimed:
        return
    links = MailLinks(rt.config)
    transport = rt.transports["email"]
    with transport.batch():
        for delivery, language, inquiry, sender in claimed:
            mail = mail_for(links, delivery, language, inquiry, sender, rt.config["MAIL_PHOTO_DIR"])
            with rt.db.session() as session:
                # A batch at the relay's rate can outlast the lease: each mail renews it, and one the
                # sweeper took back meanwhile is left to the job that has it now.
                if not ledger.renew_claim(session, delivery.id, delivery.claim_token):
                    continue
                session.commit()
                send_one_mail(rt, session, transport, delivery, mail)


def send_one_mail(rt, session, transport, delivery, mail):
    try:
        result = transport.send(session, mail)
    except HardBounce as exc:
        ledger.transition(session, delivery.id, "bounced", error=f"{exc.code}: {exc.reason}"[:200],
                          transport=transport.name)
        record_hard_bounce(session, delivery.participant_id, delivery.to_address, f"{exc.code} {exc.reason}")
        log.warning("mail delivery %s bounced: %s", delivery.id, exc.code)
        return
    except PermanentFailure as exc:
        ledger.transition(session, delivery.id, "failed", error=f"{exc.code}: {exc.reason}"[:200],
                          transport=transport.name)
        log.warning("mail delivery %s failed permanently: %s", delivery.id, exc.code)
        return
    except TransientFailure as exc:
        if delivery.attempts >= rt.config["MAIL_MAX_ATTEMPTS"]:
            ledger.transition(session, delivery.id, "failed", error=f"gave up: {exc.reason}"[:200])
            return
        not_before = utcnow() + timedelta(seconds=backoff_s(delivery.attempts, exc.retry_after))
        ledger.retry_later(session, delivery.id, not_before, exc.reason)
        session.commit()
        rt.queues.normal.enqueue_at(run_at(not_before), send_mails, [delivery.id], result_ttl=0)
        return
    ledger.transition(session, delivery.id, "sent", provider_ref=result.provider_ref, transport=transport.name,
                      error=None)
