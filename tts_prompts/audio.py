"""Audio in the one format Asterisk plays without transcoding: 8 kHz, mono, 16-bit signed linear.

Files are written as `.wav` (Asterisk's `wav` format, also what Twilio fetches) or as raw
`.sln`. Uploaded recordings in anything ffmpeg reads are checked and converted to the same.
"""
import io
import os
import tempfile
import wave
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError
from pydub.utils import mediainfo_json

from core import private_files

SAMPLE_RATE = 8000
CHANNELS = 1
SAMPLE_WIDTH = 2  # bytes: 16-bit signed linear
MAX_RECORDING_S = 120
MAX_RECORDING_BYTES = 32 * 1024 * 1024


class InvalidRecording(ValueError):
    """An upload that cannot serve as a prompt: not audio, empty, silent or too long."""


def is_telephony(segment: AudioSegment) -> bool:
    """Whether `segment` already is 8 kHz mono 16-bit."""
    return (segment.frame_rate, segment.channels, segment.sample_width) == (SAMPLE_RATE, CHANNELS, SAMPLE_WIDTH)


def to_telephony(segment: AudioSegment) -> AudioSegment:
    """`segment` as 8 kHz mono 16-bit.

    The resampling goes through ffmpeg (pydub's export) rather than pydub's own
    `set_frame_rate`, which does not low-pass first and so folds hiss into the band.
    """
    if is_telephony(segment):
        return segment
    converted = segment.export(
        io.BytesIO(),
        format="wav",
        codec="pcm_s16le",
        parameters=["-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE)],
    )
    return AudioSegment.from_wav(converted)


def decode_wav(data: bytes) -> AudioSegment:
    """A WAV file (such as a speech engine's output) as a segment, in whatever format it has."""
    return AudioSegment.from_wav(io.BytesIO(data))


def decode_recording(
    data: bytes, max_seconds: float = MAX_RECORDING_S, max_bytes: int = MAX_RECORDING_BYTES
) -> AudioSegment:
    """An uploaded recording (wav, mp3, ogg, anything ffmpeg reads) as 8 kHz mono 16-bit.

    Raises InvalidRecording when the bytes are empty, too large, not audio, silent or
    longer than `max_seconds`.
    """
    if not data:
        raise InvalidRecording("the recording is empty")
    if len(data) > max_bytes:
        raise InvalidRecording(f"the recording is {len(data)} bytes; the maximum is {max_bytes}")
    with tempfile.TemporaryDirectory(prefix="uitkijk-upload-") as workdir:
        upload = Path(workdir) / "upload"
        upload.write_bytes(data)
        codec = _probe_audio_codec(mediainfo_json(str(upload)), max_seconds)
        try:
            # Naming the probed codec skips pydub's guess of the sample format, which fails
            # for Opus (browser recordings). Decode at most just over the limit, so an
            # over-long upload never fills memory.
            segment = AudioSegment.from_file(str(upload), codec=codec, duration=max_seconds + 1)
        except CouldntDecodeError:
            raise InvalidRecording("the recording could not be decoded as audio") from None
    if len(segment) == 0:
        raise InvalidRecording("the recording holds no audio")
    if len(segment) > max_seconds * 1000:
        raise InvalidRecording(f"the recording is longer than {max_seconds:g} s")
    if segment.max == 0:
        raise InvalidRecording("the recording is silent")
    return to_telephony(segment)


def _probe_audio_codec(info: dict, max_seconds: float) -> str:
    """The codec of the first audio stream ffprobe found; InvalidRecording if none or too long."""
    audio_streams = [stream for stream in info.get("streams", []) if stream.get("codec_type") == "audio"]
    if not audio_streams or not audio_streams[0].get("codec_name"):
        raise InvalidRecording("the upload is not an audio file")
    try:
        duration = float(info.get("format", {}).get("duration", 0))
    except (TypeError, ValueError):
        duration = 0.0
    if duration > max_seconds:
        raise InvalidRecording(f"the recording is {duration:.0f} s long; the maximum is {max_seconds:g} s")
    return audio_streams[0]["codec_name"]


def encode_wav(segment: AudioSegment) -> bytes:
    """`segment` as a complete 8 kHz mono 16-bit WAV file."""
    return to_telephony(segment).export(io.BytesIO(), format="wav").getvalue()


def write_wav(segment: AudioSegment, path: str | os.PathLike) -> Path:
    """Write `segment` as telephony WAV to `path`, atomically; returns the path."""
    return write_atomically(path, encode_wav(segment))


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write a prompt atomically (see core.private_files), readable by Asterisk: 0644."""
    return private_files.write_atomically(path, data, mode=0o644)


def wav_duration_s(path: str | os.PathLike) -> float:
    """Length in seconds of a PCM WAV file, read from its header."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
