"""Partners who receive every public alert by webhook (display networks, transport companies, websites),
as an admin keeps them on the web: list with delivery counts, register (the secret shown once), pause or
resume, the delivery log, and the key that signs their CAP documents. Partners are national: a token bound to a control room may not touch them."""
from flask import current_app, g, jsonify

from core import cap_keys, partners, secrets
from core.errors import NotFound, ValidationError
from core.models import PARTNER_DELIVERY_STATES
from web.db_session import runtime, session

from . import bp, int_arg, json_body, national_only, requires
from .webhooks import attempts_payload


def partner_payload(partner, counts=None, secret=None):
    payload = {"id": partner.id, "name": partner.name, "url": partner.url, "active": partner.active,
               "secret": secrets.describe(partner.secret), "created_at": partner.created_at.isoformat()}
    if counts is not None:
        payload["deliveries"] = {state: counts.get(state, 0) for state in PARTNER_DELIVERY_STATES}
    if secret is not None:
        payload["new_secret"] = secret
    return payload


@bp.get("/partners")
@requires("configuration")
def list_partners():
    national_only("partners")
    return jsonify([partner_payload(p, counts) for p, counts in partners.list_partners(session())])


@bp.post("/partners")
@requires("configuration")
def create_partner():
    national_only("partners")
    data = json_body(("name", "url"), "partner")
    db = session()
    partner, secret = partners.register_partner(db, data.get("name"), data.get("url"), g.api_actor,
                                                current_app.config)
    db.commit()
    return jsonify(partner_payload(partner, {}, secret)), 201


@bp.put("/partners/<int:partner_id>/active")
@requires("configuration")
def set_partner_active(partner_id):
    national_only("partners")
    active = json_body(("active",)).get("active")
    if not isinstance(active, bool):
        raise ValidationError("active", "must be true or false")
    db = session()
    partner = partners.set_active(db, partner_id, active, g.api_actor)
    db.commit()
    return jsonify(partner_payload(partner))


@bp.get("/partners/<int:partner_id>/deliveries")
@requires("configuration")
def partner_deliveries(partner_id):
    national_only("partners")
    db = session()
    partners.get_partner(db, partner_id)
    rows = partners.delivery_log(db, partner_id, int_arg("limit", 100, 1, 1000))
    return jsonify([{**attempts_payload(row), "identifier": identifier, "msg_type": msg_type}
                    for row, identifier, msg_type in rows])


def _signing_payload(facts):
    return {"subject": facts["subject"], "sha256": facts["sha256"], "not_after": facts["not_after"].isoformat()}


@bp.get("/partners/signing-key")
@requires("configuration")
def show_signing_key():
    """Whose certificate signs the CAP documents now (never the key); 404 while nothing signs them."""
    national_only("partners")
    signer = runtime().publisher.signers.current(session())
    if signer is None:
        raise NotFound("signing key", "current")
    return jsonify(_signing_payload(signer.describe()))


@bp.put("/partners/signing-key")
@requires("configuration")
def install_signing_key():
    """The CAP signing key and its certificate (PEM text), as an admin uploads them on the web: checked,
    the key stored sealed and write-only; it signs from now on and the key it replaces is destroyed."""
    national_only("partners")
    data = json_body(("key", "certificate"), "signing key")
    db = session()
    row = cap_keys.upload(db, current_app.config, data.get("key"), data.get("certificate"), g.api_actor)
    db.commit()
    return jsonify(_signing_payload({"subject": row.subject, "sha256": row.sha256, "not_after": row.not_after}))
