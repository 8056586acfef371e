"""SMS character sets and segment counting (3GPP TS 23.038 / GSM 03.38).

A text whose characters are all in the GSM 7-bit default alphabet travels as GSM-7:
160 septets in one SMS, 153 per segment when concatenated (the rest is the UDH).
Characters of the extension table (``€ [ ] { } ^ ~ \\ |`` and form feed) take two
septets (escape + character) and are never split across segments. Anything else
forces UCS-2: 70 UTF-16 code units in one SMS, 67 per segment, and a character
outside the BMP (an emoji) takes two units that stay together.
"""

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# The default alphabet in table order, 0x00-0x7F, without 0x1B (the escape to the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039eÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {GSM7: 160, UCS2: 70}
_SEGMENT = {GSM7: 153, UCS2: 67}


def is_gsm7(text: str) -> bool:
    """True when every character can be sent in the GSM 7-bit alphabet (basic or extension)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding_of(text: str) -> str:
    """GSM7 when the text allows it, else UCS2."""
    return GSM7 if is_gsm7(text) else UCS2


def _unit_sizes(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> int:
    """Number of SMS segments the text is sent as; 0 for an empty text."""
    encoding = encoding_of(text)
    sizes = _unit_sizes(text, encoding)
    if not sizes:
        return 0
    if sum(sizes) <= _SINGLE[encoding]:
        return 1
    capacity = _SEGMENT[encoding]
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments
