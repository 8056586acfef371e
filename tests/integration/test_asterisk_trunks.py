"""The Asterisk trunks admins configure reach the voice side: which trunk a room's calls take,
which call services run, and the Asterisk configuration rendered from them."""
from pathlib import Path

import pytest
from sqlalchemy import select

from core import runtime
from core.configuration import save_operator, save_trunk, trunk_for_room
from core.errors import ValidationError
from core.models import AuditEvent, Operator
from lab import factories
from voice.call_events import TrunkServices

AMI_SECRET = "ami-secret-for-tests"


def add_trunk(rt, name, room_id=None, **extra):
    form = {"name": name, "backend": "asterisk", "control_room_id": str(room_id or ""), "caller_id": "0800 0011",
            "channel_limit": "20", "calls_per_second": "5", "ami_host": "127.0.0.2", "ami_port": "5039",
            "ami_user": "meldkamer", "ami_secret": AMI_SECRET, "sip_host": "sip.example.net", "sip_port": "5060",
            "username": "weesp", "password": "trunk-password-1", "enabled": "on", **extra}
    with rt.db.session() as session:
        return save_trunk(session, form, "test", rt.config).id


def add_operator(rt, name, dial_string, room_id, operator_id=None, **extra):
    form = {"name": name, "control_room_id": str(room_id), "dial_string": dial_string, "available": "on", **extra}
    with rt.db.session() as session:
        return save_operator(session, form, "test", operator_id=operator_id, config=rt.config).id


def room(rt, name="Meldkamer Test"):
    with rt.db.session() as session:
        return factories.control_room(session, name)[0].id


def chosen(rt, room_id):
    with rt.db.session() as session:
        row = trunk_for_room(session, "asterisk", room_id)
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


def render(app, tmp_path):
    return app.test_cli_runner().invoke(args=["asterisk-config", str(tmp_path / "etc"),
                                              "--fallback-destination", "PJSIP/meldkamer"])


def test_cli_renders_an_endpoint_per_softphone_operator(app, tmp_path):
    """An operator saved with a SIP password gets a PJSIP endpoint, auth and aor named after its dial
    string; an operator without one is dialled by its dial string and gets none. The password is
    stored sealed and audited only as described."""
    rt = app.extensions["uitkijk"]
    rt.config["AMI_SECRET"] = app.config["AMI_SECRET"] = "manager-secret-1"
    room_id = room(rt)
    add_operator(rt, "Anna de Vries", "PJSIP/desk-anna", room_id, sip_password="anna-softphone-1")
    add_operator(rt, "Bob", "PJSIP/desk-bob", room_id)
    result = render(app, tmp_path)
    assert result.exit_code == 0, result.output
    pjsip = (tmp_path / "etc" / "pjsip.conf").read_text()
    for kind in ("endpoint", "auth", "aor"):
        assert f"[desk-anna]\ntype = {kind}\n" in pjsip
    assert "password = anna-softphone-1" in pjsip and "username = desk-anna" in pjsip
    assert "desk-bob" not in pjsip
    with rt.db.session() as session:
        stored = session.scalar(select(Operator.sip_secret).where(Operator.name == "Anna de Vries"))
        audit = session.scalars(select(AuditEvent.detail).where(AuditEvent.subject_type == "operator")).all()
    assert "anna-softphone-1" not in repr(stored) and "anna-softphone-1" not in repr(audit)
    assert {"name": "Anna de Vries", "available": True, "softphone": "stored encrypted"} in audit


def test_softphone_password_is_kept_when_blank_and_removed_on_request(app, tmp_path):
    """Saving an operator without typing the password keeps its softphone; "remove_softphone" drops it."""
    rt = app.extensions["uitkijk"]
    rt.config["AMI_SECRET"] = app.config["AMI_SECRET"] = "manager-secret-1"
    room_id = room(rt)
    anna = add_operator(rt, "Anna", "PJSIP/anna", room_id, sip_password="anna-softphone-1")
    add_operator(rt, "Anna", "PJSIP/anna", room_id, operator_id=anna, sip_password="")
    assert render(app, tmp_path).exit_code == 0
    assert "password = anna-softphone-1" in (tmp_path / "etc" / "pjsip.conf").read_text()
    with pytest.raises(ValidationError) as refused:  # the softphone keeps its endpoint dial string
        add_operator(rt, "Anna", "+31201234567", room_id, operator_id=anna)
    assert refused.value.field == "dial_string"
    add_operator(rt, "Anna", "+31201234567", room_id, operator_id=anna, remove_softphone="on")
    assert render(app, tmp_path).exit_code == 0
    assert "[anna]" not in (tmp_path / "etc" / "pjsip.conf").read_text()


@pytest.mark.parametrize(("dial_string", "password", "field"), [
    ("+31201234567", "anna-softphone-1", "dial_string"),       # not PJSIP/<endpoint>
    ("PJSIP/anna@provider", "anna-softphone-1", "dial_string"),  # not an endpoint name
    ("PJSIP/weesp", "anna-softphone-1", "dial_string"),          # a trunk's endpoint
    ("PJSIP/anna", "short", "sip_password"),                     # under 8 characters
    ("PJSIP/anna", "with;semicolon", "sip_password"),            # would end the line in pjsip.conf
    ("PJSIP/anna", "env:lower-case", "sip_password"),            # not an environment variable name
])
def test_a_softphone_asterisk_cannot_use_is_refused(app, tmp_path, dial_string, password, field):
    """A bad endpoint or password is refused naming the field (never echoing the password); nothing is
    stored, so the rendered configuration has no operator endpoint."""
    rt = app.extensions["uitkijk"]
    rt.config["AMI_SECRET"] = app.config["AMI_SECRET"] = "manager-secret-1"
    room_id = room(rt)
    add_trunk(rt, "weesp", room_id)
    with pytest.raises(ValidationError) as refused:
        add_operator(rt, "Anna", dial_string, room_id, sip_password=password)
    assert refused.value.field == field and password not in str(refused.value)
    with rt.db.session() as session:
        assert session.scalar(select(Operator).where(Operator.name == "Anna")) is None
    assert render(app, tmp_path).exit_code == 0
    assert (tmp_path / "etc" / "pjsip.conf").read_text().count("type = endpoint") == 1  # the trunk's


def test_two_operators_cannot_share_a_softphone_endpoint(rt):
    """A second softphone on an endpoint already in use is refused; dialling it without one is fine."""
    room_id = room(rt)
    add_operator(rt, "Anna", "PJSIP/desk", room_id, sip_password="anna-softphone-1")
    with pytest.raises(ValidationError, match="already another operator's softphone"):
        add_operator(rt, "Bob", "PJSIP/desk", room_id, sip_password="bob-softphone-1")
    add_operator(rt, "Bob", "PJSIP/desk", room_id)


def test_cli_names_the_operator_whose_sip_password_cannot_be_read(app, tmp_path):
    """A softphone password sealed under another installation's key stops rendering with a clear message."""
    rt = app.extensions["uitkijk"]
    add_operator(rt, "Anna", "PJSIP/anna", room(rt), sip_password="anna-softphone-1")
    app.config["SECRET_KEY"], app.config["AMI_SECRET"] = "another-installation", "manager-secret-1"
    result = render(app, tmp_path)
    assert result.exit_code != 0 and "operator Anna: SIP password unavailable" in result.output
