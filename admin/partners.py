"""Admin pages for the partners who receive public alerts by webhook, and each partner's delivery log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import cap_keys, partners
from core.errors import Conflict, NotFound, ValidationError
from core.webhook_post import SIGNATURE_HEADER, TIMESTAMP_HEADER
from core import public_urls as urls
from web.db_session import runtime, session
from web.i18n import error_text

from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("partners", __name__, url_prefix="/config/partners"))


@bp.get("/")
def index():
    return _index_page()


def _index_page(status=200):
    db = session()
    signer = runtime().publisher.signers.current(db)
    return render_template("config/partners.html", partners=partners.list_partners(db),
                           signing=signer.describe() if signer else None, certificate_url=urls.CERTIFICATE,
                           uploaded=cap_keys.current_id(db) is not None), status


@bp.post("/signing-key")
def upload_signing_key():
    """An admin uploads the CAP signing key and its certificate (PEM files): checked, the key stored sealed;
    it signs every document from now on, and the key it replaces is destroyed."""
    db = session()
    try:
        row = cap_keys.upload(db, current_app.config, _file("key"), _file("certificate"), audit_actor())
    except ValidationError as exc:
        db.rollback()
        flash(_("Key not saved: %(reason)s", reason=error_text(exc)), "error")
        return _index_page(400)
    db.commit()
    flash(_("CAP documents are now signed with %(subject)s (SHA-256 %(sha256)s).", subject=row.subject,
            sha256=row.sha256), "info")
    return redirect(url_for("partners.index"))


def _file(field):
    upload = request.files.get(field)
    return upload.read() if upload is not None and upload.filename else None


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        return render_template("config/partner_form.html", form={})
    db = session()
    try:
        partner, secret = partners.register_partner(db, request.form.get("name"), request.form.get("url"),
                                                    audit_actor(), current_app.config)
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
        return render_template("config/partner_form.html", form=request.form), 400
    db.commit()
    # The secret is shown this once; only its sealed form is stored.
    return render_template("config/partner_created.html", partner=partner, secret=secret,
                           signature_header=SIGNATURE_HEADER, timestamp_header=TIMESTAMP_HEADER)


@bp.get("/<int:partner_id>")
def log(partner_id):
    db = session()
    try:
        partner = partners.get_partner(db, partner_id)
    except NotFound:
        abort(404)
    return render_template("config/partner_log.html", partner=partner, rows=partners.delivery_log(db, partner_id))


@bp.post("/<int:partner_id>/active")
def active(partner_id):
    db = session()
    try:
        partner = partners.set_active(db, partner_id, request.form.get("active") == "on", audit_actor())
    except NotFound:
        abort(404)
    db.commit()
    flash(_("Partner %(name)s active.", name=partner.name) if partner.active
          else _("Partner %(name)s paused.", name=partner.name), "info")
    return redirect(url_for("partners.index"))
