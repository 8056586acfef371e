"""No secrets and no full phone numbers in logs, whoever logs them (our code, werkzeug's and gunicorn's
request lines, RQ, requests): every log record is redacted when it is made.

A logged URL loses its link tokens (self-service, confirmation, reply, unsubscribe: signed tokens that
open a person's data), a header its API token, and a phone number all but what core.numbers.mask keeps.
"""
import logging
import re

from .numbers import mask

REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Pages whose path segment after the prefix is a personal link token.
_LINK_PATH = re.compile(r"(/(?:my|reply|signup/confirm|signup/done|mail/confirm|mail/unsubscribe)/)[^/?#\s\"']+")
# Anything signed by itsdangerous, wherever it appears: payload.timestamp.signature, the payload JSON in
# base64 ("ey...") or compressed (a leading ".").
_SIGNED = re.compile(r"(?:\bey|(?<![\w.])\.)[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{5,8}\.[A-Za-z0-9_-]{20,}")
_API_TOKEN = re.compile(r"\buk_[A-Za-z0-9_-]{16,}")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_QUERY_SECRET = re.compile(r"([?&](?:token|code|signature|key|password|auth_token)=)[^&#\s\"']+", re.IGNORECASE)
_E164 = re.compile(r"(?<![\w+%])(?:\+|%2B)(\d{8,15})\b", re.IGNORECASE)  # "%2B": a URL-encoded "+"
# A number dialled through a channel driver, with or without "+": Local/31612345678@..., PJSIP/+3161...@trunk.
_DIALLED = re.compile(r"\b((?:Local|PJSIP|SIP|IAX2|DAHDI)/)(\+?\d{8,15})(?=@|\b)")


def _mask_digits(number):
    """mask() of a number written with or without its "+"."""
    return mask(number) if number.startswith("+") else mask("+" + number)[1:]


def redact(text):
    """`text` without link tokens, API tokens or full phone numbers."""
    text = _LINK_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SIGNED.sub(REDACTED, text)
    text = _API_TOKEN.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    text = _DIALLED.sub(lambda m: m.group(1) + _mask_digits(m.group(2)), text)
    return _E164.sub(lambda m: mask("+" + m.group(1)), text)


_TRACEBACKS = logging.Formatter()


def _redacting(factory):
    def make_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it when the record is emitted
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info:  # formatters use exc_text when it is set, so the traceback is redacted too
            record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
        return record
    make_record.redacts = True
    return make_record


def install():
    """Redact every log record of this process from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):
        logging.setLogRecordFactory(_redacting(factory))


def configure_logging(level=logging.INFO):
    """The processes' logging: one line per record on stderr, redacted."""
    logging.basicConfig(level=level, format=FORMAT)
    install()
