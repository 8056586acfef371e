"""Every word a participant gets exists in each of their languages (Dutch, English and German for the
border area), with the same placeholders: SMS, spoken texts, prompts and sign-up codes (e-mail's words are in
the catalogues: tests/unit/test_web_catalogues.py)."""
import string

import pytest

from core import messages, signup, sms_texts
from core.participants import LANGUAGES
from core.sms_encoding import is_gsm7
from sms.inbound import REPLIES
from tts_prompts.catalogue import PROMPTS

TABLES = {
    "sms alert": sms_texts._ALERT, "sms link": sms_texts._LINK, "sms closing": sms_texts._CLOSING,
    "spoken": messages.SPOKEN, "results": messages.RESULT_TEXT,
    "code": signup.CODE_TEXTS, "number taken": signup.TAKEN_TEXTS, "manage link": signup.LINK_TEXTS,
    **{f"sms reply {name}": table for name, table in REPLIES.items()},
    **{f"prompt {name}": table for name, table in PROMPTS.items()},
}


def _leaves(value, path=()):
    """(path, text) of every string in a nested dict of texts."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, path + (key,))
    else:
        yield path, value


def _fields(text):
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_participants_have_three_languages():
    assert LANGUAGES == ("nl", "en", "de")


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_text_exists_in_every_language_with_the_same_placeholders(table):
    """A text missing in German (or any language), or one that loses {code}, fails here."""
    texts = TABLES[table]
    assert sorted(texts) == sorted(LANGUAGES), table
    dutch = dict(_leaves(texts["nl"]))
    for language in LANGUAGES:
        other = dict(_leaves(texts[language]))
        assert sorted(other) == sorted(dutch), (table, language)
        for path, text in other.items():
            assert text.strip(), (table, language, path)
            assert _fields(text) == _fields(dutch[path]), (table, language, path)


def test_german_sms_is_plain_gsm7_and_keeps_code_and_number():
    """Umlauts and ß are in GSM-7: a German alert costs no more segments than a Dutch one."""
    sms = sms_texts.compose_alert("Inbraak aan de Dorpsstraat; verdachte op een zwarte scooter.", "4821",
                                  "0800-0011", language="de")
    assert is_gsm7(sms.text) and sms.segments == 1
    assert "Etwas gesehen?" in sms.text and "Code 4821." in sms.text and " 0800-0011 " in sms.text
    closing = sms_texts.compose_closing(messages.RESULT_TEXT["de"]["person_found"], "4821", language="de")
    assert closing.text.startswith("Uitkijk: Aktion 4821 ist beendet. Die vermisste Person wurde gefunden.")
