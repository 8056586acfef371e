"""An admin manages accounts in a real browser; forms without a valid CSRF token are refused."""
from playwright.sync_api import expect

from tests.browser.support import screenshot, sign_in
from tests.integration.admin_web import municipality


def test_admin_creates_a_staff_account(web_server, page):
    """An admin creates a municipality account through the form and sees it listed."""
    with web_server.app.extensions["uitkijk"].db.session() as session:
        municipality(session, "0457", "Weesp")
    sign_in(page, web_server, "admin")
    screenshot(page, "home-admin")
    page.goto(f"{web_server.url}/accounts/new")
    page.fill("#email", "sam@weesp.nl")
    page.fill("#name", "Sam Staff")
    page.select_option("#role", "municipality")
    page.select_option("#municipality_id", label="Weesp (0457)")
    page.fill("#password", "a long enough password")
    page.click("form.card button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("sam@weesp.nl")
    expect(page.locator("table")).to_contain_text("Sam Staff")
    screenshot(page, "accounts")


def test_form_without_csrf_token_is_refused(web_server, page):
    """A form posted without its CSRF token (as a forged cross-site form would be) gets 400."""
    page.goto(f"{web_server.url}/login")
    screenshot(page, "login")
    page.evaluate("document.querySelector('main input[name=csrf_token]').remove()")
    page.fill("#email", "someone@example.org")
    page.fill("#password", "whatever password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as info:
        page.click("main button[type=submit]")
    assert info.value.status == 400
    expect(page.locator("h1")).to_have_text("Formulier verlopen of vervalst")


def test_script_post_needs_the_meta_token(web_server, page):
    """Scripts POST with the meta tag's token in X-CSRFToken; without it the server refuses."""
    sign_in(page, web_server, "admin")
    status = page.evaluate("""async () => {
        const bare = await fetch('/logout', {method: 'POST'});
        const token = document.querySelector('meta[name=csrf-token]').content;
        const good = await fetch('/logout', {method: 'POST', headers: {'X-CSRFToken': token}, redirect: 'manual'});
        return [bare.status, good.type === 'opaqueredirect' ? 302 : good.status];
    }""")
    assert status == [400, 302]
