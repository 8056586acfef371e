"""EspeakEngine against the real espeak-ng binary."""
import pytest

from tts_prompts.audio import decode_wav
from tts_prompts.engines import EspeakEngine, SpeechEngineError, UnspeakableText


def test_espeak_speaks_dutch_and_english_as_wav():
    """Both voices return a WAV file with a plausible amount of speech."""
    engine = EspeakEngine()
    for language, text in [("nl", "Er is een inbraak gemeld."), ("en", "A burglary has been reported.")]:
        wav = engine.synthesize(text, language)
        assert wav.startswith(b"RIFF")
        speech = decode_wav(wav)
        assert 0.8 < speech.duration_seconds < 6
        assert speech.max > 0


def test_espeak_speaks_dutch_diacritics():
    """Text with Dutch diacritics (UTF-8) is spoken, not rejected or garbled to silence."""
    speech = decode_wav(EspeakEngine().synthesize("Zoë zag één ruïne; de actie is beëindigd.", "nl"))
    assert 1 < speech.duration_seconds < 8
    assert speech.max > 0


def test_text_starting_with_a_dash_is_spoken_not_read_as_an_option():
    """Text goes in on stdin, so a leading dash is not taken as a command-line option."""
    speech = decode_wav(EspeakEngine().synthesize("-v en --stdout zwarte auto", "nl"))
    assert speech.duration_seconds > 0.5


def test_slower_speed_gives_longer_audio():
    """The configured speed reaches espeak-ng."""
    text = "Let op: een vermist kind van acht jaar, blauwe jas."
    slow = decode_wav(EspeakEngine(speed_wpm=100).synthesize(text, "nl"))
    fast = decode_wav(EspeakEngine(speed_wpm=250).synthesize(text, "nl"))
    assert slow.duration_seconds > fast.duration_seconds * 1.5


@pytest.mark.parametrize("text", ["", "  ", "?!", "x" * 1001])
def test_unspeakable_text_raises(text):
    """Empty, symbol-only or over-long text raises UnspeakableText."""
    with pytest.raises(UnspeakableText):
        EspeakEngine().synthesize(text, "nl")


def test_a_voice_espeak_does_not_have_is_a_clear_engine_error():
    """A misconfigured voice surfaces as SpeechEngineError with espeak-ng's message."""
    with pytest.raises(SpeechEngineError, match="voice"):
        EspeakEngine(voices={"nl": "xx-nonexistent"}).synthesize("hallo", "nl")


def test_a_missing_binary_is_a_clear_engine_error():
    """A missing binary surfaces as SpeechEngineError telling what to install."""
    with pytest.raises(SpeechEngineError, match="install"):
        EspeakEngine(binary="no-such-espeak-binary").synthesize("hallo", "nl")
