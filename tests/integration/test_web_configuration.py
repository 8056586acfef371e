"""The admin configuration pages: control rooms, operators, trunks with encrypted secrets, prompts."""
import io
import shutil

import pytest
from pydub.generators import Sine
from sqlalchemy import select

from core import configuration, secrets
from core.models import AuditEvent, ControlRoom, Operator, Trunk
from tests.conftest import require
from tests.integration.web_helpers import make_user, post, sign_in, web_app

AMI_SECRET = "s3cret-ami-password"


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def admin_token(app, client):
    return sign_in(client, make_user(app, "admin"))


@pytest.fixture
def room_id(app, client, admin_token):
    response = post(client, "/config/control-rooms/new", admin_token,
                    {"name": "Meldkamer Noord", "free_number": "0800 0011", "general_line": "PJSIP/desk",
                     "voice_backend": "asterisk"})
    assert response.status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalar(select(ControlRoom.id))


def asterisk_trunk(room_id, **extra):
    form = {"name": "provider", "backend": "asterisk", "control_room_id": str(room_id), "caller_id": "0800 0011",
            "channel_limit": "20", "calls_per_second": "5", "ami_host": "127.0.0.1", "ami_port": "5038",
            "ami_user": "uitkijk", "ami_secret": AMI_SECRET, "sip_host": "sip.example.net", "sip_port": "5060",
            "username": "weesp", "password": "trunk-password-1", "enabled": "on"}
    form.update(extra)
    return form


def test_control_room_and_operator_are_created_and_listed(app, client, admin_token, room_id):
    """An admin adds a control room and an operator; both are listed and audited."""
    response = post(client, "/config/operators/new", admin_token,
                    {"name": "Anna", "control_room_id": str(room_id), "dial_string": "PJSIP/anna", "available": "on"})
    assert response.status_code == 302
    page = client.get("/config/operators").get_data(as_text=True)
    assert "Anna" in page and "PJSIP/anna" in page and "beschikbaar" in page
    assert "Meldkamer Noord" in client.get("/config/control-rooms").get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        operator = session.scalar(select(Operator))
        verbs = session.scalars(select(AuditEvent.subject_type).where(AuditEvent.verb == "create")).all()
    assert operator.available and {"control_room", "operator"} <= set(verbs)
    post(client, f"/config/operators/{operator.id}/availability", admin_token, {})
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(Operator, operator.id).available is False


def test_bad_dial_string_is_refused(app, client, admin_token, room_id):
    """An operator dial string that could break the dialplan is refused with a message."""
    response = post(client, "/config/operators/new", admin_token,
                    {"name": "Bob", "control_room_id": str(room_id), "dial_string": "PJSIP/bob,30,tT"})
    assert response.status_code == 400
    assert "dial_string: is geen bruikbare kiesreeks" in response.get_data(as_text=True)  # the page speaks Dutch
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Operator)) is None


def test_operator_softphone_password_is_sealed_and_never_shown(app, client, admin_token, room_id):
    """The operator form sets a softphone's SIP password; no page shows it back, a blank password keeps
    it, and a bad one is refused without echoing it."""
    form = {"name": "Anna", "control_room_id": str(room_id), "dial_string": "PJSIP/anna", "available": "on",
            "sip_password": "anna-softphone-1"}
    assert post(client, "/config/operators/new", admin_token, form).status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        operator = session.scalar(select(Operator))
        assert secrets.reveal(app.config, operator.sip_secret) == "anna-softphone-1"
        operator_id = operator.id
    listing = client.get("/config/operators").get_data(as_text=True)
    page = client.get(f"/config/operators/{operator_id}").get_data(as_text=True)
    assert "stored encrypted" in listing and "stored encrypted" in page and 'name="remove_softphone"' in page
    assert "anna-softphone-1" not in listing + page

    refused = post(client, f"/config/operators/{operator_id}", admin_token, {**form, "sip_password": "bad pass word"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "sip_password" in text and "bad pass word" not in text
    kept = post(client, f"/config/operators/{operator_id}", admin_token, {**form, "sip_password": ""})
    assert kept.status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        assert secrets.reveal(app.config, session.get(Operator, operator_id).sip_secret) == "anna-softphone-1"

    post(client, f"/config/operators/{operator_id}", admin_token,
         {**form, "sip_password": "", "dial_string": "+31201234567", "remove_softphone": "on"})
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(Operator, operator_id).sip_secret is None
    assert "not set" in client.get("/config/operators").get_data(as_text=True)


def test_trunk_secrets_are_stored_encrypted(app, client, admin_token, room_id):
    """Trunk secrets are never stored or shown in plain text, yet the code that logs in can read them."""
    response = post(client, "/config/trunks/new", admin_token, asterisk_trunk(room_id))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        trunk = session.scalar(select(Trunk))
        stored = repr(trunk.settings)
        audit = repr(session.scalar(select(AuditEvent.detail).where(AuditEvent.subject_type == "trunk")))
        assert AMI_SECRET not in stored and AMI_SECRET not in audit and "trunk-password-1" not in stored
        assert configuration.trunk_secret(trunk, "ami_secret", app.config) == AMI_SECRET
        assert trunk.dial_template == "PJSIP/{number}@provider" and trunk.caller_id == "+318000011"
        trunk_id = trunk.id
    page = client.get(f"/config/trunks/{trunk_id}").get_data(as_text=True)
    assert AMI_SECRET not in page and "stored encrypted" in page

    # A blank secret keeps the stored one; env:NAME stores a reference instead.
    post(client, f"/config/trunks/{trunk_id}", admin_token,
         asterisk_trunk(room_id, ami_secret="", password="env:UITKIJK_TRUNK_PW"))
    with app.extensions["uitkijk"].db.session() as session:
        trunk = session.get(Trunk, trunk_id)
        assert configuration.trunk_secret(trunk, "ami_secret", app.config) == AMI_SECRET
        assert trunk.settings["password"] == {"env": "UITKIJK_TRUNK_PW"}
        assert configuration.trunk_secret(trunk, "password", app.config, {"UITKIJK_TRUNK_PW": "pw"}) == "pw"
        with pytest.raises(secrets.SecretUnavailable):
            configuration.trunk_secret(trunk, "ami_secret", {**app.config, "SECRET_KEY": "another-key"})


def test_twilio_trunk_needs_a_valid_account_sid(app, client, admin_token, room_id):
    """A Twilio account with a malformed SID is refused; a valid one is stored with its token sealed."""
    form = {"name": "twilio", "backend": "twilio", "caller_id": "+31201234567", "channel_limit": "10",
            "calls_per_second": "1", "account_sid": "ACnot-a-sid", "auth_token": "tok-123", "enabled": "on"}
    assert post(client, "/config/trunks/new", admin_token, form).status_code == 400
    form["account_sid"] = "AC" + "0" * 32
    assert post(client, "/config/trunks/new", admin_token, form).status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        trunk = session.scalar(select(Trunk))
        assert "encrypted" in trunk.settings["auth_token"]
        assert configuration.trunk_secret(trunk, "auth_token", app.config) == "tok-123"


def test_operator_cannot_reach_configuration(app, client):
    """An operator gets 403 on every configuration page and POST."""
    token = sign_in(client, make_user(app, "operator"))
    assert client.get("/config/").status_code == 403
    assert client.get("/config/trunks").status_code == 403
    assert post(client, "/config/control-rooms/new", token, {"name": "x"}).status_code == 403


def test_config_post_without_csrf_is_refused(app, client, admin_token):
    """A configuration form posted without its CSRF token is refused."""
    response = client.post("/config/control-rooms/new", data={"name": "X", "free_number": "0800 0011",
                                                              "voice_backend": "asterisk"})
    assert response.status_code == 400
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(ControlRoom)) is None


def _wav(seconds=1.0):
    out = io.BytesIO()
    Sine(440).to_audio_segment(duration=int(seconds * 1000)).export(out, format="wav")
    return out.getvalue()


def test_prompt_recording_upload_and_speech_preview(app, client, admin_token):
    """Prompts are listed from the catalogue; a recording replaces the speech; bad audio is refused."""
    page = client.get("/config/prompts?language=nl").get_data(as_text=True)
    assert "alert_intro" in page and "Dit is Uitkijk" in page
    bad = post(client, "/config/prompts/nl/alert_intro/recording", admin_token,
               {"recording": (io.BytesIO(b"not audio"), "tip.wav")}, content_type="multipart/form-data",
               follow_redirects=True)
    assert "Opname niet gebruikt" in bad.get_data(as_text=True)
    good = post(client, "/config/prompts/nl/alert_intro/recording", admin_token,
                {"recording": (io.BytesIO(_wav()), "intro.wav")}, content_type="multipart/form-data",
                follow_redirects=True)
    assert "geïnstalleerd" in good.get_data(as_text=True)
    audio = client.get("/config/prompts/nl/alert_intro.wav")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert client.get("/config/prompts/nl/no_such_prompt.wav").status_code == 404

    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    speech = client.get("/config/prompts/en/goodbye.wav")
    assert speech.status_code == 200 and speech.mimetype == "audio/wav" and speech.data[:4] == b"RIFF"


def test_trunk_answering_machine_detection_is_set_on_the_form(app, client, admin_token, room_id):
    """An admin turns detection on and tunes a parameter; a blank one takes its default, a save that leaves the
    fields as shown keeps them, and a value out of bounds is refused naming its field, changing nothing."""
    response = post(client, "/config/trunks/new", admin_token,
                    asterisk_trunk(room_id, amd_enabled="on", amd_initial_silence_ms="3000"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        trunk = session.scalar(select(Trunk))
        trunk_id, amd = trunk.id, trunk.settings["amd"]
    assert amd["enabled"] is True and amd["initial_silence_ms"] == 3000 and amd["greeting_ms"] == 1500
    page = client.get(f"/config/trunks/{trunk_id}").get_data(as_text=True)
    assert 'name="amd_enabled" checked' in page and 'name="amd_initial_silence_ms" min="500" max="10000" step="1" value="3000"' in page
    assert "Antwoordapparaten herkennen bij alarmoproepen en afsluitende oproepen" in page  # both calls detect

    with app.test_request_context():
        with app.extensions["uitkijk"].db.session() as session:
            shown = configuration.trunk_form(session.get(Trunk, trunk_id), None)
    post(client, f"/config/trunks/{trunk_id}", admin_token, {**shown, "ami_secret": ""})
    refused = post(client, f"/config/trunks/{trunk_id}", admin_token,
                   {**shown, "ami_secret": "", "amd_initial_silence_ms": "99999", "amd_enabled": ""})
    assert refused.status_code == 400 and "amd_initial_silence_ms" in refused.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(Trunk, trunk_id).settings["amd"] == amd


def test_twilio_trunk_answering_machine_detection_is_set_on_the_form(app, client, admin_token, room_id):
    """A Twilio account's form offers Twilio's own detection parameters, in Dutch, and keeps what is saved."""
    assert 'name="amd_timeout_s"' in client.get("/config/trunks/new?backend=twilio").get_data(as_text=True)
    response = post(client, "/config/trunks/new", admin_token, {
        "name": "twilio-amd", "backend": "twilio", "control_room_id": str(room_id), "caller_id": "+31201234567",
        "channel_limit": "10", "calls_per_second": "5", "account_sid": "AC" + "5e" * 16, "auth_token": "geheim-123",
        "enabled": "on", "amd_enabled": "on", "amd_silence_timeout_ms": "3000"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        trunk = session.scalar(select(Trunk))
        trunk_id, amd = trunk.id, trunk.settings["amd"]
    assert amd == {"enabled": True, "timeout_s": 30, "speech_threshold_ms": 2400, "speech_end_threshold_ms": 1200,
                   "silence_timeout_ms": 3000}
    page = client.get(f"/config/trunks/{trunk_id}").get_data(as_text=True)
    assert "Langste detectie (s)" in page and 'name="amd_initial_silence_ms"' not in page
    assert 'name="amd_silence_timeout_ms" min="2000" max="10000" step="1" value="3000"' in page


def test_the_configuration_index_leads_to_every_configuration_page(app, client, admin_token):
    """Each page of the configuration has a tile on its index, in Dutch, with what it holds."""
    page = client.get("/config/").get_data(as_text=True)
    for path, label in [("/config/trunks", "Trunks"), ("/config/prompts", None), ("/config/operators", None),
                        ("/config/control-rooms", None), ("/config/partners/", "Partners"),
                        ("/config/action-webhooks/", "Webhooks meldkamersystemen"), ("/config/regions/", "Gebieden"),
                        ("/config/mail-senders", "Afzenders buurtmail"), ("/config/retry-policies", "Herhaalpogingen"),
                        ("/config/signup-limits", "Aanmeldlimieten")]:
        assert f'href="{path}"' in page, path
        assert label is None or f"<strong>{label}</strong>" in page, label
        assert client.get(path).status_code == 200, path
    assert "0 aangemeld: wie elke openbare melding ontvangt" in page
