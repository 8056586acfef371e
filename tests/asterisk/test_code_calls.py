"""A landline's confirmation code through the real lab Asterisk: the call plays the code's own audio
file (read from Asterisk's log), and the file is gone once the call has ended, answered or not."""
import uuid
from pathlib import Path

import pytest

from core.signup import CODE_TEXTS
from tests.asterisk.alert_support import *  # noqa: F401,F403  (fixtures)
from tests.asterisk.alert_support import ANSWERS, BUSY, _PLAYING, wait_until


@pytest.fixture
def code_audio_dir(config, asterisk_lab):
    """CALL_AUDIO_DIR where the lab Asterisk sees it (set before voice_rt configures the runtime)."""
    name = f"call-audio-{uuid.uuid4().hex[:8]}"
    config.update(CALL_AUDIO_DIR=str(asterisk_lab.sound_dir_host / name),
                  ASTERISK_CALL_AUDIO_DIR=f"{asterisk_lab.sound_dir}/{name}")
    return Path(config["CALL_AUDIO_DIR"])


@pytest.mark.parametrize("behaviour", [ANSWERS, BUSY])
def test_code_call_plays_its_own_file_and_removes_it(code_audio_dir, voice_rt, call_service, asterisk_lab,
                                                     behaviour):
    text = CODE_TEXTS["en"]["voice"].format(code="428913", spoken="4, 2, 8, 9, 1, 3")
    with voice_rt.db.session() as session:
        voice_rt.transports["voice"].send_direct(session, f"+312019999{behaviour}", text, language="en")
    [audio] = list(code_audio_dir.glob("*.wav"))
    wait_until(lambda: not audio.exists(), "removal of the code call's audio")
    played = [m.group(2) for m in map(_PLAYING.search, asterisk_lab.log_file.read_text(errors="replace").splitlines())
              if m]
    asterisk_name = f"{voice_rt.config['ASTERISK_CALL_AUDIO_DIR']}/{audio.stem}"
    # The lab's phone listens 5 s and hangs up: it hears (at least) the first of the two readings.
    assert (asterisk_name in played) is (behaviour == ANSWERS)
