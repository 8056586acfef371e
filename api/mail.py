"""Neighbourhood mail through the API, as staff send it on the web (admin/mail.py): compose with a preview
and its count, send, read and mark the replies, export them, send the update.

The token decides what it may send and read (core.inquiries.MailAuthor): a municipality's token acts as
that municipality's staff (information to its own participants), any other as the police (inquiries).
Another's inquiry answers 404. Reading replies, their export and their photos is audited.
"""
import base64
import binascii
import json
from pathlib import Path

from flask import Response, current_app, g, jsonify, send_from_directory, url_for

from core.errors import ValidationError
from core.inquiries import (InquiryService, MailAuthor, check_draft, export_csv, get_inquiry, mail_progress,
                            mark_reply, read_replies, reply_photo, visible_inquiries)
from core.mail_jobs import enqueue_mails
from mail.compose import html_body, plain_text
from web.db_session import runtime, session
from web.i18n import csv_cell

from . import bp, json_body, requires

COMPOSE_FIELDS = ("kind", "subject", "body", "questions", "area", "photo", "dry_run")
AREA_FIELDS = {"circle": ("lat", "lon", "radius_m", "address"), "polygon": ("geometry",),
               "postcode": ("postcode",), "municipality": ("code",)}


def _author():
    return MailAuthor.of_token(g.api_principal)


def _text(value, field):
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, "must be text")
    return value or ""


def _compose_form(body):
    """The JSON compose request as the compose form core.inquiries.check_draft reads; wrong types are
    refused here, naming the field, before they could reach it."""
    form = {name: _text(body.get(name), name) for name in ("kind", "subject", "body")}
    questions = body.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, str) and "\n" not in q for q in questions):
        raise ValidationError("questions", "must be a list of texts")
    form["questions"] = "\n".join(questions)
    area = body.get("area")
    if not isinstance(area, dict):
        raise ValidationError("area", "must be an object")
    kind = area.get("type")
    if not isinstance(kind, str) or kind not in AREA_FIELDS:
        raise ValidationError("area.type", "must be circle, polygon, postcode or municipality")
    unknown = sorted(set(area) - {"type", *AREA_FIELDS[kind]})
    if unknown:
        raise ValidationError(f"area.{unknown[0]}", "is not a %(what)s field", what="area")
    form["area_type"] = kind
    if kind == "circle":
        for name in ("lat", "lon", "radius_m"):
            value = area.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValidationError(f"area.{name}", "must be a number")
            form[name] = "" if value is None else str(value)
        form["address"] = _text(area.get("address"), "area.address")
    elif kind == "polygon":
        form["polygon"] = json.dumps(area.get("geometry"))
    elif kind == "postcode":
        form["postcode"] = _text(area.get("postcode"), "area.postcode")
    else:
        form["municipality"] = _text(area.get("code"), "area.code")
    return form


def _photo(body):
    raw = body.get("photo")
    if raw is None:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise ValidationError("photo", "is not base64") from None


def inquiry_payload(db, inquiry):
    return {"id": inquiry.id, "kind": inquiry.kind, "subject": inquiry.subject, "body": inquiry.body,
            "questions": inquiry.questions, "area": inquiry.area, "area_label": inquiry.area_label,
            "municipality_id": inquiry.municipality_id,
            "sender": {"name": inquiry.sender.display_name, "address": inquiry.sender.address},
            "status": inquiry.status, "recipients": inquiry.recipients,
            "skipped_over_budget": inquiry.skipped_over_budget, "has_photo": inquiry.photo is not None,
            "created_at": inquiry.created_at.isoformat(),
            "closed_at": inquiry.closed_at.isoformat() if inquiry.closed_at else None,
            "update_text": inquiry.update_text,
            "update_sent_at": inquiry.update_sent_at.isoformat() if inquiry.update_sent_at else None,
            "progress": mail_progress(db, inquiry.id)}


def _reply_payload(inquiry_id, reply):
    return {"id": reply.id, "received_at": reply.created_at.isoformat(), "updated_at": reply.updated_at.isoformat(),
            "noticed": reply.noticed, "when": reply.when_text, "story": reply.story, "may_contact": reply.may_contact,
            "contact_number": reply.contact_number, "helpful": reply.helpful,
            "photos": [url_for("api.inquiry_reply_photo", inquiry_id=inquiry_id, photo_id=p.id) for p in reply.photos]}


@bp.get("/inquiries")
@requires("mail")
def list_inquiries():
    db = session()
    return jsonify([inquiry_payload(db, i) for i in db.scalars(visible_inquiries(db, _author()))])


@bp.post("/inquiries")
@requires("mail")
def compose_inquiry():
    """With dry_run: the preview (the count, the mail as participants would read it); else send it."""
    body = json_body(COMPOSE_FIELDS, "inquiry")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ValidationError("dry_run", "must be true or false")
    db = session()
    service = InquiryService(db, current_app.config)
    draft = check_draft(db, _compose_form(body), _author())
    if dry_run:
        count, skipped, content = service.preview(draft)
        return jsonify({"dry_run": True, "recipients": count, "skipped_over_budget": skipped,
                        "subject": content.subject, "text": plain_text(content), "html": html_body(content)})
    inquiry, due = service.send(draft, _photo(body), g.api_actor)
    db.commit()
    enqueue_mails(runtime().queues.normal, due)
    return jsonify(inquiry_payload(db, inquiry)), 201


@bp.get("/inquiries/<int:inquiry_id>")
@requires("mail")
def show_inquiry(inquiry_id):
    db = session()
    return jsonify(inquiry_payload(db, get_inquiry(db, _author(), inquiry_id)))


@bp.get("/inquiries/<int:inquiry_id>/replies")
@requires("mail")
def list_inquiry_replies(inquiry_id):
    db = session()
    inquiry = get_inquiry(db, _author(), inquiry_id)
    replies = read_replies(db, inquiry, g.api_actor)
    db.commit()
    return jsonify([_reply_payload(inquiry.id, r) for r in replies])


@bp.put("/inquiries/<int:inquiry_id>/replies/<int:reply_id>/helpful")
@requires("mail")
def mark_inquiry_reply(inquiry_id, reply_id):
    helpful = json_body(("helpful",), "helpful").get("helpful")
    if not isinstance(helpful, bool):
        raise ValidationError("helpful", "must be true or false")
    db = session()
    inquiry = get_inquiry(db, _author(), inquiry_id)
    reply = mark_reply(db, inquiry, reply_id, helpful, g.api_actor)
    db.commit()
    return jsonify(_reply_payload(inquiry.id, reply))


@bp.get("/inquiries/<int:inquiry_id>/replies.csv")
@requires("mail")
def export_inquiry_replies(inquiry_id):
    db = session()
    inquiry = get_inquiry(db, _author(), inquiry_id)
    body = export_csv(db, inquiry, g.api_actor, csv_cell)
    db.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=inquiry-{inquiry.id}-replies.csv"})


@bp.get("/inquiries/<int:inquiry_id>/photos/<int:photo_id>")
@requires("mail")
def inquiry_reply_photo(inquiry_id, photo_id):
    db = session()
    found = reply_photo(db, get_inquiry(db, _author(), inquiry_id), photo_id, g.api_actor)
    db.commit()
    response = send_from_directory(Path(current_app.config["MAIL_PHOTO_DIR"]), found.filename,
                                   mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/inquiries/<int:inquiry_id>/update")
@requires("mail")
def send_inquiry_update(inquiry_id):
    """The update to everyone the inquiry reached; `close` also stops new replies. Once only (409)."""
    body = json_body(("update_text", "close"), "update")
    close = body.get("close", False)
    if not isinstance(close, bool):
        raise ValidationError("close", "must be true or false")
    db = session()
    inquiry = get_inquiry(db, _author(), inquiry_id)
    due = InquiryService(db, current_app.config).send_update(inquiry, _text(body.get("update_text"), "update_text"),
                                                             close, g.api_actor)
    db.commit()
    enqueue_mails(runtime().queues.normal, due)
    return jsonify({**inquiry_payload(db, inquiry), "update_recipients": len(due)})
