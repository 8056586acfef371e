"""What a control room follows of an action: calls to the free number and tips, recordings as downloads.

Numbers are masked (core.follow). Listing tips and downloading a recording are personal-data reads,
audited with the token's name. Another room's action is refused before these run (api.require_token).
"""
from flask import current_app, g, jsonify, request, send_file, url_for

from core import audit, follow
from web.db_session import session

from . import bp, requires


@bp.get("/actions/<int:action_id>/calls")
@requires("tips")
def list_calls(action_id):
    db = session()
    return jsonify(follow.inbound_calls(db, action_id))


@bp.get("/actions/<int:action_id>/tips")
@requires("tips")
def list_tips(action_id):
    db = session()
    tips = follow.tips(db, action_id)
    for tip in tips:
        tip["recording_url"] = (url_for("api.download_recording", action_id=action_id, tip_id=tip["id"])
                                if tip["has_recording"] else None)
    audit.record(db, g.api_actor, "view", "tips", action_id, {"count": len(tips)})
    db.commit()
    return jsonify(tips)


@bp.get("/actions/<int:action_id>/tips/<int:tip_id>/recording")
@requires("tips")
def download_recording(action_id, tip_id):
    """The recorded tip as WAV; each download (a request from byte 0) is audited."""
    db = session()
    path = follow.recording_path(db, action_id, tip_id, current_app.config["RECORDINGS_DIR"], g.api_actor,
                                 audited=follow.starts_playing(request.headers.get("Range")))
    db.commit()
    response = send_file(path, mimetype="audio/wav", conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response
