"""An exercise's words: OEFENING (EXERCISE, ÜBUNG) first in every SMS, call, mail subject and CAP text."""
from types import SimpleNamespace

import pytest

from core.mail_texts import alert_mail
from core.messages import message_for
from core.public_texts import alert_texts, exercise_texts
from core.sms_texts import compose_alert

WORD = {"nl": "OEFENING", "en": "EXERCISE", "de": "ÜBUNG"}


def action():
    return SimpleNamespace(message="Man met rode fiets.", code="1234", result="not_found", closing_text=None,
                           exercise=True)


@pytest.mark.parametrize("language", ["nl", "en", "de"])
@pytest.mark.parametrize("channel", ["sms", "email", "voice"])
@pytest.mark.parametrize("purpose", ["alert", "closing"])
def test_every_message_of_an_exercise_starts_with_the_word(language, channel, purpose):
    text = message_for(action(), channel, purpose, language, "0800 0011")
    assert text.startswith(WORD[language]), text
    real = SimpleNamespace(**{**vars(action()), "exercise": False})
    assert not message_for(real, channel, purpose, language, "0800 0011").startswith(WORD[language])


def test_the_word_counts_in_the_segments_and_is_never_cut():
    """A message that just fits two segments is shortened to make room for OEFENING, not cut after it."""
    long = "Gezocht: " + "man met rode fiets en zwarte jas " * 8
    sms = compose_alert(long, "1234", "0800 0011", exercise=True)
    assert sms.segments <= 2 and sms.truncated and sms.text.startswith("OEFENING - Uitkijk: Gezocht:")
    assert "code 1234" in sms.text


def test_an_exercise_mail_says_it_in_the_subject():
    links = {"manage": "https://x/m", "unsubscribe": "https://x/u", "unsubscribe_page": "https://x/u"}
    assert alert_mail("1234", "alert", "tekst", "nl", links, exercise=True).subject.startswith("OEFENING: Uitkijk")
    assert alert_mail("1234", "alert", "tekst", "en", links).subject.startswith("Uitkijk")


def test_cap_texts_of_an_exercise_say_it_in_headline_and_description():
    texts = alert_texts("amber_alert", "Alert", {"nl": ("Sanne", "Meisje"), "en": (None, None)}, "0800 0011",
                        {"nl": "Weesp", "en": "Weesp"})
    marked = exercise_texts(texts)
    assert marked["nl"]["headline"] == "OEFENING: AMBER Alert: Sanne"
    assert marked["en"]["headline"].startswith("EXERCISE: ") and marked["en"]["description"].startswith("EXERCISE: ")
