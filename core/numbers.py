"""Phone numbers: parsing to E.164, landline or mobile, the default channel, masking for logs."""
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from .errors import ValidationError

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER}
# Numbers a participant cannot be alerted on: free, premium, shared-cost and personal numbers.
REJECTED_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
                  PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.VOICEMAIL}
# What people write between digits; anything else (letters above all: phonenumbers reads them as
# keypad digits, so 'O651000084' would become 0651000084) is refused rather than guessed.
_SEPARATORS = re.compile(r"[0-9\s()./-]*")
MAX_TYPED = 32


@dataclass(frozen=True)
class ParsedNumber:
    e164: str
    kind: str  # landline | mobile

    @property
    def default_channel(self):
        return "sms" if self.kind == "mobile" else "voice"


def parse_number(raw, region="NL", field="phone"):
    """Parse a number a person typed; raises ValidationError naming why it is not dialable."""
    if raw is None or not str(raw).strip():
        raise ValidationError(field, "is empty")
    text = str(raw).strip()
    if len(text) > MAX_TYPED:
        raise ValidationError(field, "is longer than %(max)s characters", max=MAX_TYPED)
    if any(ch.isalpha() for ch in text):
        raise ValidationError(field, "contains letters; a phone number has only digits")
    if not _SEPARATORS.fullmatch(text[1:] if text.startswith("+") else text):
        raise ValidationError(field, "contains characters that are not part of a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise ValidationError(field, "is not a phone number (%(detail)s)", detail=exc._msg) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(field, "is not a valid, dialable number")
    kind = phonenumbers.number_type(number)
    if kind in REJECTED_TYPES:
        raise ValidationError(field, "is a service number, not a personal landline or mobile")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ParsedNumber(e164, "mobile" if kind in MOBILE_TYPES else "landline")


def normalise_caller_id(raw, region="NL"):
    """E.164 for a caller ID as a switch presents it, or None when withheld, anonymous or junk."""
    if raw is None:
        return None
    text = "".join(ch for ch in str(raw) if ch.isdigit() or ch == "+")
    if not text or str(raw).strip().lower() in {"anonymous", "unknown", "restricted", "private", "withheld"}:
        return None
    try:
        return parse_number(text, region).e164
    except ValidationError:
        return None


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def is_e164(value):
    """True for a number already in E.164 form (+, country code, at most 15 digits): the one check
    the transports make before spending a request."""
    return isinstance(value, str) and _E164.fullmatch(value) is not None


def mask(e164):
    """What logs and operators see of a number: country prefix and the last three digits."""
    if not e164:
        return "-"
    return e164[:3] + "*" * max(len(e164) - 6, 0) + e164[-3:]
