"""Twilio's webhooks under /webhooks/twilio: message and call status, inbound SMS, the voice flows.

Every request must carry a valid X-Twilio-Signature (see webhooks.signature); only the prompt
audio Twilio fetches for <Play> is served without one. Register with ``init_app(app)``.
"""
from flask import Blueprint

from twilio_gateway.callbacks import PREFIX

bp = Blueprint("twilio_webhooks", __name__, url_prefix=PREFIX)

from . import signature, form_checks, prompts, sms, voice  # noqa: E402,F401  (routes and checks attach to bp)


def init_app(app):
    """Register the webhooks; they are signed by Twilio, so the web's CSRF check does not apply."""
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
