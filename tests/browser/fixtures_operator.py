"""What the operator, configuration and dashboard browser tests add to tests/browser/conftest.py:
a recordings dir for the served app, and signing in as an account linked to an operator or municipality."""
import re

import pytest

from tests.integration.web_helpers import PASSWORD, make_user


@pytest.fixture
def recordings_dir(web_server, tmp_path):
    """The served app's RECORDINGS_DIR, where recorded tips are read from."""
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    web_server.app.config["RECORDINGS_DIR"] = str(recordings)
    return recordings


def sign_in_as(page, web_server, role, email=None, **links):
    """Create an account for `role` (links: operator_id, municipality_id) and sign in through the form."""
    email = make_user(web_server.app, role, email, **links)
    page.goto(f"{web_server.url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return email


def approve_as_colleague(chromium, web_server, operator_id, approval_url):
    """A second operator (four eyes, core.approvals) signs in in a browser of their own, opens the launch
    awaiting approval and approves it; returns the URL of the action's follow page it leads to."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    tab = context.new_page()
    try:
        sign_in_as(tab, web_server, "operator", "collega@example.org", operator_id=operator_id)
        tab.goto(approval_url)
        tab.click("#approve-button")
        tab.wait_for_url(re.compile(r"/actions/\d+$"))
        return tab.url
    finally:
        context.close()
