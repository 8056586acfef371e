"""The texts of the SMS messages Uitkijk sends: alert and closing (the sign-up code texts live in core.signup).

Every composer is a pure function returning a ``ComposedSms``. What a participant must act
on (the action code, the free number) is never shortened; when the text would take more
segments than allowed, the free-form part (the description, the result) is cut at a word
boundary and ends in an ellipsis.
"""
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from core.sms_encoding import count_segments, encoding_of, is_gsm7

LANGUAGES = ("nl", "en", "de")
DEFAULT_MAX_SEGMENTS = 2

_ALERT = {
    "nl": "Uitkijk: {description} Gezien? Bel gratis {free_number} en toets code {code}. Afmelden: STOP",
    "en": "Uitkijk: {description} Seen something? Call free {free_number} and enter code {code}. Unsubscribe: STOP",
    "de": "Uitkijk: {description} Etwas gesehen? Rufen Sie kostenlos {free_number} an, Code {code}. Abmelden: STOP",
}
# The public page of a published action (photo, area, what to do); never shortened.
_LINK = {"nl": " Foto en info: {link}", "en": " Photo and info: {link}", "de": " Foto und Info: {link}"}
_CLOSING = {
    "nl": "Uitkijk: actie {code} is afgelopen.{result} Bedankt voor het uitkijken.",
    "en": "Uitkijk: action {code} has ended.{result} Thank you for keeping watch.",
    "de": "Uitkijk: Aktion {code} ist beendet.{result} Vielen Dank für Ihre Aufmerksamkeit.",
}
# An exercise's messages start with the word, in the participant's language, before anything else.
EXERCISE = {"nl": "OEFENING", "en": "EXERCISE", "de": "ÜBUNG"}
# Typographic characters that editors insert and that would force UCS-2 (halving what fits).
_GSM7_LOOKALIKES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...",
})
_CODE = re.compile(r"[0-9]{3,10}")
_SENTENCE_END = (".", "!", "?")
_TRAILING_JUNK = " ,;:-"


@dataclass(frozen=True)
class ComposedSms:
    """A message ready to send, with what it costs."""

    text: str
    encoding: str
    segments: int
    truncated: bool


def compose_alert(description: str, action_code: str, free_number: str,
                  max_segments: int = DEFAULT_MAX_SEGMENTS, language: str = "nl", link: str | None = None,
                  exercise: bool = False) -> ComposedSms:
    """The SMS that tells a participant about an action and how to report a sighting (and, for a public
    action, where its photo and page are); an exercise's starts with OEFENING."""
    template = _exercise(_template(_ALERT, language), language, exercise)
    tail = _template(_LINK, language).format(link=link) if link else ""
    code = _checked_code(action_code, "action_code")
    number = " ".join(str(free_number).split())
    if not number:
        raise ValueError("free_number: empty")
    text = _clean(description)
    if not text:
        raise ValueError("description: empty")

    def render(part: str) -> str:
        return template.format(description=part + tail, free_number=number, code=code)

    return _fit(render, text, _checked_max_segments(max_segments))


PREVIEW_CODE = "0000"  # until launch an action has no code; a preview shows one of the usual length


def alert_previews(description: str, free_number: str, exercise: bool = False) -> list[dict]:
    """The alert SMS in each language as participants would get it, before launch: text, segments,
    encoding and whether the description was shortened to fit (an exercise's with OEFENING). ValueError as
    compose_alert."""
    previews = []
    for language in LANGUAGES:
        sms = compose_alert(description, PREVIEW_CODE, free_number, language=language, exercise=exercise)
        previews.append({"language": language, "text": sms.text, "segments": sms.segments,
                         "encoding": sms.encoding, "truncated": sms.truncated})
    return previews


def compose_closing(result_text: str, action_code: str, language: str = "nl",
                    max_segments: int = DEFAULT_MAX_SEGMENTS, exercise: bool = False) -> ComposedSms:
    """The SMS that tells participants an action has ended, with its result when there is one."""
    template = _exercise(_template(_CLOSING, language), language, exercise)
    code = _checked_code(action_code, "action_code")
    result = _clean(result_text or "")

    def render(part: str) -> str:
        return template.format(code=code, result=f" {part}" if part else "")

    return _fit(render, result, _checked_max_segments(max_segments))


def _template(templates: dict, language: str) -> str:
    if language not in templates:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    return templates[language]


def _exercise(template: str, language: str, exercise: bool) -> str:
    return f"{EXERCISE[language]} - {template}" if exercise else template


def _checked_code(code, field: str) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValueError(f"{field}: expected 3 to 10 digits as a string, got {code!r}")
    return code


def _checked_max_segments(max_segments) -> int:
    if isinstance(max_segments, bool) or not isinstance(max_segments, int) or max_segments < 1:
        raise ValueError(f"max_segments: expected a whole number of at least 1, got {max_segments!r}")
    return max_segments


def _clean(text: str) -> str:
    """One line, single spaces, typographic punctuation replaced by its GSM-7 equivalent."""
    return " ".join(text.translate(_GSM7_LOOKALIKES).split())


def _as_sentence(text: str) -> str:
    return text if not text or text.endswith(_SENTENCE_END) else text + "."


def _fit(render: Callable[[str], str], free_text: str, max_segments: int) -> ComposedSms:
    """Render with ``free_text`` whole if it fits, else with the longest shortening that does."""
    text = render(_as_sentence(free_text))
    if count_segments(text) <= max_segments:
        return ComposedSms(text, encoding_of(text), count_segments(text), truncated=False)
    for prefix in _shortenings(free_text):
        text = render(prefix + "...")
        if not is_gsm7(text):
            text = render(prefix + "\u2026")  # UCS-2 anyway: one unit instead of three
        if count_segments(text) <= max_segments:
            return ComposedSms(text, encoding_of(text), count_segments(text), truncated=True)
    raise ValueError(f"max_segments: {max_segments} segment(s) cannot hold the fixed part of the message")


def _shortenings(text: str) -> Iterator[str]:
    """Prefixes of ``text``, longest first: whole words, then (if one word is too long) characters."""
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        prefix = " ".join(words[:count]).rstrip(_TRAILING_JUNK)
        if prefix:
            yield prefix
    first = words[0]
    for length in range(len(first) - 1, 0, -1):
        yield first[:length]
