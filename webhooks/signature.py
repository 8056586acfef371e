"""Refuse every webhook request that Twilio did not sign: 403, before any view runs.

The signature covers the public URL Twilio requested (PUBLIC_BASE_URL + path + query) and the
POST form, keyed with TWILIO_AUTH_TOKEN. Without both settings nothing can be verified, so
everything is refused.
"""
import logging

from flask import abort, current_app, request

from twilio_gateway.signatures import SIGNATURE_HEADER, SignatureValidator

from . import bp

log = logging.getLogger(__name__)

# Endpoints Twilio fetches as media: it does not sign those requests.
UNSIGNED_ENDPOINTS = {"twilio_webhooks.prompt_audio"}


def validator():
    """The app's SignatureValidator, built once from its configuration (None if unconfigured)."""
    found = current_app.extensions.get("twilio_signature_validator")
    if found is None:
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        base = current_app.config.get("PUBLIC_BASE_URL")
        if not token or not base:
            return None
        found = current_app.extensions["twilio_signature_validator"] = SignatureValidator(token, base)
    return found


@bp.before_request
def require_signature():
    if request.endpoint in UNSIGNED_ENDPOINTS:
        return
    checker = validator()
    if checker is None:
        log.error("Twilio webhook %s refused: TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL must both be set",
                  request.path)
        abort(403)
    if not checker.is_valid(request.url, request.form, request.headers.get(SIGNATURE_HEADER)):
        log.warning("Twilio webhook %s refused: %s X-Twilio-Signature", request.path,
                    "wrong" if request.headers.get(SIGNATURE_HEADER) else "no")
        abort(403)
