"""Action endpoints: launch, list, get with progress, time-to-reach timeline, deliveries, widen now, end."""
from urllib.parse import urlencode

from flask import Response, current_app, g, jsonify, request

from core import approvals, audit, impact, ledger, message_templates, reach_report, timeline, widening
from core.actions import ActionService, action_as_dict, get_action, list_actions as newest_actions, parse_launch
from core.errors import ValidationError
from core.geocoding import geocoder_for
from core.mail_address import masked_address
from core.numbers import mask
from web.db_session import runtime, session
from web.i18n import csv_cell

from . import bp, cursor_arg, encode_cursor, int_arg, json_body, requires
from .publication import publication_payload


def action_payload(db, action):
    """The action with its progress, and which transports carry it (a console transport says so)."""
    payload = action_as_dict(db, action)
    payload["transports"] = {channel: t.name for channel, t in runtime().transports.items()}
    payload["publication"] = publication_payload(db, action.id)
    return payload


@bp.post("/actions")
@requires("actions")
def launch_action():
    config = current_app.config
    body = json_body()
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ValidationError("dry_run", "must be true or false")
    db = session()
    body = message_templates.fill_launch(db, body, g.room_scope.room_id)  # a launch from a template
    request_ = parse_launch(body, config["MAX_MESSAGE_LENGTH"], config["MAX_RADIUS_M"], geocoder_for(config, db))
    g.room_scope.check_launch(db, request_.control_room_id, request_.operator_id)
    if dry_run:  # the impact preview: nothing is written, nothing is sent
        result = impact.preview(db, config, request_)
        db.rollback()
        return jsonify({"dry_run": True, "impact": result.as_dict(config["ESTIMATE_MIN_PARTICIPANTS"])})
    outcome = approvals.launch_or_request(runtime(), db, request_, g.api_actor)
    # A client_request_id of another room's launch finds theirs: not shown.
    g.room_scope.check(outcome.action or outcome.approval)
    if outcome.action is None:  # four eyes: nothing is sent until someone else approves
        body = {"launched": False, "approval": approvals.approval_as_dict(db, outcome.approval)}
        return jsonify(body), 202 if outcome.created else 200
    return jsonify(action_payload(db, outcome.action)), 201 if outcome.created else 200


@bp.get("/actions")
@requires("actions")
def list_actions():
    db = session()
    actions = newest_actions(db, request.args.get("status"), room_id=g.room_scope.room_id)
    return jsonify([action_payload(db, a) for a in actions])


@bp.get("/actions/<int:action_id>")
@requires("actions")
def show_action(action_id):
    db = session()
    return jsonify(action_payload(db, get_action(db, action_id)))


@bp.get("/actions/<int:action_id>/timeline")
@requires("actions")
def show_timeline(action_id):
    db = session()
    return jsonify(timeline.compute(db, get_action(db, action_id)))


@bp.get("/actions/<int:action_id>/report")
@requires("actions")
def show_report(action_id):
    """The reach report's figures and timeline (the rows: report.csv)."""
    db = session()
    action = get_action(db, action_id)
    audit.record(db, g.api_actor, "read_report", "action", action.id)
    db.commit()
    return jsonify(reach_report.summary(db, action))


@bp.get("/actions/<int:action_id>/report.csv")
@requires("actions")
def report_csv(action_id):
    """Every delivery of the action: who was tried (masked), on which channel, reached when."""
    db = session()
    action = get_action(db, action_id)
    audit.record(db, g.api_actor, "read_report", "action", action.id, {"format": "csv"})
    db.commit()
    return Response(reach_report.csv_text(db, action.id, csv_cell), mimetype="text/csv")


@bp.get("/actions/<int:action_id>/deliveries")
@requires("actions")
def list_deliveries(action_id):
    """Deliveries nearest first, a page at a time: the Link header (rel="next") and X-Next-Cursor carry
    the cursor of the next page while there is one."""
    db = session()
    limit = int_arg("limit", 100, 1, 1000)
    deliveries = ledger.list_deliveries(db, action_id, {f: request.args.get(f) for f in ledger.DELIVERY_FILTERS},
                                        limit, cursor_arg((str, int, int)))
    response = jsonify([{
        "id": d.id, "participant_id": d.participant_id, "to": masked_address(d.to_address) if d.channel == "email" else mask(d.to_e164),
        "channel": d.channel,
        "purpose": d.purpose, "rank": d.rank, "distance_m": d.distance_m, "state": d.state,
        "attempts": d.attempts, "error": d.error, "transport": d.transport,
        "escalated_from": d.escalated_from, "reason": d.reason,
        "amd_status": d.amd_status, "amd_cause": d.amd_cause,
        "updated_at": d.updated_at.isoformat(),
    } for d in deliveries])
    if len(deliveries) == limit:
        cursor = encode_cursor(ledger.delivery_key(deliveries[-1]))
        args = {**request.args.to_dict(), "cursor": cursor}
        response.headers["X-Next-Cursor"] = cursor
        response.headers["Link"] = f'<{request.path}?{urlencode(args)}>; rel="next"'
    return response


@bp.post("/actions/<int:action_id>/end")
@requires("actions")
def end_action(action_id):
    data = json_body()
    db = session()
    from_response = data.get("result_from_response")
    if from_response is not None and not isinstance(from_response, bool):
        raise ValidationError("result_from_response", "must be true or false")
    action = ActionService(runtime()).end(db, action_id, data.get("result"), data.get("closing_text"),
                                          g.api_actor, result_from_response=from_response)
    return jsonify(action_payload(db, action))


@bp.post("/actions/<int:action_id>/widen")
@requires("actions")
def widen_action(action_id):
    """Widen now: the next expanding ring at once (core.widening)."""
    db = session()
    action = widening.widen(runtime(), db, action_id, g.api_actor)
    return jsonify(action_payload(db, action))
