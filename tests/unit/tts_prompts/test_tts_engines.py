"""Speech engine rules that need no audio: speakable text, engine registry, voice choice."""
import pytest

from tts_prompts.catalogue import UnsupportedLanguage
from tts_prompts.engines import (
    ENGINES,
    EspeakEngine,
    SpeechEngine,
    UnknownEngine,
    UnspeakableText,
    check_speakable,
    get_engine,
)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "!!! ???", "--- ... ***", "€ % #"])
def test_text_without_letters_or_digits_is_unspeakable(text):
    """Empty, blank and symbol-only texts are rejected."""
    with pytest.raises(UnspeakableText):
        check_speakable(text)


def test_text_longer_than_the_maximum_is_unspeakable():
    """Text over the maximum length is rejected with the limit in the message."""
    with pytest.raises(UnspeakableText, match="maximum is 1000"):
        check_speakable("a" * 1001)
    assert check_speakable("a" * 1000) == "a" * 1000


def test_custom_maximum_applies():
    """The maximum length is configurable."""
    with pytest.raises(UnspeakableText, match="maximum is 10"):
        check_speakable("elf tekens!", max_chars=10)


def test_non_string_is_unspeakable():
    """Something other than a string is rejected, not crashed on."""
    with pytest.raises(UnspeakableText, match="string"):
        check_speakable(None)


@pytest.mark.parametrize("text", ["112", "Ruïne", "Zoë", "één", "a"])
def test_digits_and_accented_letters_are_speakable(text):
    """Digits alone and letters with diacritics count as speakable."""
    assert check_speakable(f"  {text} ") == text


def test_espeak_engine_refuses_unspeakable_text_before_running_anything():
    """UnspeakableText is raised before the binary is looked for."""
    engine = EspeakEngine(binary="no-such-espeak-binary")
    with pytest.raises(UnspeakableText):
        engine.synthesize(" ?! ", "nl")
    with pytest.raises(UnspeakableText, match="maximum is 5"):
        EspeakEngine(max_chars=5, binary="no-such-espeak-binary").synthesize("zes tekens", "nl")


def test_get_engine_builds_a_registered_engine_with_options():
    """get_engine() looks the name up in the explicit table and passes options on."""
    engine = get_engine("espeak", speed_wpm=130)
    assert isinstance(engine, SpeechEngine)
    assert isinstance(engine, EspeakEngine)
    assert engine.speed_wpm == 130
    assert ENGINES["espeak"] is EspeakEngine


def test_get_engine_rejects_an_unknown_name():
    """An unregistered engine name raises UnknownEngine listing the known ones."""
    with pytest.raises(UnknownEngine, match="espeak"):
        get_engine("festival")


def test_espeak_voices_per_language():
    """The default voices are nl, en and de; other languages raise UnsupportedLanguage."""
    engine = EspeakEngine()
    assert engine.voice_for("nl") == "nl"
    assert engine.voice_for("en") == "en"
    assert engine.voice_for("de") == "de"
    with pytest.raises(UnsupportedLanguage):
        engine.voice_for("fr")


def test_espeak_voice_can_be_replaced_per_language():
    """A voice per language can be configured, e.g. an MBROLA voice for Dutch."""
    engine = EspeakEngine(voices={"nl": "mb-nl2"})
    assert engine.voice_for("nl") == "mb-nl2"
    assert engine.voice_for("en") == "en"


def test_fingerprint_changes_with_speed_and_voice():
    """Speed and voice are part of the fingerprint, so changing them re-renders prompts."""
    assert EspeakEngine(speed_wpm=150).fingerprint("nl") != EspeakEngine(speed_wpm=160).fingerprint("nl")
    assert EspeakEngine().fingerprint("nl") != EspeakEngine(voices={"nl": "mb-nl2"}).fingerprint("nl")


@pytest.mark.parametrize("options", [{"speed_wpm": 20}, {"speed_wpm": 900}, {"max_chars": 0}])
def test_espeak_rejects_nonsense_settings(options):
    """Out-of-range speed or length settings are refused at construction."""
    with pytest.raises(ValueError):
        EspeakEngine(**options)
