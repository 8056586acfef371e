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
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return email


def screenshot(page, name):
    """Save a full-page screenshot under test-artifacts/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def draw_box_around_marker(page, west_m, east_m, half_m, on_map=None):
    """Click the four corners of a box around the map's marker (west_m to east_m, half_m north and south),
    measured in metres with the map's scale bar: how a person draws a polygon on the map. on_map: the
    map's locator, on a page with more than one."""
    scope = on_map or page
    marker = scope.locator(".leaflet-marker-icon").bounding_box()
    x, y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"]
    metres_per_px = scope.locator(".leaflet-control-scale-line").first.evaluate(
        "el => parseFloat(el.textContent) * (el.textContent.includes('km') ? 1000 : 1) / el.offsetWidth")
    west, east, half = west_m / metres_per_px, east_m / metres_per_px, half_m / metres_per_px
    for dx, dy in ((-west, -half), (east, -half), (east, half), (-west, half)):
        page.mouse.click(x + dx, y + dy)
