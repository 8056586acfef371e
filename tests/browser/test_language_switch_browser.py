"""The language switcher in the top bar: Dutch first, English on request, remembered for a visitor (cookie)
and on the account of staff, who get their language back in a fresh browser."""
import re

from playwright.sync_api import expect

from tests.browser.support import TIMEOUT_MS, screenshot, sign_in
from tests.integration.admin_web import PASSWORD


def test_visitor_switches_to_english_and_it_is_remembered(web_server, page):
    """A Dutch browser gets the Dutch sign-up page; English from the top bar stays on the next page."""
    page.goto(f"{web_server.url}/signup")
    expect(page.locator("h1")).to_have_text("Aanmelden bij Uitkijk")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.click("header .languages button[value=en]")
    page.wait_for_url(re.compile(r"/signup$"))
    expect(page.locator("h1")).to_have_text("Sign up for Uitkijk")
    expect(page.locator("header .languages button[value=en]")).to_have_attribute("aria-pressed", "true")
    page.goto(f"{web_server.url}/signup/link")
    expect(page.locator("h1")).to_have_text("Change your preferences or leave")
    screenshot(page, "language-english")


def test_staff_language_follows_the_account_into_a_new_browser(web_server, page, chromium):
    """An operator picks English once; signing in elsewhere (a Dutch browser, no cookie) shows English."""
    email = sign_in(page, web_server, "operator")
    expect(page.locator("nav.mainnav")).to_contain_text("Acties")
    page.click("header .languages button[value=en]")
    expect(page.locator("nav.mainnav")).to_contain_text("Actions")
    expect(page.locator(".who")).to_contain_text("operator")

    other = chromium.new_context(locale="nl-NL")
    other.set_default_timeout(TIMEOUT_MS)
    try:
        tab = other.new_page()
        tab.goto(f"{web_server.url}/login")
        expect(tab.locator("h1")).to_have_text("Inloggen")  # no account known yet: the browser's Dutch
        tab.fill("#email", email)
        tab.fill("#password", PASSWORD)
        tab.click("main button[type=submit]")
        tab.wait_for_url(lambda url: "/login" not in url)
        expect(tab.locator("nav.mainnav")).to_contain_text("Actions")
        expect(tab.locator("header button[type=submit].link").first).to_have_text("Sign out")
    finally:
        other.close()
