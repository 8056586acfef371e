"""Refuse every webhook request that Twilio did not sign: 403, before any view runs.

Twilio signs the public URL it requested (PUBLIC_BASE_URL + path + query) and the POST form with
the auth token of the account the request belongs to, which the form names (AccountSid). So the
signature is checked with a token held for that account: the configuration's (TWILIO_AUTH_TOKEN)
or a Twilio trunk's (twilio_gateway.accounts). An account this installation does not know, or no
PUBLIC_BASE_URL, and nothing can be verified: the request is refused. The account and token that
verified it are kept in ``g.twilio_account``.
"""
import logging

from flask import abort, current_app, g, request

from twilio_gateway.accounts import auth_tokens
from twilio_gateway.signatures import SIGNATURE_HEADER, SignatureValidator
from web.db_session import runtime

from . import bp

log = logging.getLogger(__name__)

@bp.before_request
def require_signature():
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        log.error("Twilio webhook %s refused: PUBLIC_BASE_URL must be set to verify signatures", request.path)
        abort(403)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        log.warning("Twilio webhook %s refused: no X-Twilio-Signature", request.path)
        abort(403)
    account_sid = request.form.get("AccountSid")
    known = False
    with runtime().db.session() as session:
        for token in auth_tokens(session, current_app.config, account_sid):
            known = True
            if SignatureValidator(token, base).is_valid(request.url, request.form, signature):
                g.twilio_account = (account_sid, token)  # for a view that answers through the REST API
                return
    if known:
        log.warning("Twilio webhook %s refused: wrong X-Twilio-Signature", request.path)
    else:
        log.warning("Twilio webhook %s refused: account %r is not configured", request.path, (account_sid or "")[:40])
    abort(403)
