"""Twilio's webhooks under /webhooks/twilio: message and call status, inbound SMS, the voice flows.

Every request must carry a valid X-Twilio-Signature (see webhooks.signature). The prompt audio
Twilio fetches for <Play> is a blueprint of its own (webhooks.prompts), with signed URLs instead,
registered only where Twilio places calls. Register with ``init_app(app)``.
"""
from flask import Blueprint

from twilio_gateway.callbacks import PREFIX

bp = Blueprint("twilio_webhooks", __name__, url_prefix=PREFIX)

from . import signature, form_checks, prompts, sms, voice  # noqa: E402,F401  (routes and checks attach to bp)


def init_app(app):
    """Register the webhooks; they are signed by Twilio, so the web's CSRF check does not apply."""
    app.register_blueprint(bp)
    if prompts.serves_prompts(app.config):
        app.register_blueprint(prompts.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
