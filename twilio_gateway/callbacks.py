"""Where Twilio calls Uitkijk back: the webhook paths and their public URLs.

The transports put these URLs into their REST requests and the webhook blueprint serves the
same paths, so both read them from here. Twilio signs the public URL it requests, query
string included, so an id carried in the query (``?delivery=12``) is as authentic as the body.
"""
from urllib.parse import urlencode, urlsplit

PREFIX = "/webhooks/twilio"
SMS_STATUS = "/sms/status"
SMS_INBOUND = "/sms/inbound"
CALL_STATUS = "/voice/status"
VOICE_INBOUND = "/voice/inbound"
VOICE_ALERT = "/voice/alert"
VOICE_EVENT = "/voice/event"
VOICE_WHISPER = "/voice/whisper"
VOICE_AMD = "/voice/amd"
VOICE_CURRENT = "/voice/current"  # what a call update put in place (voice.twilio_transport.play_instead)
PROMPTS = "/prompts"


def checked_public_base_url(value):
    """PUBLIC_BASE_URL as given (without a trailing slash); ValueError when it is not http(s)://host[/prefix]."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL: expected http(s)://host[/prefix], got {value!r}")
    return value.rstrip("/")


def callback_url(public_base_url, path, **query):
    """The absolute URL Twilio is given for ``path`` (one of the constants above)."""
    url = f"{checked_public_base_url(public_base_url)}{PREFIX}{path}"
    query = {name: value for name, value in query.items() if value is not None}
    return f"{url}?{urlencode(query)}" if query else url
