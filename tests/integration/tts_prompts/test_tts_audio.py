"""Telephony audio conversion with pydub and the real ffmpeg."""
import wave

import pytest
from pydub import AudioSegment

from tts_prompts.audio import (
    InvalidRecording,
    decode_recording,
    decode_wav,
    to_telephony,
    write_wav,
)
from tts_prompts.engines import EspeakEngine


def assert_telephony(segment):
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (8000, 1, 2)


def test_espeak_output_converts_to_8k_mono_16bit():
    """Engine output (22.05 kHz) becomes 8 kHz mono 16-bit of the same length."""
    speech = decode_wav(EspeakEngine().synthesize("Dit is Uitkijk.", "nl"))
    converted = to_telephony(speech)
    assert_telephony(converted)
    assert abs(converted.duration_seconds - speech.duration_seconds) < 0.05


def test_written_wav_is_what_asterisk_plays(tmp_path):
    """write_wav() produces a plain PCM WAV, 8000 Hz, 1 channel, 2 bytes per sample."""
    speech = decode_wav(EspeakEngine().synthesize("Tot ziens.", "nl"))
    path = write_wav(speech, tmp_path / "sub" / "goodbye.wav")
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getcomptype()) == (8000, 1, 2, "NONE")
    read_back = AudioSegment.from_file(str(path))
    assert_telephony(read_back)
    assert 0.3 < read_back.duration_seconds < 3
    assert not list(path.parent.glob("*.part")), "no temporary file left behind"


@pytest.mark.parametrize(
    "suffix, options",
    [
        ("mp3", ()),
        ("ogg", ("-c:a", "libvorbis")),
        ("webm", ("-c:a", "libopus")),
        ("wav", ("-ac", "2", "-ar", "48000")),
    ],
)
def test_uploaded_recording_is_converted(make_audio, suffix, options):
    """mp3, ogg/vorbis, webm/opus and stereo 48 kHz wav uploads become 8 kHz mono 16-bit."""
    recording = decode_recording(make_audio(suffix, seconds=2, options=options))
    assert_telephony(recording)
    assert 1.8 < recording.duration_seconds < 2.2


@pytest.mark.parametrize(
    "junk",
    [b"", b"this is not audio\n" * 200, b"RIFF\x00\x00\x00\x00WAVEjunk", bytes(range(256)) * 20],
)
def test_non_audio_uploads_are_rejected(junk):
    """Empty or non-audio bytes raise InvalidRecording."""
    with pytest.raises(InvalidRecording):
        decode_recording(junk)


def test_an_image_is_rejected(make_audio):
    """A file ffmpeg reads but that has no audio stream raises InvalidRecording."""
    png = make_audio("png", seconds=1, source="testsrc", options=("-frames:v", "1"))
    with pytest.raises(InvalidRecording, match="not an audio file"):
        decode_recording(png)


def test_an_over_long_upload_is_rejected(make_audio):
    """A recording longer than the configured maximum raises InvalidRecording."""
    upload = make_audio("mp3", seconds=4)
    with pytest.raises(InvalidRecording, match="maximum is 3"):
        decode_recording(upload, max_seconds=3)
    assert decode_recording(upload, max_seconds=5).duration_seconds > 3.5


def test_a_silent_upload_is_rejected(make_audio):
    """A recording of digital silence raises InvalidRecording."""
    silence = make_audio("wav", seconds=2, source="anullsrc=r=8000:cl=mono")
    with pytest.raises(InvalidRecording, match="silent"):
        decode_recording(silence)


def test_an_upload_over_the_byte_limit_is_rejected(make_audio):
    """Bytes beyond max_bytes are refused before decoding."""
    with pytest.raises(InvalidRecording, match="bytes"):
        decode_recording(make_audio("wav", seconds=2), max_bytes=1000)
