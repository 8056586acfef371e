"""The Flask CLI does the API's tasks, with clear errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

from flask.cli import cli as flask_cli
from sqlalchemy import func, select

from core import runtime
from core.models import AuditEvent, MessageTemplate, Participant
from tests.conftest import app_for


def test_cli_participant_launch_end_and_outbox(app, work, tmp_path):
    """A participant added, an action launched and ended from the CLI reach the outbox."""
    runner = app.test_cli_runner()
    assert "meldkamer 1" in runner.invoke(args=["load-demo", "--participants", "50"]).output
    with runtime.get().db.session() as session:  # the demo's templates, "Gezocht: ..."
        messages = list(session.scalars(select(MessageTemplate.message)))
        assert len(messages) == 2 and all(m.startswith("Gezocht: ") for m in messages)
    added = runner.invoke(args=["participants", "add", json.dumps(
        {"phones": ["0612345678"], "home": {"lat": 52.3728, "lon": 4.8936}})])
    assert added.exit_code == 0, added.output
    launch = {"kind": "robbery", "title": "Overval Dam", "message": "Twee mannen op een scooter.",
              "area": {"lat": 52.3728, "lon": 4.8936, "radius_m": 300}, "operator_id": 1, "control_room_id": 1}
    launched = runner.invoke(args=["actions", "launch", json.dumps(launch), "--actor", "user:jansen"])
    assert launched.exit_code == 0, launched.output
    action = json.loads(launched.output)
    work()
    ended = runner.invoke(args=["actions", "end", str(action["id"]), "--result", "suspect_caught"])
    assert json.loads(ended.output)["status"] == "ended"
    work()
    outbox = runner.invoke(args=["outbox"]).output
    assert "console-sms" in outbox and action["code"] in outbox


def test_cli_errors_are_clear_and_write_nothing(app, tmp_path):
    """Bad CLI input ends with an error naming the field, and writes nothing."""
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["participants", "add", json.dumps({"phones": ["123"], "home": {"lat": 1, "lon": 1}})])
    assert bad.exit_code != 0 and "phones[0]" in bad.output
    not_json = runner.invoke(args=["actions", "launch", "{nope"])
    assert not_json.exit_code != 0 and "geen JSON" in not_json.output
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("phone,home_lat,home_lon\n0612345678,52.3,5.0\n12,52.3,5.0\n")
    imported = runner.invoke(args=["participants", "import", str(csv_file)])
    assert imported.exit_code == 1 and '"line": 3' in imported.output
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 1


def test_create_token_prints_a_working_token(app, client):
    """create-token prints a token once, and the API accepts it for its scope only."""
    token = app.test_cli_runner().invoke(args=["create-token", "meldkamer", "--scope", "actions"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/actions", headers=headers).status_code == 200
    assert client.get("/api/outbox", headers=headers).status_code == 403
    again = app.test_cli_runner().invoke(args=["create-token", "meldkamer", "--scope", "actions"])
    assert again.exit_code != 0 and "bestaat al" in again.output


def test_create_token_refuses_no_scope_and_unknown_scope(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-token", "zonder"]).exit_code != 0
    unknown = runner.invoke(args=["create-token", "alles", "--scope", "everything"])
    assert unknown.exit_code != 0 and "onbekende scope" in unknown.output


def test_revoke_token_shuts_the_token_out_at_once_and_is_audited(app, client):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["create-token", "weg", "--scope", "actions"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/actions", headers=headers).status_code == 200
    result = runner.invoke(args=["revoke-token", "weg"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/actions", headers=headers).status_code == 401
    assert runner.invoke(args=["revoke-token", "onbekend"]).exit_code != 0
    listed = runner.invoke(args=["list-tokens"]).output
    assert "weg  [actions]" in listed and "ingetrokken" in listed
    with app.extensions["uitkijk"].db.session() as s:
        verbs = s.execute(select(AuditEvent.actor, AuditEvent.verb).where(AuditEvent.subject_type == "api_token")).all()
    assert ("cli", "create") in verbs and ("cli", "revoke") in verbs and ("token:weg", "use") in verbs


def test_flask_config_prints_each_key_its_source_and_masks_secrets(config, monkeypatch):
    """`flask config` lists every key with where its value came from, never a secret, and unknown variables."""
    monkeypatch.setenv("UITKIJK_AMI_SECRET", "very-secret-ami")
    monkeypatch.setenv("UITKIJK_RING_S", "5")  # a typo of IVR_RING_S
    app = next(app_for({**config, "MAX_ATTEMPTS": 7}))
    result = app.test_cli_runner().invoke(args=["config"])
    runtime.uninstall()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("AMI_SECRET") and "********  [environment UITKIJK_AMI_SECRET]" in line for line in lines)
    assert any(line.startswith("MAX_ATTEMPTS") and "7  [overrides]" in line for line in lines)
    assert any(line.startswith("AMI_PORT") and "5038  [default]" in line for line in lines)
    assert "very-secret-ami" not in result.output
    assert "onbekend: UITKIJK_RING_S" in result.output


def test_command_refusals_speak_the_cli_language(config):
    """A refused command names the field and gives the core's reason in CLI_LANGUAGE: Dutch by default,
    English when configured."""
    args = ["create-token", "alles", "--scope", "everything"]
    app = next(app_for({**config, "CLI_LANGUAGE": "en"}))
    english = app.test_cli_runner().invoke(args=args)
    runtime.uninstall()
    assert english.exit_code != 0 and "scopes: unknown scope 'everything'; known:" in english.output


def test_command_help_speaks_the_cli_language(config):
    """`flask --help` lists the commands with their Dutch help, and a command's own help (text, options, click's
    words) is Dutch too; with CLI_LANGUAGE=en the same help is English."""
    app = next(app_for(config))
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["--help"]).output
    runtime.uninstall()
    assert "Breng de database naar het nieuwste schema." in listing
    assert "Acties starten, tonen en beëindigen." in listing and "Deelnemers registreren, importeren" in listing
    app = next(app_for(config))
    token = app.test_cli_runner().invoke(args=["create-token", "--help"]).output
    group = app.test_cli_runner().invoke(args=["actions", "end", "--help"]).output
    runtime.uninstall()
    assert token.startswith("Gebruik:") and "Maak een API-token aan voor een meldkamersysteem" in token
    assert "zoveel dagen geldig (standaard API_TOKEN_DAYS)" in token and "Toon deze hulp en stop." in token
    assert "Beëindig een actie" in group and "hoe de actie afliep" in group and "Opties:" in group

    app = next(app_for({**config, "CLI_LANGUAGE": "en"}))
    english = app.test_cli_runner().invoke(args=["create-token", "--help"]).output
    runtime.uninstall()
    assert english.startswith("Usage:") and "Create an API token for a control-room system" in english
    assert "valid for this many days" in english and "Show this message and exit." in english


def _flask(app, args, **kwargs):
    """`flask ARGS` as a terminal runs it (Flask's own group, the program named flask) for `app`."""
    return app.test_cli_runner().invoke(flask_cli, args=args, prog_name="flask", **kwargs)


def test_clicks_own_words_speak_the_cli_language(config):
    """What click itself says around our commands (usage, the hint to --help, a missing argument or option, an
    unknown command, a wrong choice, [required]), and the listing of Flask's own commands, is Dutch by default and
    English with CLI_LANGUAGE=en."""
    app = next(app_for(config))
    missing = _flask(app, ["actions", "end"])
    unknown = _flask(app, ["nope"])
    no_scope = _flask(app, ["create-token", "systeem"])
    bad_role = _flask(app, ["create-user", "--email", "a@example.org", "--name", "A", "--role", "baas"])
    required = _flask(app, ["create-token", "--help"]).output
    listing = _flask(app, ["--help"]).output
    runtime.uninstall()
    assert "Start een ontwikkelserver." in listing and "Toon de routes van de app." in listing  # Flask's own
    assert missing.exit_code == 2
    assert missing.output.splitlines()[:2] == ["Gebruik: flask actions end [OPTIONS] ACTION_ID",
                                               "Probeer 'flask actions end --help' voor hulp."]
    assert "Fout: Argument ontbreekt 'ACTION_ID'." in missing.output
    assert "Fout: Opdracht 'nope' bestaat niet." in unknown.output
    assert "Fout: Optie ontbreekt '--scope'." in no_scope.output
    assert "Fout: Ongeldige waarde voor '--role': 'baas' is niet een van 'admin'," in bad_role.output
    assert "[verplicht]" in required and "Opties:" in required

    app = next(app_for({**config, "CLI_LANGUAGE": "en"}))
    missing = _flask(app, ["actions", "end"])
    required = _flask(app, ["create-token", "--help"]).output
    listing = _flask(app, ["--help"]).output
    runtime.uninstall()
    assert "Run a development server." in listing
    assert missing.output.splitlines()[:2] == ["Usage: flask actions end [OPTIONS] ACTION_ID",
                                               "Try 'flask actions end --help' for help."]
    assert "Error: Missing argument 'ACTION_ID'." in missing.output
    assert "[required]" in required and "Options:" in required


def test_a_prompt_and_its_confirmation_speak_the_cli_language(config):
    """create-user asks for the password in Dutch, and says so when the repeat differs."""
    app = next(app_for(config))
    asked = app.test_cli_runner().invoke(args=["create-user", "--email", "a@example.org", "--name", "A", "--role",
                                               "admin"], input="een-lang-wachtwoord\niets-anders-dan-dat\n")
    runtime.uninstall()
    assert "Wachtwoord: " in asked.output and "Herhaal ter bevestiging: " in asked.output
    assert "Fout: de twee ingevoerde waarden zijn niet gelijk." in asked.output


def _terminal(tmp_path, args, **environ):
    """`flask ARGS` in a new process, with the environment given here only (not this machine's LANG)."""
    env = {"PATH": os.environ["PATH"], "FLASK_APP": "app", "UITKIJK_MODE": "development",
           "UITKIJK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "LANG": "C.UTF-8", **environ}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), *args], cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_flask_program_speaks_dutch_and_english_when_asked(tmp_path):
    """The `flask` program at a terminal: the commands' listing and a refused call in Dutch by default; English
    when CLI_LANGUAGE=en or the terminal's language is English."""
    listing = _terminal(tmp_path, ["--help"])
    assert listing.returncode == 0, listing.stderr
    assert "Opdrachten:" in listing.stdout and "Breng de database naar het nieuwste schema." in listing.stdout
    assert "Start een ontwikkelserver." in listing.stdout  # Flask's own command, listed among ours
    missing = _terminal(tmp_path, ["actions", "end"])
    assert missing.returncode == 2
    assert "Probeer 'flask actions end --help' voor hulp." in missing.stderr
    assert "Fout: Argument ontbreekt 'ACTION_ID'." in missing.stderr
    for environ in ({"UITKIJK_CLI_LANGUAGE": "en"}, {"LANG": "en_GB.UTF-8"}):
        english = _terminal(tmp_path, ["actions", "end"], **environ)
        assert "Error: Missing argument 'ACTION_ID'." in english.stderr, environ
