"""Starting, restarting and configuring separate lab instances."""

from __future__ import annotations

import re

import pytest

from asterisk_conf import OperatorConf, TrunkConf
from lab.asterisk import LAB_TRUNK, AsteriskLab
from core.configuration import save_operator, save_trunk
from lab import factories
from voice.ami import AmiUnavailable
from voice.trunks import asterisk_objects


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


def test_trunks_and_softphone_operators_from_the_database_load_in_asterisk(asterisk_root, rt):
    """What admins save (a SIP trunk, a softphone operator, an operator without one) is rendered through
    voice.trunks, as `flask asterisk-config` renders it, and Asterisk loads the endpoints."""
    with rt.db.session() as session:
        room, _ = factories.control_room(session)
        save_trunk(session, {"name": "provider", "backend": "asterisk", "caller_id": "+31850000000",
                             "channel_limit": "10", "calls_per_second": "1", "ami_host": "127.0.0.1",
                             "ami_user": "uitkijk", "ami_secret": "ami-secret-1", "sip_host": "127.0.0.1",
                             "sip_port": "5999", "username": "uitkijk", "password": "trunk-secret-1",
                             "enabled": "on"}, "test", rt.config)
        for name, dial_string, password in (("Anna", "PJSIP/desk-anna", "anna-softphone-1"),
                                            ("Bob", "Local/31200000007@lab-pstn", "")):
            save_operator(session, {"name": name, "control_room_id": str(room.id), "dial_string": dial_string,
                                    "available": "on", "sip_password": password}, "test", config=rt.config)
    with rt.db.session() as session:
        trunks, operators = asterisk_objects(session, rt.config)
    assert [o.name for o in operators] == ["desk-anna"]
    with AsteriskLab(asterisk_root, trunks=(LAB_TRUNK, *trunks), operators=operators) as lab:
        with lab.ami_client() as ami:
            endpoints = ami.command("pjsip show endpoints")
            desk = ami.command("pjsip show endpoint desk-anna")
    assert "provider" in endpoints and "desk-anna" in endpoints
    # The softphone's endpoint with its own auth and an aor for one registration.
    assert re.search(r"InAuth:\s+desk-anna/desk-anna\b", desk) and re.search(r"Aor:\s+desk-anna\s+1\b", desk)
    assert re.search(r"context\s+:\s+uitkijk-operator\b", desk)
