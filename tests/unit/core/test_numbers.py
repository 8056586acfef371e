"""Phone number parsing, caller-ID normalisation and masking."""
import pytest

from core.errors import ValidationError
from core.numbers import mask, normalise_caller_id, parse_number


@pytest.mark.parametrize("raw, e164, kind", [
    ("06 12345678", "+31612345678", "mobile"),
    ("0031 6 12345678", "+31612345678", "mobile"),
    ("+31 20 123 4567", "+31201234567", "landline"),
    ("020-1234567", "+31201234567", "landline"),
    ("+32 3 234 56 78", "+3232345678", "landline"),
    ("+32 470 12 34 56", "+32470123456", "mobile"),
    ("+49 151 23456789", "+4915123456789", "mobile"),
])
def test_parse_valid_numbers(raw, e164, kind):
    """Dutch, Belgian and German numbers in the usual notations become E.164 with the right kind."""
    parsed = parse_number(raw)
    assert (parsed.e164, parsed.kind) == (e164, kind)


@pytest.mark.parametrize("raw, reason", [
    ("", "is empty"), ("   ", "is empty"), (None, "is empty"),
    ("hello", "is not a phone number"), ("123", "not a valid"), ("0612", "not a valid"),
    ("0800 0011", "service number"), ("0900 1234567", "service number"),
])
def test_parse_rejects(raw, reason):
    """Empty, junk, short and service numbers are refused with a reason naming the field."""
    with pytest.raises(ValidationError) as info:
        parse_number(raw, field="phones[0]")
    assert info.value.field == "phones[0]"
    assert reason in info.value.reason


def test_default_channel_follows_kind():
    """A mobile is reached by SMS and a landline by voice unless the participant chose otherwise."""
    assert parse_number("0612345678").default_channel == "sms"
    assert parse_number("0201234567").default_channel == "voice"


@pytest.mark.parametrize("raw, expected", [
    ("0201234567", "+31201234567"), ("0031201234567", "+31201234567"), ("+31201234567", "+31201234567"),
    ("31201234567", "+31201234567"), ("anonymous", None), ("", None), (None, None), ("Restricted", None),
    ("\x00\xff", None), ("+4930123456", "+4930123456"),
])
def test_normalise_caller_id(raw, expected):
    """Caller IDs as switches present them become E.164, and withheld or junk ones become None."""
    assert normalise_caller_id(raw) == expected


def test_mask_keeps_prefix_and_last_three_digits():
    """Logs and operators see only the country prefix and the last three digits."""
    assert mask("+31612345678") == "+31******678"
    assert mask(None) == "-"
