"""The Asterisk trunks admins configure reach the voice side: which trunk a room's calls take,
which call services run, and the Asterisk configuration rendered from them."""
from pathlib import Path

from core import runtime
from core.configuration import save_trunk
from tests import factories
from voice.call_events import TrunkServices
from voice.trunks import trunk_for_room

AMI_SECRET = "ami-secret-for-tests"


def add_trunk(rt, name, room_id=None, **extra):
    form = {"name": name, "backend": "asterisk", "control_room_id": str(room_id or ""), "caller_id": "0800 0011",
            "channel_limit": "20", "calls_per_second": "5", "ami_host": "127.0.0.2", "ami_port": "5039",
            "ami_user": "meldkamer", "ami_secret": AMI_SECRET, "sip_host": "sip.example.net", "sip_port": "5060",
            "username": "weesp", "password": "trunk-password-1", "enabled": "on", **extra}
    with rt.db.session() as session:
        return save_trunk(session, form, "test", rt.config).id


def room(rt, name="Meldkamer Test"):
    with rt.db.session() as session:
        return factories.control_room(session, name)[0].id


def chosen(rt, room_id):
    with rt.db.session() as session:
        row = trunk_for_room(session, room_id)
        return row.name if row else None


def test_a_room_calls_through_its_own_trunk_else_a_shared_one_else_the_configured_one(rt):
    """Own enabled Asterisk trunk first, then one shared by every room; disabled and Twilio trunks never."""
    north, south = room(rt, "Noord"), room(rt, "Zuid")
    assert chosen(rt, north) is None  # the configured TRUNK_* trunk
    add_trunk(rt, "north-off", north, enabled="")
    add_trunk(rt, "shared")
    assert chosen(rt, north) == "shared"
    add_trunk(rt, "north", north)
    assert (chosen(rt, north), chosen(rt, south)) == ("north", "shared")


def test_call_services_follow_the_configured_trunks(rt):
    """One call service per enabled trunk, with its own AMI login and limits; the configured trunk
    runs while no shared trunk replaces it."""
    services = TrunkServices(rt)
    assert list(services.wanted()) == [rt.config["TRUNK_NAME"]]

    north = room(rt)
    add_trunk(rt, "north", north, channel_limit="7", calls_per_second="2.5")
    wanted = services.wanted()
    assert sorted(wanted) == ["north", rt.config["TRUNK_NAME"]]
    settings = wanted["north"]
    assert (settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret) == \
        ("127.0.0.2", 5039, "meldkamer", AMI_SECRET)
    assert (settings.trunk.channel_limit, settings.trunk.cps, settings.trunk.caller_id) == (7, 2.5, "+318000011")

    add_trunk(rt, "shared")
    assert sorted(services.wanted()) == ["north", "shared"]


def test_a_trunk_whose_secret_cannot_be_read_is_left_out(config):
    """A trunk sealed under another key is logged and skipped; the other trunks still run."""
    rt = runtime.configure(config)
    add_trunk(rt, "north", room(rt))
    rt = runtime.configure({**config, "SECRET_KEY": "another-installation"})
    assert list(TrunkServices(rt).wanted()) == [rt.config["TRUNK_NAME"]]


def test_cli_renders_asterisk_configuration_from_the_trunks(app, tmp_path):
    """`flask asterisk-config` writes a PJSIP endpoint per enabled SIP trunk and the project's AMI login."""
    rt = app.extensions["uitkijk"]
    rt.config["AMI_SECRET"] = app.config["AMI_SECRET"] = "manager-secret-1"
    add_trunk(rt, "weesp", room(rt))
    add_trunk(rt, "old", sip_host="old.example.net", enabled="")
    result = app.test_cli_runner().invoke(args=["asterisk-config", str(tmp_path / "etc"),
                                                "--fallback-destination", "PJSIP/meldkamer"])
    assert result.exit_code == 0, result.output
    pjsip = (tmp_path / "etc" / "pjsip.conf").read_text()
    assert "[weesp]" in pjsip and "sip.example.net" in pjsip and "trunk-password-1" in pjsip
    assert "old.example.net" not in pjsip
    assert "manager-secret-1" in (tmp_path / "etc" / "manager.conf").read_text()
    assert "PJSIP/meldkamer" in Path(tmp_path / "etc" / "extensions.conf").read_text()


def test_cli_refuses_to_render_without_an_ami_secret(app, tmp_path):
    """Without AMI_SECRET the command says so and writes nothing."""
    result = app.test_cli_runner().invoke(args=["asterisk-config", str(tmp_path / "etc"),
                                                "--fallback-destination", "PJSIP/meldkamer"])
    assert result.exit_code != 0 and "AMI secret" in result.output
    assert not (tmp_path / "etc").exists()
