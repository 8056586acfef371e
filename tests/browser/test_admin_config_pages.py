"""An admin configures control rooms, operators, trunks and prompts in a real browser."""
import shutil

from playwright.sync_api import expect
from sqlalchemy import select

from core.models import Trunk
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.conftest import require


def test_admin_configures_the_control_room(web_server, page):
    """Control room, operator and an Asterisk trunk are added through the forms; the secret never shows."""
    sign_in_as(page, web_server, "admin")
    page.goto(f"{web_server.url}/config/")
    page.click("text=Meldkamers")
    page.click("text=Een meldkamer toevoegen")
    page.fill("#name", "Meldkamer Noord-Holland")
    page.fill("#free_number", "0800 0011")
    page.fill("#general_line", "PJSIP/desk")
    page.click("button:has-text('Opslaan')")
    expect(page.locator("#control-rooms")).to_contain_text("Meldkamer Noord-Holland")

    page.goto(f"{web_server.url}/config/operators/new")
    page.fill("#name", "Anna de Vries")
    page.fill("#dial_string", "PJSIP/anna")
    page.click("button:has-text('Opslaan')")
    expect(page.locator("#operators")).to_contain_text("Anna de Vries")
    page.click("#operators button:has-text('Onbeschikbaar maken')")
    expect(page.locator("#operators")).to_contain_text("niet beschikbaar")
    screenshot(page, "admin-operators")

    page.goto(f"{web_server.url}/config/trunks")
    page.click("text=Een Asterisk-trunk toevoegen")
    page.fill("#name", "kpn")
    page.fill("#caller_id", "0800 0011")
    page.fill("#ami_host", "127.0.0.1")
    page.fill("#ami_user", "uitkijk")
    page.fill("#ami_secret", "ami-secret-value-1")
    page.fill("#sip_host", "sip.example.net")
    page.fill("#username", "weesp")
    page.fill("#password", "sip-password-1")
    page.fill("#channel_limit", "0")
    page.eval_on_selector("#trunk-form", "f => f.noValidate = true")
    page.click("button:has-text('Opslaan')")
    expect(page.locator(".flash-error")).to_be_visible()  # the browser sent it; the server refused 0 channels
    page.fill("#channel_limit", "20")
    page.fill("#ami_secret", "ami-secret-value-1")
    page.fill("#password", "sip-password-1")
    page.click("button:has-text('Opslaan')")
    expect(page.locator("#trunks")).to_contain_text("stored encrypted")
    assert "ami-secret-value-1" not in page.content()
    screenshot(page, "admin-trunks")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        assert "ami-secret-value-1" not in repr(session.scalar(select(Trunk)).settings)


def test_admin_prompts_page_plays_speech(web_server, page):
    """The prompts page lists the catalogue and its audio player loads the rendered speech."""
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    sign_in_as(page, web_server, "admin")
    page.goto(f"{web_server.url}/config/prompts?language=en")
    row = page.locator('tr[data-prompt="goodbye"]')
    expect(row).to_contain_text("Goodbye.")
    duration = row.evaluate("""async (tr) => {
        const audio = tr.querySelector('audio');
        audio.preload = 'auto';
        audio.load();
        await new Promise((resolve, reject) => { audio.onloadedmetadata = resolve; audio.onerror = reject; });
        return audio.duration; }""")
    assert duration > 0.2
    screenshot(page, "admin-prompts")


def test_operator_is_kept_out_of_configuration(web_server, page):
    """An operator who opens a configuration page gets the 403 page."""
    sign_in_as(page, web_server, "operator")
    response = page.goto(f"{web_server.url}/config/trunks")
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("Geen toegang")
