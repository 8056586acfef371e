"""Message status callbacks and inbound SMS."""
from flask import Response, current_app, request

from sms.inbound import InboundSmsError, handle_inbound_sms
from sms.receipts import apply_message_status
from twilio_gateway.callbacks import SMS_INBOUND, SMS_STATUS
from web.db_session import runtime

from . import bp


@bp.post(SMS_STATUS)
def message_status():
    """Twilio reports a message's progress; messages sent outside an action name no delivery."""
    delivery_id = request.args.get("delivery", type=int)
    if delivery_id is not None:
        with runtime().db.session() as session:
            apply_message_status(session, delivery_id, request.form.get("MessageSid"),
                                 request.form.get("MessageStatus"), request.form.get("ErrorCode"))
    return "", 204


@bp.post(SMS_INBOUND)
def inbound_sms():
    """A participant texted the SMS number: STOP/START, or a tip for the action that alerted them."""
    try:
        with runtime().db.session() as session:
            _, twiml = handle_inbound_sms(session, request.form, current_app.config["DEFAULT_REGION"])
    except InboundSmsError as exc:
        return {"error": "bad_request", "reason": str(exc)}, 400
    return Response(twiml, mimetype="application/xml")
