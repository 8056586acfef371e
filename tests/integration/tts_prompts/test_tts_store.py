"""PromptStore with the real espeak-ng: rendering, caching, overrides and file names."""
import threading
import wave

import pytest
from pydub import AudioSegment

from tts_prompts.audio import InvalidRecording
from tts_prompts.catalogue import LANGUAGES, PROMPTS, UnknownPrompt
from tts_prompts.engines import EspeakEngine, UnspeakableText
from tts_prompts.store import PromptStore

ALERT_TEXT = "Gezocht: een man van ongeveer dertig jaar met een rode jas, op een zwarte fiets."


def wav_format(path):
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


def test_render_text_writes_a_telephony_wav(tmp_path, counting_engine):
    """An action's own text becomes an 8 kHz mono 16-bit file with a plausible duration."""
    rendered = PromptStore(tmp_path, counting_engine).render_text(ALERT_TEXT, "nl")
    assert rendered.wav_path.is_file()
    assert rendered.path.suffix == "" and not rendered.path.exists()
    assert rendered.key.startswith("nl/") and rendered.url_name == f"{rendered.key}.wav"
    audio = AudioSegment.from_file(str(rendered.wav_path))
    assert (audio.frame_rate, audio.channels, audio.sample_width) == (8000, 1, 2)
    assert 3 < rendered.duration_s < 12
    assert abs(audio.duration_seconds - rendered.duration_s) < 0.01


def test_second_render_is_served_from_the_cache(tmp_path, counting_engine):
    """Rendering the same text again does not call the engine or rewrite the file."""
    store = PromptStore(tmp_path, counting_engine)
    first = store.render_text(ALERT_TEXT, "nl")
    mtime = first.wav_path.stat().st_mtime_ns
    second = PromptStore(tmp_path, counting_engine).render_text(f"  {ALERT_TEXT}\n", "nl")
    assert second == first
    assert len(counting_engine.calls) == 1
    assert first.wav_path.stat().st_mtime_ns == mtime


def test_changed_text_language_or_speed_gives_a_new_file(tmp_path, counting_engine):
    """The file name hashes engine, voice settings and text: any change renders anew."""
    store = PromptStore(tmp_path, counting_engine)
    keys = {
        store.render_text(ALERT_TEXT, "nl").key,
        store.render_text(ALERT_TEXT + " Bel 1 1 2.", "nl").key,
        store.render_text(ALERT_TEXT, "en").key,
        PromptStore(tmp_path, EspeakEngine(speed_wpm=170)).render_text(ALERT_TEXT, "nl").key,
    }
    assert len(keys) == 4
    assert len(counting_engine.calls) == 3


def test_dutch_diacritics_render(tmp_path):
    """Text with ë, é and ï renders to audio, and differs from its unaccented spelling."""
    store = PromptStore(tmp_path, EspeakEngine())
    accented = store.render_text("De actie is beëindigd; één ruïne bij café De Zoë.", "nl")
    plain = store.render_text("De actie is beeindigd; een ruine bij cafe De Zoe.", "nl")
    assert accented.key != plain.key
    assert accented.duration_s > 1
    assert wav_format(accented.wav_path) == (8000, 1, 2)


@pytest.mark.parametrize("text", ["", "   ", "*** !!!", "woord " * 200])
def test_unspeakable_text_raises_and_writes_nothing(tmp_path, text):
    """Unspeakable text raises UnspeakableText and leaves no file behind."""
    with pytest.raises(UnspeakableText):
        PromptStore(tmp_path, EspeakEngine()).render_text(text, "nl")
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_concurrent_renders_of_one_text_leave_one_whole_file(tmp_path):
    """Threads rendering the same new text at once agree on one complete file and leave no temp files."""
    results, errors = [], []

    def render():
        try:
            results.append(PromptStore(tmp_path, EspeakEngine()).render_text(ALERT_TEXT, "en"))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=render) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({result.key for result in results}) == 1
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files == [results[0].wav_path]
    assert wav_format(files[0]) == (8000, 1, 2)


def test_render_catalogue_renders_every_prompt_once(tmp_path, counting_engine):
    """Pre-rendering covers every id in every language; path_for then finds each file."""
    store = PromptStore(tmp_path, counting_engine)
    rendered = store.render_catalogue()
    assert set(rendered) == {(prompt_id, language) for prompt_id in PROMPTS for language in LANGUAGES}
    calls = len(counting_engine.calls)
    assert calls == len(rendered)
    for (prompt_id, language), prompt in rendered.items():
        assert store.path_for(prompt_id, language) == prompt.path
        assert store.wav_path_for(prompt_id, language) == prompt.wav_path
        assert store.url_name(prompt_id, language) == prompt.url_name == f"{prompt.key}.wav"
        assert prompt.wav_path.is_file() and prompt.duration_s > 0.2
    assert 2 < rendered[("alert_intro", "nl")].duration_s < 15
    store.render_catalogue()
    assert len(counting_engine.calls) == calls


def test_uploaded_recording_overrides_a_prompt(tmp_path, counting_engine, make_audio):
    """An installed recording wins in path_for and url_name; removing it restores the speech."""
    store = PromptStore(tmp_path, counting_engine)
    speech = store.render_prompt("alert_intro", "nl")

    installed = store.install_recording("alert_intro", "nl", make_audio("mp3", seconds=3))
    assert installed.wav_path == tmp_path.resolve() / "overrides" / "nl" / "alert_intro.wav"
    assert wav_format(installed.wav_path) == (8000, 1, 2)
    assert 2.8 < installed.duration_s < 3.2
    assert store.has_recording("alert_intro", "nl")
    assert store.path_for("alert_intro", "nl") == tmp_path.resolve() / "overrides" / "nl" / "alert_intro"
    assert store.url_name("alert_intro", "nl") == "overrides/nl/alert_intro.wav"
    assert store.lookup("alert_intro", "nl") == installed
    english = store.render_prompt("alert_intro", "en")
    assert store.path_for("alert_intro", "en") == english.path, "the other language keeps its speech"

    assert store.remove_recording("alert_intro", "nl") is True
    assert store.path_for("alert_intro", "nl") == speech.path


def test_a_prompt_with_only_a_recording_is_playable(tmp_path, make_audio):
    """A fixed prompt that was never rendered can still be played from an uploaded recording."""
    store = PromptStore(tmp_path, EspeakEngine())
    store.install_recording("tip_saved", "en", make_audio("ogg", seconds=1, options=("-c:a", "libvorbis")))
    assert store.url_name("tip_saved", "en") == "overrides/en/tip_saved.wav"


def test_bad_uploads_leave_the_prompt_alone(tmp_path, make_audio):
    """Junk, over-long uploads and unknown prompt ids are refused without writing an override."""
    store = PromptStore(tmp_path, EspeakEngine(), max_recording_s=2)
    with pytest.raises(InvalidRecording):
        store.install_recording("alert_intro", "nl", b"<html>not audio</html>" * 50)
    with pytest.raises(InvalidRecording, match="maximum"):
        store.install_recording("alert_intro", "nl", make_audio("mp3", seconds=3))
    with pytest.raises(UnknownPrompt):
        store.install_recording("no_such_prompt", "nl", make_audio("mp3", seconds=1))
    assert not (tmp_path / "overrides").exists()


def test_asterisk_hears_an_uploaded_recording_without_a_restart(tmp_path, counting_engine, make_audio):
    """PromptFiles, indexed at the FastAGI server's start, plays a recording uploaded later from the
    next call on, and the speech again once it is removed."""
    from ivr.prompts import PromptFiles

    store = PromptStore(tmp_path, counting_engine)
    speech = store.render_prompt("tip_saved", "nl")
    files = PromptFiles(store, "/ast")
    assert files.files(("tip_saved",), "nl") == [f"/ast/{speech.key}"]
    store.install_recording("tip_saved", "nl", make_audio("mp3", seconds=1))
    assert files.files(("tip_saved",), "nl") == ["/ast/overrides/nl/tip_saved"]
    store.remove_recording("tip_saved", "nl")
    assert files.files(("tip_saved",), "nl") == [f"/ast/{speech.key}"]
