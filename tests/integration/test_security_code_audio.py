"""Attacks on the landline confirmation codes' audio (issue 12, item 3): a code must never be a file
under a name anyone can compute, nor be served to anyone who asks for it."""
import hashlib
import hmac
import os
import re
import stat
import time
from pathlib import Path

import pytest

from core import runtime
from core.messages import language_of
from core.signup import CODE_TEXTS
from tests.conftest import app_for
from tts_prompts import PromptStore, get_engine
from tts_prompts.audio import decode_wav, encode_wav
from voice.call_audio import CallAudio
from voice.call_queue import CallQueue

CODE = "428913"


def code_text(language):
    return CODE_TEXTS[language]["voice"].format(code=CODE, spoken=", ".join(CODE))


@pytest.fixture
def asterisk_rt(config, tmp_path):
    current = runtime.configure({**config, "VOICE_TRANSPORT": "asterisk", "TRUNK_NAME": "lab",
                                 "TRUNK_DIAL_TEMPLATE": "Local/{number}@lab-pstn",
                                 "CALL_AUDIO_DIR": str(tmp_path / "call-audio")})
    yield current
    runtime.uninstall()


def files_under(directory):
    return sorted(p for p in Path(directory).rglob("*") if p.is_file()) if Path(directory).exists() else []


@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_a_code_call_has_audio_of_its_own_not_a_computable_prompt(asterisk_rt, language):
    """The attack: compute the prompt store's name of every possible code text and fetch it. The code
    is not there: it is in CALL_AUDIO_DIR under a random name (a new one for the same text), in a
    directory nobody else can list, spoken in the participant's language."""
    rt = asterisk_rt
    transport = rt.transports["voice"]
    with rt.db.session() as session:
        transport.send_direct(session, "+31201234501", code_text(language), language=language)
        transport.send_direct(session, "+31201234502", code_text(language), language=language)
    store = PromptStore(rt.config["PROMPT_DIR"], get_engine(rt.config["TTS_ENGINE"]))
    assert not (store.root / f"{store.text_key(code_text(language), language)}.wav").exists()
    assert files_under(rt.config["PROMPT_DIR"]) == []

    written = files_under(rt.config["CALL_AUDIO_DIR"])
    assert len(written) == 2 and all(re.fullmatch(r"[0-9a-f]{32}\.wav", p.name) for p in written)
    assert stat.S_IMODE(os.stat(rt.config["CALL_AUDIO_DIR"]).st_mode) == 0o711
    queue = CallQueue(rt.redis, rt.config["QUEUE_PREFIX"])
    calls = [queue.pop("lab"), queue.pop("lab")]
    assert sorted(c.audio_file for c in calls) == [str(p) for p in written]
    assert all(c.playback == f"{p}&{p}" for c in calls for p in [str(Path(c.audio_file).with_suffix(""))])

    engine = get_engine(rt.config["TTS_ENGINE"])
    spoken = {lang: encode_wav(decode_wav(engine.synthesize(code_text(language), lang)))
              for lang in ("nl", "en", "de")}
    assert len(set(spoken.values())) == 3
    assert written[0].read_bytes() == spoken[language_of(language)]


def test_call_audio_is_removed_only_inside_its_directory_and_swept_when_left_behind(tmp_path):
    """remove() deletes one call's file and refuses any other path; the sweep clears files a crash left."""
    audio = CallAudio(tmp_path / "call-audio")
    (tmp_path / "call-audio").mkdir()
    old, fresh, outside = (tmp_path / "call-audio" / "a.wav", tmp_path / "call-audio" / "b.wav",
                           tmp_path / "prompt.wav")
    for path in (old, fresh, outside):
        path.write_bytes(b"RIFF")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    audio.remove(outside)
    assert outside.exists()
    assert audio.sweep() == 1 and not old.exists() and fresh.exists()
    audio.remove(fresh)
    assert not fresh.exists()


@pytest.mark.parametrize("transport", ["console", "asterisk"])
def test_the_prompt_route_does_not_exist_without_twilio(config, transport):
    """Without Twilio nobody needs prompt audio over HTTP: the route is not there at all."""
    apps = app_for({**config, "VOICE_TRANSPORT": transport})
    app = next(apps)
    wav = Path(config["PROMPT_DIR"], "nl", "0" * 24 + ".wav")
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF....WAVE")
    assert not any(rule.endpoint.startswith("twilio_prompts.") for rule in app.url_map.iter_rules())
    assert app.test_client().get(f"/webhooks/twilio/prompts/nl/{'0' * 24}.wav").status_code == 404
    next(apps, None)


def test_prompt_audio_is_served_only_by_a_signed_unexpired_url(config):
    """With Twilio: a file named by its content hash (as a code rendered by an older version is), asked
    for without a signature, with a forged or an expired one, or outside the store's layout: 404."""
    apps = app_for({**config, "VOICE_TRANSPORT": "twilio", "PUBLIC_BASE_URL": "https://uitkijk.example.org"})
    app = next(apps)
    from webhooks.prompts import prompt_url
    store = PromptStore(config["PROMPT_DIR"], get_engine(app.config["TTS_ENGINE"]))
    name = f"{store.text_key(code_text('nl'), 'nl')}.wav"
    (store.root / name).parent.mkdir(parents=True, exist_ok=True)
    (store.root / name).write_bytes(b"RIFF....WAVE")
    client = app.test_client()
    base = f"/webhooks/twilio/prompts/{name}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}?e={int(time.time()) + 3600}&s={'0' * 32}").status_code == 404
    expired = int(time.time()) - 1
    signature = hmac.new(app.config["SECRET_KEY"].encode(), f"twilio-prompt:{expired}:{name}".encode(),
                         hashlib.sha256).hexdigest()[:32]
    assert client.get(f"{base}?e={expired}&s={signature}").status_code == 404
    (store.root / "calls").mkdir()
    (store.root / "calls" / "x.wav").write_bytes(b"RIFF")
    outside = prompt_url("https://uitkijk.example.org", app.config["SECRET_KEY"], "calls/x.wav")
    assert client.get(outside.split("example.org", 1)[1]).status_code == 404
    good = client.get(prompt_url("https://uitkijk.example.org", app.config["SECRET_KEY"], name).split(".org", 1)[1])
    assert good.status_code == 200 and good.data == b"RIFF....WAVE"
    next(apps, None)


def test_purge_removes_code_audio_an_older_version_left_in_the_prompt_store(redis_url, queue_prefix, tmp_path):
    """Installations upgraded from before CALL_AUDIO_DIR still hold codes under computable names:
    `flask purge-code-audio` finds them by trying every code, and leaves every other prompt alone."""
    from app import create_app
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'u.db'}", "REDIS_URL": redis_url, "QUEUE_PREFIX": queue_prefix,
              "SECRET_KEY": "test-secret", "MODE": "test", "PROMPT_DIR": str(tmp_path / "prompts")}
    app = create_app(config)
    store = PromptStore(config["PROMPT_DIR"], get_engine(app.config["TTS_ENGINE"]))
    leftovers = [store.root / f"{store.text_key(code_text(lang), lang)}.wav" for lang in ("nl", "en")]
    kept = store.root / f"{store.text_key('Inbraak Weesp', 'nl')}.wav"
    for path in [*leftovers, kept]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF....WAVE")
    try:
        result = app.test_cli_runner().invoke(args=["purge-code-audio"])
    finally:
        runtime.uninstall()
    assert result.exit_code == 0 and "2 audiobestanden met bevestigingscode verwijderd" in result.output
    assert not any(p.exists() for p in leftovers) and kept.exists()
