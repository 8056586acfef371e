"""The voice configuration: defaults, bad values, and call ids Asterisk cannot confuse."""
from __future__ import annotations

import pytest

from voice.settings import VoiceSettings


def settings(**config):
    return VoiceSettings.from_config({"PROMPT_DIR": "/srv/prompts", "QUEUE_PREFIX": "uk", **config})


def test_defaults_give_a_pjsip_trunk_and_the_same_prompt_dir_for_asterisk():
    """Without voice keys the trunk dials PJSIP and Asterisk reads prompts where they are written."""
    voice = settings()
    assert voice.trunk.dial_string("+31201234567") == "PJSIP/+31201234567@provider"
    assert voice.asterisk_path("nl/abc") == "/srv/prompts/nl/abc"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("TRUNK_CHANNEL_LIMIT", "many", "TRUNK_CHANNEL_LIMIT"),
    ("TRUNK_DIAL_TEMPLATE", "PJSIP/provider", "{number}"),
    ("CALL_LEASE_S", 10, "CALL_LEASE_S must exceed"),
    ("TRUNK_CHANNEL_VARIABLES", {"UITKIJK_DELIVERY": "1"}, "reserved"),
    ("TRUNK_CHANNEL_VARIABLES", {"X": "a\nAction: Hangup"}, "line break"),
])
def test_bad_voice_settings_fail_with_a_clear_error(key, value, message):
    """Each bad key is refused with a ValueError that names the problem."""
    with pytest.raises(ValueError, match=message):
        settings(**{key: value})


def test_no_call_id_is_the_beginning_of_another():
    """Asterisk matches Uniqueids by prefix, so ids of different attempts and deliveries never nest."""
    voice = settings()
    ids = [voice.call_id(d, a) for d in (1, 12, 123) for a in (1, 2, 12)]
    assert not [(a, b) for a in ids for b in ids if a != b and b.startswith(a)]
