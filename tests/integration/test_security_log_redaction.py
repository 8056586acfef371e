"""Link tokens, API tokens and full phone numbers never reach a log: the web under gunicorn gets real
requests carrying them, and its access log and application log are read back."""
import logging
import time
import urllib.error
import urllib.request

import pytest

from core import log_redaction
from core.signup import make_link_token
from lab.servers import ProjectProcess, free_port
from tests.integration.test_probes import process_environment, wait_for

NUMBER = "+31612345678"
API_TOKEN = "uk_" + "Zx9" * 12


def request(port, path, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {}),
                                    timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_logs_no_tokens_or_numbers(config, redis_url, tmp_path):
    port = free_port()
    web = ProjectProcess(["-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-",
                          "app:create_app()"], process_environment(config, redis_url), tmp_path / "web.log").start()
    try:
        wait_for(port, "/healthz", 200)
        secret = config["SECRET_KEY"].encode()
        manage, confirm = make_link_token(secret, 1, "manage"), make_link_token(secret, 1, "confirm")
        paths = [f"/my/{manage}", f"/my/{manage}/data.json", f"/signup/confirm/{confirm}", f"/reply/{manage}",
                 f"/mail/unsubscribe/{confirm}", f"/api/actions?token={API_TOKEN}",
                 f"/api/participants?number=%2B{NUMBER[1:]}&q={NUMBER}"]
        for path in paths:
            assert request(port, path, {"Authorization": f"Bearer {API_TOKEN}"}) < 500
        deadline = time.monotonic() + 10
        while web.log().count('HTTP/1.1"') < len(paths) + 1 and time.monotonic() < deadline:
            time.sleep(0.1)  # the access log is written after the response
    finally:
        web.stop()
    logged = web.log()
    assert logged.count('HTTP/1.1"') >= len(paths) + 1, logged  # every request was logged
    for secret_text in (manage, confirm, API_TOKEN, NUMBER, NUMBER[1:]):
        assert secret_text not in logged, f"{secret_text} in the log:\n{logged}"
    assert "/my/[redacted]" in logged and "token=[redacted]" in logged
    assert "+31******678" in logged


@pytest.fixture
def redacted_logging():
    before = logging.getLogRecordFactory()
    log_redaction.install()
    yield
    logging.setLogRecordFactory(before)


def test_every_record_is_redacted_message_arguments_and_traceback(redacted_logging, caplog):
    """Our own code, a library or a traceback: what the record holds is redacted when it is made."""
    token = make_link_token(b"k", 7, "manage")
    log = logging.getLogger("uitkijk.test")
    with caplog.at_level(logging.INFO):
        log.info("opened %s for %s", f"https://uitkijk.example/my/{token}", NUMBER)
        log.info("dialled Local/31612345678@lab-pstn and PJSIP/+32471234567@trunk")
        log.info("header Authorization: Bearer %s", API_TOKEN)
        try:
            raise ValueError(f"bad link /reply/{token} from {NUMBER}")
        except ValueError:
            log.exception("failed")
    text = caplog.text
    for secret_text in (token, NUMBER, "31612345678", "32471234567", API_TOKEN):
        assert secret_text not in text
    assert "/my/[redacted] for +31******678" in text
    assert "Local/31******678@lab-pstn" in text and "PJSIP/+32******567@trunk" in text
    assert "Bearer [redacted]" in text and "/reply/[redacted] from +31******678" in text
