"""The participant's pages behind a mail's links, without login: reply, confirm the address, unsubscribe.

The one-click unsubscribe POST (RFC 8058) comes from mail clients, which carry no CSRF token:
it lives on its own blueprint, outside the web's CSRF check; the link's signature is its proof.
"""
from flask import Blueprint, current_app, render_template, request

from core import mail_address
from core.errors import Conflict, ValidationError
from core.inquiry_replies import ReplyService
from core.mail_links import LinkRefused, MailLinks
from core.mail_texts import TEXTS, page_texts
from core.models import Participant
from web.db_session import runtime, session

bp = Blueprint("mail_public", __name__)
one_click = Blueprint("mail_unsubscribe", __name__)


def _language(participant_id=None):
    if request.args.get("lang") in TEXTS:
        return request.args["lang"]
    participant = session().get(Participant, participant_id) if participant_id else None
    return participant.language if participant else "nl"


def _refused(exc, language="nl", status=None):
    t = page_texts(language)
    return render_template("mail/public_message.html", t=t, title=t["reply_title"], text=t[exc.reason],
                           error=True), status or (410 if exc.reason == "expired" else 404)


def _reply_page(token, context, t, error=None, done=None, status=200):
    return render_template("mail/reply.html", token=token, inquiry=context.inquiry, reply=context.reply, t=t,
                           error=error, done=done, form=request.form if error else {},
                           max_mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)), status


@bp.get("/reply/<token>")
def reply(token):
    service = ReplyService(session(), current_app.config)
    try:
        context = service.open(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    t = page_texts(_language(context.delivery.participant_id))
    return _reply_page(token, context, t)


@bp.post("/reply/<token>")
def submit_reply(token):
    """A story (with photos), or "nothing" when the participant noticed nothing; bad input writes nothing."""
    db = session()
    service = ReplyService(db, current_app.config)
    try:
        context = service.open(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    t = page_texts(_language(context.delivery.participant_id))
    try:
        if request.form.get("nothing") == "1":
            service.nothing_noticed(context)
            done = t["thanks_nothing"]
        else:
            photos = [(f.filename, f.read()) for f in request.files.getlist("photos") if f and f.filename]
            service.submit(context, request.form, photos)
            done = t["thanks"]
        db.commit()
    except ValidationError as exc:
        db.rollback()
        return _reply_page(token, service.open(token), t, error=exc, status=400)
    except Conflict:
        db.rollback()
        return _reply_page(token, service.open(token), t, status=409)
    return _reply_page(token, service.open(token), t, done=done)


@bp.route("/mail/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """The double opt-in: the link shows a button, so a mail scanner fetching it confirms nothing."""
    db = session()
    links = MailLinks(current_app.config)
    try:
        participant_id, address = links.read_confirm(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    t = page_texts(_language(participant_id))
    if request.method == "GET":
        return render_template("mail/public_message.html", t=t, title=t["confirm_title"],
                               text=t["confirm_ask"].format(address=address), button=t["confirm_button"])
    try:
        mail_address.AddressConfirmation(db, runtime().transports["email"], current_app.config).confirm(token)
    except LinkRefused as exc:
        db.rollback()
        return _refused(exc, _language(participant_id))
    db.commit()
    return render_template("mail/public_message.html", t=t, title=t["confirm_title"], text=t["confirmed"])


@one_click.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """GET asks (scanners follow links); POST unsubscribes, from the page or a mail client's one click."""
    db = session()
    try:
        participant_id, kind = MailLinks(current_app.config).read_unsubscribe(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    t = page_texts(_language(participant_id))
    if request.method == "GET":
        return render_template("mail/public_message.html", t=t, title=t["unsubscribe_title"],
                               text=t["unsubscribe_ask"].format(kind=t["kinds"][kind]), button=t["unsubscribe_button"],
                               plain_form=True)
    try:
        mail_address.unsubscribe(db, current_app.config, token)
    except LinkRefused as exc:
        db.rollback()
        return _refused(exc, _language())
    db.commit()
    return render_template("mail/public_message.html", t=t, title=t["unsubscribe_title"],
                           text=t["unsubscribed"].format(kind=t["kinds"][kind]))


def request_mail_confirmation(participant):
    """Send the double opt-in link when the participant's address is new or changed (ValidationError if it cannot go)."""
    mail_address.AddressConfirmation(session(), runtime().transports["email"], current_app.config).request(participant)
