"""The names and addresses neighbourhood mail leaves from, as an admin keeps them on the web (the police's
for inquiries, a municipality's for its information mail). National: a room's token may not change them."""
from flask import g, jsonify

from core import mail_senders
from core.errors import ValidationError
from web.db_session import session

from . import bp, json_body, national_only, requires

FIELDS = ("display_name", "address", "municipality")


def _values():
    data = json_body(FIELDS, "mail sender")
    for field in FIELDS:  # the core reads form values: text only, a number or list is refused here by name
        if data.get(field) is not None and not isinstance(data[field], str):
            raise ValidationError(field, "must be text")
    return data


@bp.get("/mail-senders")
@requires("configuration")
def list_mail_senders():
    db = session()
    return jsonify([mail_senders.sender_as_dict(db, s) for s in mail_senders.list_senders(db)])


@bp.post("/mail-senders")
@requires("configuration")
def create_mail_sender():
    national_only("mail senders")
    db = session()
    sender = mail_senders.save_sender(db, _values(), g.api_actor)
    db.commit()
    return jsonify(mail_senders.sender_as_dict(db, sender)), 201


@bp.put("/mail-senders/<int:sender_id>")
@requires("configuration")
def update_mail_sender(sender_id):
    national_only("mail senders")
    db = session()
    mail_senders.get_sender(db, sender_id)
    sender = mail_senders.save_sender(db, _values(), g.api_actor, sender_id)
    db.commit()
    return jsonify(mail_senders.sender_as_dict(db, sender))
