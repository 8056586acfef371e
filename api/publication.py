"""A live action changed through the API: photos after launch, a public action's text, the area."""
from flask import current_app, g, jsonify, request

from core.actions import ActionService, decode_photos
from core.errors import ValidationError
from core.geocoding import geocoder_for
from core.publication import publication_of
from core import public_urls as urls
from web.db_session import runtime, session

from . import bp, json_body, requires


def publication_payload(db, action_id):
    """Where a public action is published: its page, and the state of its publication (None if not public)."""
    pub = publication_of(db, action_id)
    if pub is None:
        return None
    config = runtime().config
    return {"status": pub.status, "page_url": urls.page_url(config, pub.token),
            "consent_by": pub.consent_by, "consent_at": pub.consent_at.isoformat() if pub.consent_at else None}


def _event_payload(event):
    if event is None:
        return {"published": False}
    return {"published": True, "msg_type": event.msg_type, "identifier": event.identifier,
            "cap_url": urls.cap_url(runtime().config, event.identifier)}


@bp.post("/actions/<int:action_id>/photos")
@requires("actions")
def add_photos(action_id):
    """Photos as multipart files (`photo`, repeatable) or JSON {"photos": [base64, ...]}."""
    files = request.files.getlist("photo")
    photos = [f.read() for f in files] if files else decode_photos(json_body().get("photos"))
    if not photos:
        raise ValidationError("photo", "no photo sent")
    db = session()
    event = ActionService(runtime()).add_photos(db, action_id, photos, g.api_actor)
    return jsonify(_event_payload(event)), 201


@bp.post("/actions/<int:action_id>/area")
@requires("actions")
def change_area(action_id):
    """Move or resize the area: whoever it adds is alerted, nearest first; a public action sends an Update."""
    data = json_body()
    db = session()
    action, event, cancelled = ActionService(runtime()).change_area(
        db, action_id, data.get("area"), g.api_actor, area_name=data.get("area_name"),
        geocoder=geocoder_for(current_app.config, db))
    return jsonify({"area": action.area, "planned": action.planned, "cancelled": cancelled, **_event_payload(event)})


@bp.post("/actions/<int:action_id>/publication")
@requires("actions")
def update_publication(action_id):
    """Change a public action's title, message or area name: an Update goes out."""
    data = json_body()
    db = session()
    event = ActionService(runtime()).update_publication(
        db, action_id, g.api_actor, title=data.get("title"), message=data.get("message"),
        area_name=data.get("area_name"), title_en=data.get("title_en"), message_en=data.get("message_en"))
    return jsonify(_event_payload(event))
