"""Four eyes in the web: a launch awaiting approval, shown with its impact, approved or rejected by
someone else than who asked for it (core.approvals)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import approval_escalation, approvals
from core.errors import Conflict, NotFound, ValidationError
from core.models import Operator
from web.db_session import runtime, session
from web.i18n import error_text

from .actions import _scope, kind_labels
from .auth import audit_actor, login_required

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


def escalated_for(user):
    """The launches escalated to `user` as a supervisor and still waiting, for the banner on every page."""
    if user is None or not user.supervisor:
        return []
    return approval_escalation.escalated_for(session(), user)


def reason_labels():
    return {"wide_amber": _("a national or regional AMBER Alert"),
            "participants": _("it reaches more participants than one person may alert alone")}


def _approval_or_404(approval_id):
    try:
        return approvals.get_approval(session(), approval_id, _scope())
    except NotFound:
        abort(404)


@bp.get("/<int:approval_id>")
@login_required("operator")
def show(approval_id):
    db = session()
    approval = _approval_or_404(approval_id)
    operator = db.get(Operator, approval.launch["operator_id"])
    return render_template("actions/approval.html", approval=approval, kinds=kind_labels(),
                           reasons=reason_labels(), operator=operator,
                           action=approvals.action_of(db, approval), own=approval.requested_by == audit_actor())


@bp.post("/<int:approval_id>/approve")
@login_required("operator")
def approve(approval_id):
    db = session()
    _approval_or_404(approval_id)
    try:
        action = approvals.approve(runtime(), db, approval_id, audit_actor(), _scope())
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(_("Not approved: %(reason)s", reason=error_text(exc)), "error")
        return redirect(url_for("approvals.show", approval_id=approval_id))
    flash(_("Approved: action %(code)s launched.", code=action.code), "info")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.post("/<int:approval_id>/reject")
@login_required("operator")
def reject(approval_id):
    db = session()
    _approval_or_404(approval_id)
    try:
        approvals.reject(db, approval_id, audit_actor(), _scope(), request.form.get("reason", ""))
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(_("Not rejected: %(reason)s", reason=error_text(exc)), "error")
        return redirect(url_for("approvals.show", approval_id=approval_id))
    flash(_("Rejected: nothing was sent."), "info")
    return redirect(url_for("approvals.show", approval_id=approval_id))
