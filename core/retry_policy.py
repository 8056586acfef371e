"""How an action kind's messages are tried again, by what the last attempt met: a busy line soon, an
unanswered call later, a failed attempt (congestion, a network or provider fault) in between.

The defaults are the configuration's (RETRY_BUSY_S, RETRY_NO_ANSWER_S, RETRY_FAILED_S, MAX_ATTEMPTS); an
admin sets them per action kind (web page and API), each change audited. The same policy says whether a
participant not reached on one channel is escalated to their next, and in what order (core.escalation). Whether another attempt is made
at all (the attempts left, the time-critical window, the action still active) is core.jobs.retry_or_fail's.
"""
import random
from dataclasses import dataclass

from sqlalchemy import select

from . import audit
from .errors import NotFound, ValidationError
from .models import ACTION_KINDS, RetryPolicy, utcnow

# The cause a call outcome (core.alert_calls) is retried by; anything else (a congestion, an SMS provider's
# fault) is a failed attempt.
CAUSE_OF = {"busy": "busy", "no answer": "no_answer"}
CAUSES = ("busy", "no_answer", "failed")
FIELDS = {"busy_retry_s": "RETRY_BUSY_S", "no_answer_retry_s": "RETRY_NO_ANSWER_S",
          "failed_retry_s": "RETRY_FAILED_S", "max_attempts": "MAX_ATTEMPTS"}
# An hour between tries is the most that makes sense within a time-critical window.
LONGEST_RETRY_S = 3600
ATTEMPTS_LIMIT = 20
LIMITS = {"busy_retry_s": (1, LONGEST_RETRY_S), "no_answer_retry_s": (1, LONGEST_RETRY_S),
          "failed_retry_s": (1, LONGEST_RETRY_S), "max_attempts": (1, ATTEMPTS_LIMIT)}
CHANNELS = ("voice", "sms", "email")
DEFAULT_ORDER = CHANNELS
JITTER = 0.1  # retries of a whole area spread over a tenth of their delay, not all at the same second


@dataclass(frozen=True)
class Policy:
    kind: str
    busy_retry_s: int
    no_answer_retry_s: int
    failed_retry_s: int
    max_attempts: int
    configured: bool
    escalate: bool = False
    escalation_order: tuple = DEFAULT_ORDER  # an admin set it (False: the configuration's defaults)
    updated_by: str | None = None
    updated_at: object = None

    def delay_s(self, reason, retry_after=None):
        """Seconds before the next try after an attempt that met `reason`: the provider's Retry-After when it
        gave one, else the kind's delay for the cause, with a little jitter."""
        if retry_after:
            return retry_after * random.uniform(1.0, 1.0 + JITTER)
        delay = getattr(self, f"{CAUSE_OF.get(reason, 'failed')}_retry_s")
        return delay * random.uniform(1.0, 1.0 + JITTER)

    def as_dict(self):
        return {"kind": self.kind, **{field: getattr(self, field) for field in FIELDS},
                "escalate": self.escalate, "escalation_order": list(self.escalation_order),
                "configured": self.configured, "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


def _from_row(row):
    return Policy(row.kind, row.busy_retry_s, row.no_answer_retry_s, row.failed_retry_s, row.max_attempts,
                  True, bool(row.escalate), tuple(row.escalation_order.split(",")), row.updated_by, row.updated_at)


def default_policy(config, kind):
    return Policy(kind, *(int(config[key]) for key in FIELDS.values()), configured=False)


def policy_for(session, config, kind):
    """The retry policy of an action kind: the admin's, else the configuration's defaults."""
    row = session.get(RetryPolicy, kind)
    return _from_row(row) if row is not None else default_policy(config, kind)


def all_policies(session, config):
    """Every action kind's policy, in the order of ACTION_KINDS."""
    rows = {row.kind: row for row in session.scalars(select(RetryPolicy))}
    return [_from_row(rows[kind]) if kind in rows else default_policy(config, kind) for kind in ACTION_KINDS]


def _check_kind(kind):
    if kind not in ACTION_KINDS:
        raise NotFound("action kind", kind)


def _whole(data, field, current):
    raw = data.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return current
    low, high = LIMITS[field]
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValidationError(field, "must be a whole number") from None
    if not low <= value <= high:
        raise ValidationError(field, "must be between %(low)s and %(high)s", low=low, high=high)
    return value


def _switch(data, current):
    raw = data.get("escalate")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return current
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "on", "yes"):
        return True
    if value in ("0", "false", "off", "no"):
        return False
    raise ValidationError("escalate", "must be on or off")


def _order(data, current):
    """The escalation order: a list or a comma-separated text of voice, sms and email, each at most once
    (a channel left out is never escalated to)."""
    raw = data.get("escalation_order")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return current
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raw = None
    order = tuple(c.strip() for c in raw or () if c.strip())
    if not order or len(set(order)) != len(order) or not set(order) <= set(CHANNELS):
        raise ValidationError("escalation_order", "must list voice, sms and email, each at most once")
    return order


def save_policy(session, config, kind, data, actor):
    """Set an action kind's policy from form or JSON values (a field left out keeps its value); every
    field is checked before anything is written. Returns the new Policy."""
    _check_kind(kind)
    current = policy_for(session, config, kind)
    values = {field: _whole(data, field, getattr(current, field)) for field in FIELDS}
    values["escalate"] = _switch(data, current.escalate)
    values["escalation_order"] = _order(data, current.escalation_order)
    row = session.get(RetryPolicy, kind) or RetryPolicy(kind=kind)
    for field, value in values.items():
        setattr(row, field, ",".join(value) if field == "escalation_order" else value)
    row.updated_by, row.updated_at = actor, utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor, "retry-policy-changed", "action_kind", kind,
                 {field: {"from": _plain(getattr(current, field)), "to": _plain(value)}
                  for field, value in values.items() if getattr(current, field) != value})
    return _from_row(row)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def reset_policy(session, config, kind, actor):
    """Back to the configuration's defaults for this kind; returns them."""
    _check_kind(kind)
    row = session.get(RetryPolicy, kind)
    if row is not None:
        session.delete(row)
        session.flush()
        audit.record(session, actor, "retry-policy-reset", "action_kind", kind)
    return default_policy(config, kind)
