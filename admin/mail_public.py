"""The participant's pages behind a mail's links, without login: reply, confirm the address, unsubscribe.

They speak the participant's language (Dutch, English or German) through the web's catalogues: a `?lang=` in
the link or the language the visitor picked in the switcher first, then the participant's own, then the
browser's (web.i18n). The one-click unsubscribe POST (RFC 8058) comes from mail clients, which carry no CSRF
token: it lives on its own blueprint, outside the web's CSRF check; the link's signature is its proof.
"""
from flask import Blueprint, current_app, render_template, request
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext

from core import mail_address
from core.errors import N_, Conflict, ValidationError
from core.inquiry_replies import ReplyService
from core.mail_links import LinkRefused, MailLinks
from core.models import Participant
from web.db_session import runtime, session
from web.i18n import COOKIE, PUBLIC_LANGUAGES

bp = Blueprint("mail_public", __name__)
one_click = Blueprint("mail_unsubscribe", __name__)

REFUSED = {"expired": N_("This link has expired. For urgent information, contact the police on 0900-8844."),
           "invalid": N_("This link is not valid. Use the link from your e-mail.")}
KINDS = {"inquiries": N_("police inquiries"), "information": N_("information from your municipality"),
         "alerts": N_("alerts by e-mail")}
FIELDS = {"story": N_("What you saw or heard"), "when": N_("When"), "photos": N_("Photos"),
          "contact_number": N_("Phone number")}


def _language(participant_id=None):
    for chosen in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if chosen in PUBLIC_LANGUAGES:
            return chosen
    participant = session().get(Participant, participant_id) if participant_id else None
    if participant is not None and participant.language in PUBLIC_LANGUAGES:
        return participant.language
    return str(get_locale())


def _page(language, template, **values):
    """The page wholly in `language`: its words, the top bar and <html lang>."""
    with force_locale(language):
        return render_template(template, **values)


def _message(language, title, text, button=None, error=False, plain_form=False, **values):
    """A short page: a title, a sentence and maybe a button, msgids worded here (the sentence with `values`)."""
    with force_locale(language):
        return render_template("mail/public_message.html", title=_(title), text=_(text, **values),
                               button=_(button) if button else None, error=error, plain_form=plain_form)


def _refused(exc, language, status=None):
    return (_message(language, N_("Your reply"), REFUSED[exc.reason], error=True),
            status or (410 if exc.reason == "expired" else 404))


def _reply_page(token, context, language, error=None, done=None, status=200):
    return _page(language, "mail/reply.html", token=token, inquiry=context.inquiry, reply=context.reply,
                 error=error, error_field=lazy_gettext(FIELDS[error.field]) if error and error.field in FIELDS
                 else getattr(error, "field", None), done=lazy_gettext(done) if done else None,
                 form=request.form if error else {},
                 max_mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)), status


@bp.get("/reply/<token>")
def reply(token):
    service = ReplyService(session(), current_app.config)
    try:
        context = service.open(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    return _reply_page(token, context, _language(context.delivery.participant_id))


@bp.post("/reply/<token>")
def submit_reply(token):
    """A story (with photos), or "nothing" when the participant noticed nothing; bad input writes nothing."""
    db = session()
    service = ReplyService(db, current_app.config)
    try:
        context = service.open(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    language = _language(context.delivery.participant_id)
    try:
        if request.form.get("nothing") == "1":
            service.nothing_noticed(context)
            done = N_("Thank you for letting us know.")
        else:
            photos = [(f.filename, f.read()) for f in request.files.getlist("photos") if f and f.filename]
            service.submit(context, request.form, photos)
            done = N_("Thank you. Your reply has been received.")
        db.commit()
    except ValidationError as exc:
        db.rollback()
        return _reply_page(token, service.open(token), language, error=exc, status=400)
    except Conflict:
        db.rollback()
        return _reply_page(token, service.open(token), language, status=409)
    return _reply_page(token, service.open(token), language, done=done)


@bp.route("/mail/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """The double opt-in: the link shows a button, so a mail scanner fetching it confirms nothing."""
    db = session()
    links = MailLinks(current_app.config)
    try:
        participant_id, address = links.read_confirm(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    language = _language(participant_id)
    title = N_("Confirm e-mail address")
    if request.method == "GET":
        return _message(language, title, N_("Please confirm that you want to receive messages from Uitkijk at "
                                            "%(address)s."), button=N_("Confirm my e-mail address"), address=address)
    try:
        mail_address.AddressConfirmation(db, runtime().transports["email"], current_app.config).confirm(token)
    except LinkRefused as exc:
        db.rollback()
        return _refused(exc, language)
    db.commit()
    return _message(language, title, N_("Your e-mail address is confirmed. Thank you."))


@one_click.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """GET asks (scanners follow links); POST unsubscribes, from the page or a mail client's one click."""
    db = session()
    try:
        participant_id, kind = MailLinks(current_app.config).read_unsubscribe(token)
    except LinkRefused as exc:
        return _refused(exc, _language())
    language = _language(participant_id)
    title = N_("Unsubscribe")
    if request.method == "GET":
        return _message(language, title, N_("Do you no longer want to receive %(kind)s by e-mail?"),
                        button=title, plain_form=True, kind=lazy_gettext(KINDS[kind]))
    try:
        mail_address.unsubscribe(db, current_app.config, token)
    except LinkRefused as exc:
        db.rollback()
        return _refused(exc, language)
    db.commit()
    return _message(language, title, N_("You are unsubscribed from %(kind)s. You can switch this back on in your "
                                        "preferences."), kind=lazy_gettext(KINDS[kind]))


def request_mail_confirmation(participant):
    """Send the double opt-in link when the participant's address is new or changed (ValidationError if it cannot go)."""
    mail_address.AddressConfirmation(session(), runtime().transports["email"], current_app.config).request(participant)
