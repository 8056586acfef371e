"""A launch left waiting for its second person goes to the control room's supervisors (issue 19).

Four eyes must not become "nobody looked": a launch awaiting approval for LAUNCH_APPROVAL_ESCALATE_S
is escalated once by the sweeper (worker.py). Its supervisors are the active accounts marked supervisor
that may decide it: the room's operators' accounts, and admins (every room). Each gets an e-mail through
the mail transport, and sees a banner on their pages until someone decides (admin.approvals). The
escalation, and whom it went to, is in the audit trail; a room without a supervisor is escalated too (the
banner shows to nobody, the audit says so, and the log warns), so the time-out is never silently lost.
"""
import logging
from datetime import timedelta

from sqlalchemy import or_, select, update

from . import audit
from .catalogues import translator
from .mail_texts import MailContent, OutgoingMail
from .models import LaunchApproval, Operator, User, utcnow
from .public_urls import base_url
from .transports import PermanentFailure, TransientFailure

log = logging.getLogger(__name__)

def supervisors_of(session, control_room_id):
    """The active supervisor accounts that may decide a launch of this room."""
    room_operators = select(Operator.id).where(Operator.control_room_id == control_room_id)
    return session.scalars(select(User).where(
        User.active.is_(True), User.supervisor.is_(True),
        or_(User.role == "admin", (User.role == "operator") & User.operator_id.in_(room_operators)))
        .order_by(User.id)).all()


def overdue(session, config, now=None):
    """Ids of the approvals awaiting longer than LAUNCH_APPROVAL_ESCALATE_S and not escalated yet."""
    since = (now or utcnow()) - timedelta(seconds=config["LAUNCH_APPROVAL_ESCALATE_S"])
    return session.scalars(select(LaunchApproval.id).where(
        LaunchApproval.status == "awaiting", LaunchApproval.escalated_at.is_(None),
        LaunchApproval.requested_at <= since).order_by(LaunchApproval.id)).all()


def escalate_overdue(rt, now=None):
    """Escalate every overdue approval once; returns how many. Each is claimed by one conditional
    UPDATE, so two sweepers never mail a supervisor twice."""
    now = now or utcnow()
    with rt.db.session() as session:
        ids = overdue(session, rt.config, now)
    done = 0
    for approval_id in ids:
        with rt.db.session() as session:
            claimed = session.execute(update(LaunchApproval).where(
                LaunchApproval.id == approval_id, LaunchApproval.status == "awaiting",
                LaunchApproval.escalated_at.is_(None)).values(escalated_at=now)).rowcount
            if not claimed:
                continue
            _escalate(rt, session, session.get(LaunchApproval, approval_id), now)
            session.commit()
            done += 1
    return done


def _escalate(rt, session, approval, now):
    supervisors = supervisors_of(session, approval.control_room_id)
    waited = max(1, int((now - approval.requested_at).total_seconds() // 60))
    failed = []
    for user in supervisors:
        try:
            rt.transports["email"].send_direct(session, _mail(rt.config, approval, user, waited))
        except (PermanentFailure, TransientFailure) as exc:
            failed.append(user.email)
            log.warning("approval %s: escalation mail to supervisor %s not sent: %s", approval.id, user.id, exc)
    if not supervisors:
        log.warning("approval %s has waited %s minutes and control room %s has no supervisor to escalate to",
                    approval.id, waited, approval.control_room_id)
    audit.record(session, "system", "escalate", "launch_approval", approval.id,
                 {"waited_minutes": waited, "control_room_id": approval.control_room_id,
                  "supervisors": [u.email for u in supervisors], "mail_failed": failed})


def _mail(config, approval, user, minutes):
    """The supervisor's mail in their account's language (staff have Dutch and English)."""
    language = "en" if user.language == "en" else "nl"
    _ = translator(language)
    url = f"{base_url(config)}/approvals/{approval.id}"
    content = MailContent(
        subject=_("Launch waiting for approval: %(title)s", title=approval.title),
        paragraphs=(_("The launch \u201c%(title)s\u201d by %(requested_by)s has been waiting %(minutes)s minutes for "
                      "a second person. Nothing is sent until someone approves or rejects it.",
                      title=approval.title, requested_by=approval.requested_by, minutes=minutes),),
        buttons=((_("Review and decide"), url),), language=language)
    return OutgoingMail(user.email, config["MAIL_FROM_NAME"], config["MAIL_FROM_ADDRESS"], content)


def escalated_for(session, user):
    """The escalated approvals still awaiting that `user` (a supervisor) may decide, for their banner."""
    if not user.supervisor or user.role not in ("admin", "operator"):
        return []
    query = select(LaunchApproval).where(LaunchApproval.status == "awaiting",
                                         LaunchApproval.escalated_at.is_not(None))
    if user.role == "operator":
        room = select(Operator.control_room_id).where(Operator.id == user.operator_id).scalar_subquery()
        query = query.where(LaunchApproval.control_room_id == room)
    return session.scalars(query.order_by(LaunchApproval.requested_at)).all()
