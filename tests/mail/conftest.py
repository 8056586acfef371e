"""A real receiving SMTP server (aiosmtpd with STARTTLS and AUTH) for every mail test."""
import warnings

import pytest

from lab.smtp_server import LabRelay


@pytest.fixture
def relay():
    """The receiving MTA: STARTTLS required, AUTH required."""
    with LabRelay() as server:
        yield server


@pytest.fixture
def tls_relay():
    """The receiving MTA with implicit TLS (port 465 style)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with LabRelay(implicit_tls=True) as server:
            yield server


@pytest.fixture
def mail_config(config, relay, tmp_path):
    """The test's configuration with mail going to the test relay."""
    return {**config, **relay.config(), "MAIL_RATE_PER_S": 200.0, "MAIL_PHOTO_DIR": str(tmp_path / "photos"),
            "MAIL_LINK_BASE_URL": "http://127.0.0.1:5000"}


@pytest.fixture
def mail_rt(mail_config):
    """The runtime configured for mail through the test relay (as a worker has it)."""
    from core import runtime

    current = runtime.configure(mail_config)
    yield current
    runtime.uninstall()
