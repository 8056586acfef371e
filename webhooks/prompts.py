"""Prompt audio for Twilio's <Play>: the fixed prompts and the actions' spoken texts, from the prompt store.

Twilio fetches media without signing the request, so each URL carries a signature of its own: an
HMAC, under SECRET_KEY, of the file name and an expiry one to two hours ahead (the same URL for an
hour, so Twilio's media cache still works). Without the key nobody can name a file, and a URL
handed out stops working. Only names of the store's own layout are served. The route exists only
where Twilio places calls (VOICE_TRANSPORT twilio or per-room); a confirmation code is never in
the store at all (Twilio speaks it with <Say>, Asterisk plays it from voice.call_audio).
"""
import hashlib
import hmac
import re
import time

from flask import Blueprint, abort, current_app, request, send_from_directory

from tts_prompts import LANGUAGES
from twilio_gateway.callbacks import PREFIX, PROMPTS, callback_url

bp = Blueprint("twilio_prompts", __name__, url_prefix=PREFIX)

URL_PERIOD_S = 3600
# "<language>/<content hash>.wav" or "overrides/<language>/<prompt id>.wav" (tts_prompts.store).
_STORE_NAME = re.compile(rf"(?:overrides/)?(?:{'|'.join(LANGUAGES)})/[a-z0-9_]{{1,64}}\.wav")
TWILIO_VOICE_TRANSPORTS = ("twilio", "per-room")


def serves_prompts(config):
    """Whether Twilio may place this installation's calls, and so needs the prompt audio."""
    return config["VOICE_TRANSPORT"] in TWILIO_VOICE_TRANSPORTS


def _signature(secret, name, expires):
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"twilio-prompt:{expires}:{name}".encode(), hashlib.sha256).hexdigest()[:32]


def prompt_url(public_base_url, secret, name, now=None):
    """The URL Twilio plays `name` (relative to the store root) from."""
    expires = (int(now if now is not None else time.time()) // URL_PERIOD_S + 2) * URL_PERIOD_S
    return callback_url(public_base_url, f"{PROMPTS}/{name}", e=expires, s=_signature(secret, name, expires))


@bp.get(f"{PROMPTS}/<path:name>")
def prompt_audio(name):
    expires = request.args.get("e", type=int)
    given = request.args.get("s", "")
    if (not _STORE_NAME.fullmatch(name) or expires is None or expires < time.time()
            or not hmac.compare_digest(given, _signature(current_app.config["SECRET_KEY"], name, expires))):
        abort(404)
    return send_from_directory(current_app.config["PROMPT_DIR"], name, mimetype="audio/wav", max_age=URL_PERIOD_S)
