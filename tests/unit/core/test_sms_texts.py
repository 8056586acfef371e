"""Composing the alert and closing SMS texts."""
import pytest

from core.sms_texts import ComposedSms, compose_alert, compose_closing
from core.sms_encoding import GSM7, UCS2, count_segments

EMOJI = "\U0001f622"
LONG_NL = ("Inbraak aan de Dorpsstraat, man met rode jas en blauwe pet, richting station op een "
           "zwarte fiets. Lengte ongeveer 1.80 meter, donker haar en een baard. Hij droeg een "
           "grote tas met gereedschap en leek haast te hebben. Hij is mogelijk gewapend.")


@pytest.mark.parametrize("language, description, expected", [
    ("nl", "Vermist: Emma (7), roze jas.",
     "Uitkijk: Vermist: Emma (7), roze jas. Gezien? Bel gratis 0800-0011 en toets code 4821. Afmelden: STOP"),
    ("en", "Missing: Emma (7), pink coat.",
     "Uitkijk: Missing: Emma (7), pink coat. Seen something? Call free 0800-0011 and enter code 4821. "
     "Unsubscribe: STOP"),
    ("nl", "Inbraak Dorpsstraat", "Uitkijk: Inbraak Dorpsstraat. Gezien?"),
    ("nl", "Wie heeft hem gezien?", "Uitkijk: Wie heeft hem gezien? Gezien?"),
    ("nl", "Let op!", "Uitkijk: Let op! Gezien?"),
    ("nl", "  regel een\n\nregel\ttwee  ", "Uitkijk: regel een regel twee. Gezien?"),
    ("nl", "\u201cRode\u201d jas \u2013 man\u2019s fiets\u2026", "Uitkijk: \"Rode\" jas - man's fiets... Gezien?"),
])
def test_alert_text(language, description, expected):
    """The alert reads as one sentence per part, cleaned to single spaces and GSM-7 punctuation."""
    sms = compose_alert(description, "4821", "0800-0011", language=language)
    assert sms.text.startswith(expected)
    assert sms.encoding == GSM7
    assert not sms.truncated


def test_alert_result_fields():
    """The result carries encoding and segment count of exactly its text."""
    sms = compose_alert("Vermist kind", "4821", "0800-0011")
    assert sms == ComposedSms(sms.text, GSM7, 1, False)


def test_alert_keeps_ucs2_when_needed():
    """A description with a character outside GSM-7 makes the message UCS-2."""
    sms = compose_alert(f"Vermist kind {EMOJI}", "4821", "0800-0011")
    assert sms.encoding == UCS2
    assert sms.segments == count_segments(sms.text)


@pytest.mark.parametrize("description, max_segments, expected", [
    (LONG_NL, 1, "Uitkijk: Inbraak aan de Dorpsstraat, man met rode jas en blauwe pet, richting station op "
                 "een... Gezien? Bel gratis 0800-0011 en toets code 4821. Afmelden: STOP"),
    (f"Vermist kind {EMOJI} Emma, roze jas, blond haar, laatst gezien bij het speelplein aan de Lindelaan",
     2, f"Uitkijk: Vermist kind {EMOJI} Emma, roze jas, blond haar, laatst gezien\u2026 Gezien?"),
    # Cutting away the only UCS-2 character lets the message be GSM-7 again.
    (f"Vermist kind Emma, roze jas {EMOJI}", 1,
     "Uitkijk: Vermist kind Emma, roze jas... Gezien? Bel gratis 0800-0011 en toets code 4821. Afmelden: STOP"),
    ("x" * 300, 1, "Uitkijk: " + "x" * 84 + "... Gezien?"),
])
def test_alert_truncation(description, max_segments, expected):
    """A description too long is cut at a word boundary (a character one for a single huge word)."""
    sms = compose_alert(description, "4821", "0800-0011", max_segments=max_segments)
    assert sms.text.startswith(expected)
    assert sms.truncated
    assert sms.segments <= max_segments


@pytest.mark.parametrize("language", ["nl", "en", "de"])
@pytest.mark.parametrize("max_segments", [1, 2, 3])
@pytest.mark.parametrize("extra", ["", EMOJI, "\u20ac"])
def test_alert_always_keeps_code_and_number(language, max_segments, extra):
    """For every description length the code and free number survive and the limit holds."""
    words = LONG_NL.replace(".", "").split() * 3
    for count in range(1, len(words) + 1):
        description = " ".join(words[:count]) + extra
        sms = compose_alert(description, "0042", "0800-0011", max_segments=max_segments, language=language)
        assert sms.segments == count_segments(sms.text) <= max_segments
        assert "code 0042." in sms.text.replace("Code", "code")  # a German noun has its capital
        assert " 0800-0011 " in sms.text
        assert sms.text.endswith("STOP")
        body = sms.text.removeprefix("Uitkijk: ")
        if sms.truncated:
            kept = body.split("... ")[0].split("\u2026 ")[0]
            assert description.startswith(kept)
            assert description[len(kept)] in " ,;:-" or " " not in description  # between words
        else:
            assert body.startswith(description)


def test_alert_truncation_drops_trailing_punctuation():
    """The ellipsis follows a word, never a dangling comma."""
    description = "Man, " + "vrouw, " * 40
    sms = compose_alert(description, "4821", "0800-0011", max_segments=1)
    assert ",..." not in sms.text and sms.truncated


@pytest.mark.parametrize("kwargs, field", [
    ({"language": "fr"}, "language"),
    ({"action_code": 4821}, "action_code"),
    ({"action_code": "48a1"}, "action_code"),
    ({"action_code": "12"}, "action_code"),
    ({"action_code": "12345678901"}, "action_code"),
    ({"free_number": "  "}, "free_number"),
    ({"description": " \n "}, "description"),
    ({"max_segments": 0}, "max_segments"),
    ({"max_segments": True}, "max_segments"),
    ({"max_segments": 1.5}, "max_segments"),
    ({"free_number": "0800 " + "1" * 160, "max_segments": 1}, "max_segments"),
])
def test_alert_rejects_bad_input(kwargs, field):
    """Bad input is a ValueError naming the field."""
    arguments = {"description": "Inbraak", "action_code": "4821", "free_number": "0800-0011", **kwargs}
    with pytest.raises(ValueError, match=field):
        compose_alert(**arguments)


@pytest.mark.parametrize("language, result, expected", [
    ("nl", "De man is aangehouden", "Uitkijk: actie 4821 is afgelopen. De man is aangehouden. Bedankt voor het uitkijken."),
    ("nl", "", "Uitkijk: actie 4821 is afgelopen. Bedankt voor het uitkijken."),
    ("nl", None, "Uitkijk: actie 4821 is afgelopen. Bedankt voor het uitkijken."),
    ("en", "Emma is found!", "Uitkijk: action 4821 has ended. Emma is found! Thank you for keeping watch."),
])
def test_closing_text(language, result, expected):
    """The closing message names the action code and the result when there is one."""
    sms = compose_closing(result, "4821", language)
    assert (sms.text, sms.encoding, sms.truncated) == (expected, GSM7, False)


def test_closing_truncates_result():
    """A long result is shortened, the action code kept."""
    sms = compose_closing(LONG_NL, "4821", "nl", max_segments=1)
    assert sms.truncated and sms.segments == 1
    assert sms.text.startswith("Uitkijk: actie 4821 is afgelopen. Inbraak")
    assert sms.text.endswith("... Bedankt voor het uitkijken.")
