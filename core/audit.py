"""The audit trail: who launched, changed and ended what."""
import logging

from .models import AuditEvent

log = logging.getLogger("uitkijk.audit")


def record(session, actor, verb, subject_type, subject_id=None, detail=None):
    session.add(AuditEvent(actor=actor, verb=verb, subject_type=subject_type,
                           subject_id=None if subject_id is None else str(subject_id), detail=detail))
    log.info("%s %s %s %s", actor, verb, subject_type, subject_id if subject_id is not None else "")
