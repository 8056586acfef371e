"""The fixed prompt catalogue: complete, bilingual, and strict about unknown ids."""
import pytest

from tts_prompts.catalogue import (
    LANGUAGES,
    PROMPTS,
    UnknownPrompt,
    UnsupportedLanguage,
    all_prompts,
    prompt_ids,
    prompt_text,
)
from tts_prompts.engines import check_speakable

REQUIRED_IDS = {
    "alert_intro", "alert_menu", "alert_fallback", "alert_closing_intro", "thanks_goodbye", "goodbye",
    "inbound_welcome", "inbound_calling_about", "inbound_menu_intro", "enter_code",
    "code_unknown", "code_retry_exhausted", "no_active_action", "action_ended", "connecting",
    "operator_unavailable_leave_tip", "tip_saved", "invalid_choice", "no_input",
    "whisper_alerted", "whisper_not_alerted", "whisper_action_code", "confirm_code_intro",
    *(f"press_{n}" for n in range(1, 10)),
    *(f"digit_{n}" for n in range(10)),
}


def test_catalogue_has_every_required_id():
    """Every prompt id the IVR flows rely on is in the catalogue."""
    assert REQUIRED_IDS <= set(prompt_ids())


def test_every_prompt_exists_in_both_languages():
    """Dutch and English have exactly the same prompt ids."""
    assert LANGUAGES == ("nl", "en", "de")
    for prompt_id, texts in PROMPTS.items():
        assert set(texts) == set(LANGUAGES), prompt_id


def test_every_prompt_text_is_speakable():
    """No prompt is empty, symbol-only or too long for the speech engine."""
    for prompt_id, language, text in all_prompts():
        assert check_speakable(text) == text, (prompt_id, language)


def test_all_prompts_yields_each_id_language_pair_once():
    """all_prompts() yields (id, language, text) once per id and language."""
    pairs = [(prompt_id, language) for prompt_id, language, _ in all_prompts()]
    assert len(pairs) == len(set(pairs)) == len(PROMPTS) * len(LANGUAGES)


def test_prompt_text_returns_the_text_for_the_language():
    """prompt_text() picks the text of the requested language."""
    assert prompt_text("alert_intro", "en") == (
        "This is Uitkijk, the citizen alert network, with an alert from the police."
    )
    assert prompt_text("alert_intro", "nl").startswith("Dit is Uitkijk")
    assert prompt_text("digit_1", "nl") == "één"


def test_press_and_digit_prompts_name_their_digit():
    """press_N and digit_N speak the digit they are named after."""
    assert prompt_text("press_7", "en") == "Press 7 for"
    assert prompt_text("press_7", "nl") == "Toets 7 voor"
    assert prompt_text("digit_0", "en") == "zero"


def test_unknown_prompt_raises_a_key_error_naming_the_id():
    """An unknown id raises UnknownPrompt, a KeyError, naming the id."""
    with pytest.raises(UnknownPrompt, match="no_such_prompt") as caught:
        prompt_text("no_such_prompt", "nl")
    assert isinstance(caught.value, KeyError)
    assert caught.value.prompt_id == "no_such_prompt"


def test_unknown_language_raises():
    """A language without prompts raises UnsupportedLanguage."""
    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        prompt_text("alert_intro", "fr")
