"""Starting, restarting and configuring separate lab instances."""

from __future__ import annotations

import pytest

from asterisk_conf import OperatorConf, TrunkConf
from asterisk_conf.lab import LAB_TRUNK, AsteriskLab
from voice.ami import AmiUnavailable


def test_restart_after_crash_serves_ami_on_the_same_port(asterisk_root):
    """After restart(kill=True) the old AMI session is gone and a new one logs in on the same port."""
    lab = AsteriskLab(asterisk_root)
    try:
        lab.start()
        old = lab.ami_client()
        old.connect()
        port = lab.ami_port

        lab.restart(kill=True)

        assert lab.ami_port == port
        with lab.ami_client() as fresh:
            assert "Asterisk" in fresh.command("core show version")
        with pytest.raises(AmiUnavailable):
            old.command("core show version")
        old.close()
    finally:
        lab.close()
    assert not lab.run_dir.exists()


def test_rendered_sip_trunk_and_operator_load_in_asterisk(asterisk_root):
    """A SIP trunk and a softphone operator rendered by asterisk_conf become PJSIP endpoints."""
    provider = TrunkConf(name="provider", dial_template="PJSIP/{number}@provider",
                         caller_id="+31850000000", sip_host="127.0.0.1", sip_port=5999,
                         username="uitkijk", password="trunk-secret-1")
    desk = OperatorConf(name="desk-1", dial_string="PJSIP/desk-1", sip_password="desk-secret-1")
    with AsteriskLab(asterisk_root, trunks=(LAB_TRUNK, provider), operators=(desk,)) as lab:
        with lab.ami_client() as ami:
            endpoints = ami.command("pjsip show endpoints")
            transports = ami.command("pjsip show transports")
    assert "provider" in endpoints
    assert "desk-1" in endpoints
    assert f"127.0.0.1:{lab.sip_port}" in transports
