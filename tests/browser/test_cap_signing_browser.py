"""An admin sets the CAP signing key in the browser: a mismatched pair is refused naming the certificate,
a matching one signs from then on and the page names its certificate."""
from playwright.sync_api import expect

from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot
from tests.publish_support import signing_files


def test_admin_uploads_the_signing_key_and_a_mismatched_pair_is_refused(web_server, page, tmp_path):
    key, cert, cert_pem = signing_files(tmp_path, "Politie CAP signing (browser)")
    (tmp_path / "other").mkdir()
    _, other_cert, _ = signing_files(tmp_path / "other", "Someone else")
    sign_in_as(page, web_server, "admin")
    page.goto(f"{web_server.url}/config/partners/")
    expect(page.locator("#signing-status")).to_contain_text("niet ondertekend")

    page.set_input_files("#signing-key", key)
    page.set_input_files("#signing-cert", other_cert)
    page.click("#signing-button")
    expect(page.locator(".flash-error")).to_contain_text("certificate: hoort niet bij deze sleutel")
    expect(page.locator("#signing-status")).to_contain_text("niet ondertekend")

    page.set_input_files("#signing-key", key)
    page.set_input_files("#signing-cert", cert)
    page.click("#signing-button")
    expect(page.locator(".flash-info")).to_contain_text("Politie CAP signing (browser)")
    expect(page.locator("#signing-status")).to_contain_text("Politie CAP signing (browser)")
    screenshot(page, "cap-signing-key")
    assert page.request.get(f"{web_server.url}/publiek/cap-certificaat.pem").body() == cert_pem
