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
    ("hello", "contains letters"), ("123", "not a valid"), ("0612", "not a valid"),
    ("0800 0011", "service number"), ("0900 1234567", "service number"),
])
def test_parse_rejects(raw, reason):
    """Empty, junk, short and service numbers are refused with a reason naming the field."""
    with pytest.raises(ValidationError) as info:
        parse_number(raw, field="phones[0]")
    assert info.value.field == "phones[0]"
    assert reason in info.value.reason


@pytest.mark.parametrize("raw", ["O651000084", "0651000219a", "065abc0264", "+31 6 5100 0O84", "06-CALL-ME-1",
                                 "０６５１０００２１９x", "06\u0410\u0412123456"])
def test_numbers_with_letters_are_refused(raw):
    """phonenumbers reads letters as keypad digits; a number with a letter in it is refused, not guessed."""
    with pytest.raises(ValidationError) as info:
        parse_number(raw, field="phone")
    assert info.value.field == "phone" and info.value.reason == "contains letters; a phone number has only digits"


@pytest.mark.parametrize("raw", ["06 1234\x005678", "06;12345678", "+31+612345678", "06 12345678 ext", "0" * 400,
                                 "\ud800612345678", "06_12345678"])
def test_numbers_with_other_junk_are_refused(raw):
    """NUL bytes, lone surrogates, stray signs and absurd lengths are refused with a reason, never guessed."""
    with pytest.raises(ValidationError) as info:
        parse_number(raw)
    assert info.value.field == "phone"


def test_usual_separators_are_accepted():
    """Spaces (also the no-break space pasted from documents), dashes, dots, slashes and brackets are fine."""
    for raw in ("06\xa012345678", "(020) 123.45.67", "020/1234567", "+31 (0)20 1234567"):
        assert parse_number(raw).e164 in ("+31612345678", "+31201234567")


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
