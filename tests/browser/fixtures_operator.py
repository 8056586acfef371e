"""What the operator, configuration and dashboard browser tests add to tests/browser/conftest.py:
a recordings dir for the served app, and signing in as an account linked to an operator or municipality."""
import pytest

from tests.integration.web_helpers import PASSWORD, make_user


@pytest.fixture
def recordings_dir(web_server, tmp_path):
    """The served app's RECORDINGS_DIR, where recorded tips are read from."""
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    web_server.app.config["RECORDINGS_DIR"] = str(recordings)
    return recordings


def sign_in_as(page, web_server, role, **links):
    """Create an account for `role` (links: operator_id, municipality_id) and sign in through the form."""
    email = make_user(web_server.app, role, **links)
    page.goto(f"{web_server.url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return email
