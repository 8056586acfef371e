"""Checking that a webhook request really comes from Twilio (the X-Twilio-Signature header).

Twilio signs the URL it requested plus the sorted POST parameters with the account's auth
token. Behind a reverse proxy the URL the app sees (http://127.0.0.1:8000/...) is not the one
Twilio requested (https://uitkijk.example.org/...), so the check rebuilds the public URL from
a configured public base URL and the request's path and query.
"""
from typing import Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureValidator:
    """Validates webhook signatures for one auth token and (optionally) one public base URL."""

    def __init__(self, auth_token: str, public_base_url: Optional[str] = None):
        if not auth_token:
            raise ValueError("auth_token: empty")
        if public_base_url:
            parts = urlsplit(public_base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
                raise ValueError(f"public_base_url: expected http(s)://host[/prefix], got {public_base_url!r}")
        self._validator = RequestValidator(auth_token)
        self.public_base_url = public_base_url or None

    def public_url(self, request_url: str) -> str:
        """The URL Twilio requested, given the URL the app received."""
        if not self.public_base_url:
            return request_url
        base = urlsplit(self.public_base_url)
        seen = urlsplit(request_url)
        return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + seen.path, seen.query, ""))

    def is_valid(self, request_url: str, params: Optional[Mapping], signature: Optional[str]) -> bool:
        """True when ``signature`` is Twilio's for this request; False when missing or forged.

        ``params`` are the POST form fields (a dict, or a Flask/Werkzeug MultiDict).
        """
        if not signature:
            return False
        return self._validator.validate(self.public_url(request_url), _as_multi(params), signature)


def sign(auth_token: str, url: str, params: Optional[Mapping] = None) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and form; for tests and tools."""
    return RequestValidator(auth_token).compute_signature(url, _as_multi(params))


class _ParamLists(dict):
    """Every value of each field, in the getlist() shape the validator understands."""

    def getlist(self, name):
        return self[name]


def _as_multi(params: Optional[Mapping]) -> _ParamLists:
    if not params:
        return _ParamLists()
    if hasattr(params, "getlist"):
        return _ParamLists({name: list(params.getlist(name)) for name in params.keys()})
    return _ParamLists({name: list(value) if isinstance(value, (list, tuple)) else [value]
                        for name, value in params.items()})
