"""Rendering the Asterisk configuration (no Asterisk needed)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from asterisk_conf import AsteriskSettings, OperatorConf, TrunkConf, render_config

SETTINGS = AsteriskSettings(ami_secret="ami-secret-1", fallback_destination="PJSIP/meldkamer",
                            agi_port=4600, sip_port=5070, sound_dir="/srv/uitkijk/sounds",
                            instance_dir="/srv/uitkijk/asterisk")


def render(tmp_path, trunks=(), operators=(), lab=False):
    render_config(tmp_path, SETTINGS, list(trunks), list(operators), lab=lab)
    return {path.name: path.read_text() for path in tmp_path.iterdir()}


def test_every_placeholder_is_filled(tmp_path):
    """No %%{…} placeholder survives rendering, while Asterisk's ${…} variables do."""
    files = render(tmp_path, lab=True)
    assert not [name for name, text in files.items() if "%%" in text]
    assert "${UITKIJK_DELIVERY}" in files["extensions.conf"]


def test_settings_reach_their_files(tmp_path):
    """Ports, AGI address, sound directory and fallback destination land where Asterisk reads them."""
    files = render(tmp_path)
    assert "port = 5038" in files["manager.conf"]
    assert "secret = ami-secret-1" in files["manager.conf"]
    assert "bind = 127.0.0.1:5070" in files["pjsip.conf"]
    assert "UITKIJK_AGI = agi://127.0.0.1:4600" in files["extensions.conf"]
    assert "UITKIJK_FALLBACK_PROMPT = /srv/uitkijk/sounds/alert-fallback" in files["extensions.conf"]
    assert "UITKIJK_CONTROL_ROOM_DEFAULT = PJSIP/meldkamer" in files["extensions.conf"]
    assert "astrundir => /srv/uitkijk/asterisk/run" in files["asterisk.conf"]
    assert re.search(r"^UITKIJK_AGI_FALLBACK = $", files["extensions.conf"], flags=re.M)


def test_fallback_fastagi_server_is_rendered(tmp_path):
    """A second FastAGI server becomes the dialplan's UITKIJK_AGI_FALLBACK; a bad host is refused."""
    settings = dataclasses.replace(SETTINGS, agi_fallback_host="10.0.0.2", agi_fallback_port=4601)
    render_config(tmp_path, settings, [], [])
    assert "UITKIJK_AGI_FALLBACK = agi://10.0.0.2:4601" in (tmp_path / "extensions.conf").read_text()
    with pytest.raises(ValueError, match="fallback AGI host"):
        dataclasses.replace(SETTINGS, agi_fallback_host="10.0.0.2;x")


def test_lab_contexts_only_in_lab(tmp_path):
    """The simulated phone network is rendered for the lab and never for production."""
    production = render(tmp_path / "production")["extensions.conf"]
    lab = render(tmp_path / "lab", lab=True)["extensions.conf"]
    assert "[lab-pstn]" not in production
    assert {"[lab-pstn]", "[lab-caller]", "[lab-caller-phone]", "[lab-hold]"} <= set(
        re.findall(r"^\[[a-z-]+\]", lab, flags=re.M))


def test_sip_trunk_and_softphone_operator_get_endpoints(tmp_path):
    """A trunk with a SIP host and an operator with a SIP password each get an endpoint."""
    trunk = TrunkConf("provider", "PJSIP/{number}@provider", "+31850000000",
                      sip_host="sip.provider.test", username="user1", password="trunk-pass-1",
                      register=True)
    operator = OperatorConf("desk-1", "PJSIP/desk-1", sip_password="desk-pass-1")
    pjsip = render(tmp_path, [trunk], [operator])["pjsip.conf"]
    assert "[provider-reg]\ntype = registration" in pjsip
    assert "[desk-1]\ntype = endpoint\ncontext = uitkijk-operator" in pjsip
    assert "password = desk-pass-1" in pjsip


def test_trunk_dial_string_fills_the_number():
    """A trunk turns a number into its Originate channel."""
    trunk = TrunkConf("lab", "Local/{number}@lab-pstn", "+31850000000")
    assert trunk.dial_string("+31201234501") == "Local/+31201234501@lab-pstn"
    with pytest.raises(ValueError, match="phone number"):
        trunk.dial_string("0201234501,t")


@pytest.mark.parametrize("make", [
    lambda: TrunkConf("x", "PJSIP/{number}@x,30", "+31850000000"),
    lambda: TrunkConf("x", "PJSIP/provider", "+31850000000"),
    lambda: TrunkConf("x", "PJSIP/{number}@other", "+31850000000", sip_host="h.test"),
    lambda: TrunkConf("x", "PJSIP/{number}@x", "+31850000000", cps=0),
    lambda: OperatorConf("jan", "PJSIP/jan;x"),
    lambda: OperatorConf("jan", "PJSIP/piet", sip_password="password-1"),
    lambda: AsteriskSettings(ami_secret="short", fallback_destination="PJSIP/meldkamer"),
    lambda: AsteriskSettings(ami_secret="ami-secret-1", fallback_destination="meldkamer"),
])
def test_bad_input_is_refused(make):
    """Values that would break or inject into the configuration raise ValueError."""
    with pytest.raises(ValueError):
        make()


def test_duplicate_endpoint_names_are_refused(tmp_path):
    """A trunk and an operator may not both own an endpoint of the same name."""
    trunk = TrunkConf("desk-1", "PJSIP/{number}@desk-1", "+31850000000", sip_host="h.test")
    operator = OperatorConf("desk-1", "PJSIP/desk-1", sip_password="desk-pass-1")
    with pytest.raises(ValueError, match="two endpoint sections"):
        render(tmp_path, [trunk], [operator])
