"""Four eyes over the API: launches awaiting approval, and a second person's approval or rejection."""
from flask import g, jsonify, request

from core import approvals
from web.db_session import runtime, session

from . import bp, json_body, requires
from .actions import action_payload


@bp.get("/approvals")
@requires("actions")
def list_approvals():
    db = session()
    return jsonify([approvals.approval_as_dict(db, a)
                    for a in approvals.list_approvals(db, g.room_scope, request.args.get("status", "awaiting"))])


@bp.get("/approvals/<int:approval_id>")
@requires("actions")
def show_approval(approval_id):
    db = session()
    return jsonify(approvals.approval_as_dict(db, approvals.get_approval(db, approval_id, g.room_scope)))


@bp.post("/approvals/<int:approval_id>/approve")
@requires("approvals")
def approve_launch(approval_id):
    db = session()
    action = approvals.approve(runtime(), db, approval_id, g.api_actor, g.room_scope)
    return jsonify(action_payload(db, action)), 201


@bp.post("/approvals/<int:approval_id>/reject")
@requires("approvals")
def reject_launch(approval_id):
    db = session()
    approval = approvals.reject(db, approval_id, g.api_actor, g.room_scope, json_body().get("reason"))
    return jsonify(approvals.approval_as_dict(db, approval))
