"""Attacks on the installation's keys: the development SECRET_KEY and guessable trunk secrets."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core import runtime, secrets
from core.keys import DEVELOPMENT_SECRET_KEY, InsecureConfiguration, check_keys

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k" * 40

PROCESSES = {
    "web": [sys.executable, "-m", "flask", "--app", "app", "routes"],
    "worker": [sys.executable, "worker.py", "--burst"],
    "fastagi": [sys.executable, "-m", "ivr.fastagi", "--port", "0"],
    "call service": [sys.executable, "-m", "voice.call_events"],
}


def _environment(tmp_path, redis_url, queue_prefix, **keys):
    env = {k: v for k, v in os.environ.items()
           if k.removeprefix("UITKIJK_") not in ("SECRET_KEY", "TRUNK_SECRET_KEY", "MODE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'keys.db'}", REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix,
               PROMPT_DIR=str(tmp_path / "prompts"), **keys)
    return env


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_no_process_starts_with_the_development_key(process, tmp_path, redis_url, queue_prefix):
    """Web, worker, call service and FastAGI server each refuse to start with the default SECRET_KEY."""
    env = _environment(tmp_path, redis_url, queue_prefix, TRUNK_SECRET_KEY=Fernet.generate_key().decode())
    done = subprocess.run(PROCESSES[process], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY is the development default" in done.stderr


def test_a_process_with_proper_keys_or_in_development_mode_starts(tmp_path, redis_url, queue_prefix):
    """The refusal is about the keys: set keys, or an explicit development mode, and the worker runs."""
    good = _environment(tmp_path, redis_url, queue_prefix, SECRET_KEY=STRONG,
                        TRUNK_SECRET_KEY=Fernet.generate_key().decode())
    development = _environment(tmp_path, redis_url, queue_prefix, UITKIJK_MODE="development")
    for env in (good, development):
        done = subprocess.run(PROCESSES["worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("keys, problem", [
    ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "development default"),
    ({"SECRET_KEY": "short-but-not-default"}, "shorter than"),
    ({"SECRET_KEY": STRONG, "TRUNK_SECRET_KEY": ""}, "TRUNK_SECRET_KEY is not set"),
    ({"SECRET_KEY": STRONG, "TRUNK_SECRET_KEY": "not-a-fernet-key"}, "not a Fernet key"),
    ({"SECRET_KEY": STRONG, "MODE": "prod"}, "MODE must be one of"),
])
def test_weak_keys_are_refused_in_production(keys, problem):
    """Production mode (the default) refuses known, short, missing and malformed keys."""
    config = {"MODE": "production", "TRUNK_SECRET_KEY": Fernet.generate_key().decode(), **keys}
    with pytest.raises(InsecureConfiguration, match=problem):
        check_keys(config)


def test_runtime_refuses_the_development_key(config):
    """The runtime every process builds refuses the default key without test or development mode."""
    production = {k: v for k, v in config.items() if k != "TESTING"}
    with pytest.raises(InsecureConfiguration):
        runtime.configure({**production, "SECRET_KEY": DEVELOPMENT_SECRET_KEY})


def test_sealed_secrets_do_not_depend_on_secret_key():
    """With TRUNK_SECRET_KEY, knowing SECRET_KEY does not decrypt a sealed trunk secret."""
    own = {"SECRET_KEY": STRONG, "TRUNK_SECRET_KEY": Fernet.generate_key().decode()}
    stored = secrets.seal(own, "ami-password-1")
    attacker = {"SECRET_KEY": STRONG, "TESTING": True}  # the SECRET_KEY-derived key of the development mode
    with pytest.raises(secrets.SecretUnavailable):
        secrets.reveal(attacker, stored)
    assert secrets.reveal(own, stored) == "ami-password-1"


def test_trunk_keys_rotate():
    """A new key first in TRUNK_SECRET_KEY still reads old secrets; after rotation the old key can go."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = secrets.seal({"TRUNK_SECRET_KEY": old}, "twilio-token")
    both = {"TRUNK_SECRET_KEY": f"{new},{old}"}
    rotated = secrets.rotate(both, stored)
    assert secrets.reveal({"TRUNK_SECRET_KEY": new}, rotated) == "twilio-token"
    with pytest.raises(secrets.SecretUnavailable):
        secrets.reveal({"TRUNK_SECRET_KEY": new}, stored)


@pytest.mark.parametrize("name", ["DATABASE_URL", "SECRET_KEY", "UITKIJK_SECRET_KEY", "TRUNK_SECRET_KEY",
                                  "UITKIJK_TRUNK_", "uitkijk_trunk_token"])
def test_env_secrets_cannot_name_other_variables(name):
    """An admin cannot point a trunk secret at DATABASE_URL or SECRET_KEY to send it to a listener."""
    with pytest.raises(ValueError, match="UITKIJK_TRUNK_"):
        secrets.seal({"TESTING": True, "SECRET_KEY": STRONG}, f"env:{name}")
    with pytest.raises(secrets.SecretUnavailable):
        secrets.reveal({}, {"env": name}, environ={name: "leaked"})
    assert secrets.reveal({}, {"env": "UITKIJK_TRUNK_AMI"}, environ={"UITKIJK_TRUNK_AMI": "ok"}) == "ok"


def test_flask_rotate_trunk_secrets_re_encrypts_with_the_newest_key(config):
    """After `flask rotate-trunk-secrets` the trunk and softphone secrets read with the new key alone."""
    from app import create_app
    from core.configuration import trunk_secret
    from core.models import Operator, Trunk
    from tests.integration.test_asterisk_trunks import add_operator, add_trunk, room
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = create_app({**config, "TRUNK_SECRET_KEY": old})
    rt = app.extensions["uitkijk"]
    room_id = room(rt)
    add_trunk(rt, "weesp", room_id)
    add_operator(rt, "Anna", "PJSIP/anna", room_id, sip_password="anna-softphone-1")
    rt.config["TRUNK_SECRET_KEY"] = app.config["TRUNK_SECRET_KEY"] = f"{new},{old}"
    result = app.test_cli_runner().invoke(args=["rotate-trunk-secrets"])
    assert result.exit_code == 0 and "3 geheimen versleuteld" in result.output, result.output
    only_new = {**config, "TRUNK_SECRET_KEY": new}
    with rt.db.session() as session:
        trunk = session.query(Trunk).one()
        assert trunk_secret(trunk, "ami_secret", only_new) == "ami-secret-for-tests"
        assert secrets.reveal(only_new, session.query(Operator).filter_by(name="Anna").one().sip_secret) == "anna-softphone-1"
