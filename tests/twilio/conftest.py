"""Fixtures for tests against Prism serving Twilio's OpenAPI spec (see lab/prism.py)."""
import os

import pytest

from lab.prism import PrismUnavailable, prepare_spec, start_prism, stop_prism


@pytest.fixture(scope="session")
def prism(tmp_path_factory):
    """A PrismServer mocking Twilio's REST API on a free loopback port, for the whole session.

    Skips when Prism cannot be installed or started, except under CI=true where that fails.
    """
    workdir = tmp_path_factory.mktemp("prism")
    try:
        process, server = start_prism(prepare_spec(workdir), workdir)
    except PrismUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Prism is required when CI=true: {exc}")
        pytest.skip(f"Prism unavailable: {exc}")
    try:
        yield server
    finally:
        stop_prism(process)


# The app and runtime with both channels on Twilio (through Prism) and the webhooks registered.

from twilio_flows import PUBLIC_BASE_URL, TWILIO_NUMBER  # noqa: E402


@pytest.fixture
def twilio_config(config, prism):
    """The test configuration with SMS and voice through Twilio, i.e. through Prism."""
    from lab.prism import ACCOUNT_SID, AUTH_TOKEN

    return {**config, "SMS_TRANSPORT": "twilio", "VOICE_TRANSPORT": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": prism.base_url, "TWILIO_FROM": TWILIO_NUMBER,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "SMS_RATE_PER_S": 200, "TWILIO_CALLS_PER_S": 200}


@pytest.fixture
def twilio_api(prism):
    """Prism behind a RecordingProxy: ``twilio_api.requests`` is what Twilio received."""
    from lab.prism import RecordingProxy

    proxy = RecordingProxy(prism.base_url)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_twilio_app(twilio_config, twilio_api):
    """The app with both channels on Twilio, its REST requests (the worker's and the webhooks') through
    twilio_api, where a test reads them back."""
    from tests.conftest import app_for

    yield from app_for({**twilio_config, "TWILIO_API_BASE_URL": twilio_api.base_url})


@pytest.fixture
def twilio_app(twilio_config):
    """The app with SMS and voice on Twilio."""
    from tests.conftest import app_for

    yield from app_for(twilio_config)


@pytest.fixture
def twilio_post(twilio_app):
    """POST a webhook as Twilio would (naming its account): signed (default), forged, or unsigned."""
    from lab.prism import ACCOUNT_SID, AUTH_TOKEN
    from twilio_gateway.signatures import SIGNATURE_HEADER, sign

    client = twilio_app.test_client()

    def post(path, form, signature="genuine"):
        form = {"AccountSid": ACCOUNT_SID, **form}
        headers = {}
        if signature == "genuine":
            headers[SIGNATURE_HEADER] = sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, form)
        elif signature == "forged":
            headers[SIGNATURE_HEADER] = sign("not-the-auth-token", PUBLIC_BASE_URL + path, form)
        return client.post(path, data=form, headers=headers)
    return post
