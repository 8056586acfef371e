"""Four eyes: a launch that is national, regional (an AMBER alert) or larger than
LAUNCH_APPROVAL_PARTICIPANTS waits for a second person before anything is sent.

The request keeps the launch as it was checked (core.actions.LaunchRequest) and its impact preview;
nothing is in the ledger. Someone else (not the requester) of the same control room, or with a
national role, approves it, and the normal launch runs at once; or rejects it, saying why. Each
step is in the audit trail.

A small local launch is never held up: the gate reads one index count (core.selection's bound on
the area's reach points) and goes on to the launch when it is below the threshold; only a launch
that may be large gets the full count.
"""
import base64
import dataclasses
import secrets

from sqlalchemy import select

from . import audit, impact
from .actions import ActionService, LaunchRequest
from .errors import N_, Conflict, NotFound, ValidationError
from .input_checks import check_text
from .models import Action, LaunchApproval, utcnow
from .selection import count_locations

REJECTION_MAX = 500
# Deciding a request decided before: the sentence per state, so the reader gets the state in words
# ("goedgekeurd"), not its identifier.
ALREADY_DECIDED = {"approved": N_("launch approval %(id)s has been approved already"),
                   "rejected": N_("launch approval %(id)s has been rejected already")}


@dataclasses.dataclass
class Outcome:
    """What a launch request led to: an action (launched, or found again), or an approval waiting; `created`
    when this request made it."""

    action: Action | None = None
    created: bool = False
    approval: LaunchApproval | None = None


def reason_for_approval(session, config, request):
    """Why `request` needs a second person ("wide_amber", "participants"), with its preview; (None, None) when it
    does not. Below the threshold only the index count is read."""
    if request.kind == "amber_alert" and impact.is_wide_area(request.area):
        return "wide_amber", impact.preview(session, config, request)
    limit = config["LAUNCH_APPROVAL_PARTICIPANTS"]
    if count_locations(session, request.area) <= limit:  # a bound: people times their usable numbers
        return None, None
    preview = impact.preview(session, config, request)
    return ("participants", preview) if preview.participants > limit else (None, None)


def launch_or_request(runtime, session, request, actor):
    """Launch `request` at once, or, when it needs four eyes, record it as awaiting approval (nothing sent).
    A repeated request (the same client_request_id) answers with what the first one made."""
    if request.client_request_id:
        earlier = session.scalar(select(LaunchApproval).where(
            LaunchApproval.client_request_id == request.client_request_id))
        if earlier is not None:
            return Outcome(action=action_of(session, earlier), approval=earlier)
    reason, preview = reason_for_approval(session, runtime.config, request)
    if reason is None:
        action, created = ActionService(runtime).launch(session, request, actor)
        return Outcome(action=action, created=created)
    return Outcome(approval=_request(runtime, session, request, actor, reason, preview), created=True)


def _request(runtime, session, request, actor, reason, preview):
    config = runtime.config
    photos = ActionService(runtime).clean_photos(request.photos)  # a bad photo refuses the request now
    stored = dataclasses.asdict(request)
    stored["photos"] = [base64.b64encode(p.data).decode() for p in photos]
    stored["client_request_id"] = request.client_request_id or f"approval-{secrets.token_urlsafe(18)}"
    approval = LaunchApproval(launch=stored, client_request_id=stored["client_request_id"], kind=request.kind,
                              title=request.title, control_room_id=request.control_room_id, reason=reason,
                              impact=preview.as_dict(config["ESTIMATE_MIN_PARTICIPANTS"]), requested_by=actor)
    session.add(approval)
    session.flush()
    audit.record(session, actor, "request_approval", "launch_approval", approval.id,
                 {"kind": request.kind, "area": request.area, "reason": reason,
                  "participants": preview.participants, "control_room_id": request.control_room_id})
    session.commit()
    return approval


def launch_request_of(approval):
    """The launch the approval holds, as ActionService.launch takes it."""
    stored = dict(approval.launch)
    stored["photos"] = tuple(base64.b64decode(p) for p in stored["photos"])
    return LaunchRequest(**stored)


def get_approval(session, approval_id, scope, for_update=False):
    """The approval, if `scope` (core.room_scope.RoomScope) may see it; another room's is not found."""
    approval = session.get(LaunchApproval, approval_id, with_for_update=for_update)
    if approval is None or not scope.allows(approval):
        raise NotFound("launch approval", approval_id)
    return approval


def list_approvals(session, scope, status="awaiting", limit=100):
    if status not in (None, "awaiting", "approved", "rejected"):
        raise ValidationError("status", "must be awaiting, approved or rejected")
    query = select(LaunchApproval).order_by(LaunchApproval.id.desc()).limit(limit)
    if status:
        query = query.where(LaunchApproval.status == status)
    if scope.restricted:
        query = query.where(LaunchApproval.control_room_id == scope.room_id)
    return session.scalars(query).all()


def _decidable(session, approval_id, actor, scope):
    """The awaiting approval, locked; Conflict when decided already or when `actor` asked for it."""
    approval = get_approval(session, approval_id, scope, for_update=True)
    if approval.status != "awaiting":
        raise Conflict(ALREADY_DECIDED[approval.status], id=approval_id)
    if approval.requested_by == actor:
        raise Conflict("a launch needs a second person: someone else than who asked for it approves it")
    return approval


def approve(runtime, session, approval_id, actor, scope):
    """Approve and launch at once (the normal launch: first ring now, the rest by a ledger writer). The
    launch is the requester's; the audit trail says who approved it. Returns the action."""
    approval = _decidable(session, approval_id, actor, scope)
    approval.status, approval.decided_by, approval.decided_at = "approved", actor, utcnow()
    audit.record(session, actor, "approve", "launch_approval", approval.id,
                 {"requested_by": approval.requested_by, "client_request_id": approval.client_request_id})
    # The approval commits with the launch's first ring: approved and launched, or neither.
    action, _ = ActionService(runtime).launch(session, launch_request_of(approval), approval.requested_by)
    return action


def reject(session, approval_id, actor, scope, reason):
    """Reject: nothing is sent; `reason` (required) tells the requester why."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", "say why the launch is rejected")
    if len(reason) > REJECTION_MAX:
        raise ValidationError("reason", "is longer than %(max)s characters", max=REJECTION_MAX)
    check_text(reason, "reason")
    approval = _decidable(session, approval_id, actor, scope)
    approval.status, approval.decided_by, approval.decided_at = "rejected", actor, utcnow()
    approval.rejection = reason.strip()
    audit.record(session, actor, "reject", "launch_approval", approval.id,
                 {"requested_by": approval.requested_by, "reason": approval.rejection})
    session.commit()
    return approval


def action_of(session, approval):
    """The action an approved request launched (it carries the request's client_request_id), else None."""
    if approval.status != "approved":
        return None
    return session.scalar(select(Action).where(Action.client_request_id == approval.client_request_id))


def approval_as_dict(session, approval):
    action = action_of(session, approval)
    request = approval.launch
    return {"id": approval.id, "status": approval.status, "reason": approval.reason, "kind": approval.kind,
            "title": approval.title, "message": request["message"], "area": request["area"],
            "time_critical": request["time_critical"], "control_room_id": approval.control_room_id,
            "operator_id": request["operator_id"], "client_request_id": approval.client_request_id,
            "impact": approval.impact, "requested_by": approval.requested_by,
            "requested_at": approval.requested_at.isoformat(), "decided_by": approval.decided_by,
            "decided_at": approval.decided_at.isoformat() if approval.decided_at else None,
            "rejection": approval.rejection, "action_id": action.id if action else None,
            "escalated_at": approval.escalated_at.isoformat() if approval.escalated_at else None}
