"""Admin pages for the partners who receive public alerts by webhook, and each partner's delivery log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from core import partners
from core.errors import Conflict, NotFound, ValidationError
from publish.partners import SIGNATURE_HEADER, TIMESTAMP_HEADER
from core import public_urls as urls
from web.db_session import runtime, session

from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("partners", __name__, url_prefix="/config/partners"))


@bp.get("/")
def index():
    signer = runtime().publisher.signer
    return render_template("config/partners.html", partners=partners.list_partners(session()),
                           signing=signer.describe() if signer else None, certificate_url=urls.CERTIFICATE)


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
        flash(f"Niet opgeslagen: {exc}", "error")
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
    flash(f"Partner {partner.name} {'actief' if partner.active else 'gepauzeerd'}.", "info")
    return redirect(url_for("partners.index"))
