"""The import contracts in .importlinter hold, and a back door through them fails the build."""
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def copy_of_the_code(target: Path) -> Path:
    """The packages the contracts name and the contracts themselves, copied into target."""
    config = configparser.ConfigParser()
    config.read(REPO / ".importlinter")
    for package in config["importlinter"]["root_packages"].split():
        if (REPO / package).is_dir():
            shutil.copytree(REPO / package, target / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO / ".importlinter", target / ".importlinter")
    return target


def test_the_code_keeps_every_contract():
    """The repository as it is keeps every import contract."""
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module, back_door, reported", [
    ("core/demo.py", "from lab.asterisk import AsteriskLab", "core.demo -> lab.asterisk"),
    ("core/demo.py", "from sms.transport import make_sms_transport", "core.demo -> sms.transport"),
    ("sms/transport.py", "from voice.twilio_transport import make_voice_transport",
     "sms.transport -> voice.twilio_transport"),
    ("voice/action_audio.py", "from ivr.prompts import speech_key", "voice.action_audio -> ivr.prompts"),
    ("twilio_gateway/accounts.py", "from sms.transport import make_sms_transport",
     "twilio_gateway.accounts -> sms.transport"),
    ("core/demo.py", "import flask", "core.demo -> flask"),
    ("api/outbox.py", "from sqlalchemy import select", "api.outbox -> sqlalchemy"),
])
def test_a_back_door_breaks_the_build(tmp_path, module, back_door, reported):
    """An import through the layers (upwards, sideways between channels, or into the lab) is reported."""
    code = copy_of_the_code(tmp_path)
    with (code / module).open("a") as source:
        source.write(f"\n{back_door}  # a back door\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert reported in result.stdout
