"""Inbound SMS from Twilio's messaging webhook: what it means (core.sms_replies) and the reply.

The reply goes back as TwiML in the webhook's answer. It is sent only when the message changed
something, so a webhook Twilio repeats does not text the participant twice.
"""
from twilio.twiml.messaging_response import MessagingResponse

from core.numbers import normalise_caller_id
from core.sms_replies import handle_reply

REPLIES = {
    "unsubscribed": {
        "nl": "Uitkijk: u bent afgemeld en krijgt geen berichten meer. Weer aanmelden: stuur START.",
        "en": "Uitkijk: you have unsubscribed and will get no more messages. To subscribe again, send START.",
        "de": "Uitkijk: Sie sind abgemeldet und erhalten keine Nachrichten mehr. Wieder anmelden: senden Sie START.",
    },
    "resubscribed": {
        "nl": "Uitkijk: u bent weer aangemeld. Afmelden: stuur STOP.",
        "en": "Uitkijk: you are subscribed again. To unsubscribe, send STOP.",
        "de": "Uitkijk: Sie sind wieder angemeldet. Abmelden: senden Sie STOP.",
    },
    "tip": {
        "nl": "Uitkijk: bedankt, uw bericht is doorgegeven aan de meldkamer. Bel bij spoed 112.",
        "en": "Uitkijk: thank you, your message has been passed on to the control room. In an emergency call 112.",
        "de": "Uitkijk: Vielen Dank, Ihre Nachricht wurde an die Leitstelle weitergegeben. "
              "Im Notfall rufen Sie 112 an.",
    },
}


class InboundSmsError(ValueError):
    """The webhook's form lacks what an inbound message always has."""


def handle_inbound_sms(session, form, region="NL"):
    """Apply one inbound message (Twilio's form fields) and return (outcome, TwiML answer)."""
    message_sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    if not message_sid:
        raise InboundSmsError("MessageSid: missing")
    sender = normalise_caller_id(form.get("From"), region)
    outcome = handle_reply(session, sender, form.get("Body") or "", message_sid)
    response = MessagingResponse()
    if outcome.changed and outcome.kind in REPLIES:
        texts = REPLIES[outcome.kind]
        response.message(texts.get(outcome.language, texts["nl"]))
    return outcome, str(response)
