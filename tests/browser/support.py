"""Helpers for the browser tests: Debian's Chromium, signing in through the form, screenshots."""
import os
from pathlib import Path

from tests.integration.admin_web import PASSWORD, make_user

CHROMIUM = os.environ.get("UITKIJK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def sign_in(page, server, role, email=None, municipality_code=None):
    """Create an account and sign in through the login form; returns the e-mail address."""
    email = make_user(server.app, role, email, municipality_code)
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return email


def screenshot(page, name):
    """Save a full-page screenshot under test-artifacts/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
