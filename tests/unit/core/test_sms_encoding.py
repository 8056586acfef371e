"""GSM-7/UCS-2 detection and segment counting."""
import pytest

from core.sms_encoding import (GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2, count_segments, encoding_of,
                          is_gsm7)

EURO = "\u20ac"
EMOJI = "\U0001f600"


def test_basic_alphabet_has_127_characters():
    """The default alphabet holds 128 positions, one of which (0x1B) is the escape."""
    assert len(GSM7_BASIC) == 127
    assert "\x1b" not in GSM7_BASIC
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize("text, expected", [
    ("", GSM7),
    ("Hallo, wereld!", GSM7),
    ("@£$¥èéùìòÇØøÅåÆæßÉÄÖÑÜ§¿äöñüà¡¤", GSM7),
    ("\u0394\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e", GSM7),
    ("regel 1\nregel 2\r", GSM7),
    (f"prijs {EURO} [a] {{b}} ^ ~ \\ |", GSM7),
    ("Citroën", UCS2),          # ë is not in the GSM alphabet
    ("façade", UCS2),           # only the capital Ç is
    ("tab\there", UCS2),
    ("back`tick", UCS2),
    ("escape\x1b", UCS2),
    ("\u2019quoted\u2019", UCS2),
    (f"emoji {EMOJI}", UCS2),
    ("\u03b1", UCS2),           # lower-case Greek is not there either
])
def test_encoding_of(text, expected):
    """A text is GSM-7 exactly when every character is in the basic or extension table."""
    assert encoding_of(text) == expected
    assert is_gsm7(text) == (expected == GSM7)


@pytest.mark.parametrize("text, segments", [
    ("", 0),
    ("a", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("a" * 459, 3),
    ("a" * 460, 4),
    (EURO * 80, 1),
    (EURO * 81, 2),
    ("a" * 159 + EURO, 2),
    # The escape pair is never split: the euro moves to segment 2, pushing one 'a' into segment 3.
    ("a" * 152 + EURO + "a" * 152, 3),
    ("a" * 151 + EURO + "a" * 153, 2),
    ("ë" * 70, 1),
    ("ë" * 71, 2),
    ("ë" * 134, 2),
    ("ë" * 135, 3),
    (EMOJI * 35, 1),
    (EMOJI * 36, 2),
    # A surrogate pair is never split either.
    ("ë" * 66 + EMOJI + "ë" * 66, 3),
    ("ë" * 65 + EMOJI + "ë" * 67, 2),
])
def test_count_segments(text, segments):
    """Single SMS holds 160 septets / 70 units; concatenated segments 153 / 67."""
    assert count_segments(text) == segments
