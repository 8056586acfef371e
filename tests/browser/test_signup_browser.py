"""A resident signs up in a real browser, confirms both numbers with the codes, then manages the registration."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.models import OutboxMessage, Participant
from tests.browser.support import screenshot


def code_sent_to(app, e164):
    """The code the console transport 'sent' to a number: read back from the outbox table."""
    with app.extensions["uitkijk"].db.session() as session:
        body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_e164 == e164)
                               .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"(\d(?:, )?){6}", body).group(0).replace(", ", "")


def test_signup_with_typed_coordinates_and_confirmation(web_server, page, signup_clock):
    """Sign-up with typed coordinates, an SMS code for the mobile and a spoken code for the landline."""
    page.goto(f"{web_server.url}/signup")
    page.fill("#phone_1", "06 1234 5678")
    page.fill("#phone_2", "020 123 4567")
    page.fill("#email", "resident@example.org")
    page.click("#home-location details.by-point summary")  # coordinates instead of an address
    page.fill("#home_lat", "52,3079")
    page.fill("#home_lon", "5.0417")
    page.fill("#quiet_start", "23:00")
    page.fill("#quiet_end", "07:00")
    page.check("#consent")
    screenshot(page, "signup")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/confirm/"))
    expect(page.locator("h1")).to_have_text("Bevestig uw nummers")
    expect(page.locator("#confirm-form")).to_contain_text("+31******678")

    page.fill("input[name^=code_] >> nth=0", "000001" if code_sent_to(web_server.app, "+31612345678") != "000001" else "000002")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator(".field-error").first).to_contain_text("klopt niet")

    page.fill("input[name^=code_] >> nth=0", code_sent_to(web_server.app, "+31612345678"))
    page.fill("input[name^=code_] >> nth=1", code_sent_to(web_server.app, "+31201234567"))
    screenshot(page, "signup-confirm")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/done/"))
    expect(page.locator("h1")).to_have_text("U bent aangemeld")
    screenshot(page, "signup-done")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        person = session.scalar(select(Participant))
        assert person.active and all(n.confirmed for n in person.numbers)

    page.click("#manage-link")
    expect(page.locator("h1")).to_have_text("Uw voorkeuren")
    page.select_option("#language", "en")
    page.click("#manage-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("opgeslagen")
    screenshot(page, "self-service")
    page.check("#leave-form input[name=confirm_leave]")
    page.click("#leave-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("U bent afgemeld bij Uitkijk")
    with web_server.app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Participant)) is None  # erased, not a tombstone


def test_signup_map_fills_the_coordinates(web_server, page):
    """With the vendored map library present, a click on the map fills in the home coordinates."""
    page.goto(f"{web_server.url}/signup")
    page.click("#home-location details.by-point summary")
    home_map = page.locator("#map-home")
    if not home_map.is_visible():
        assert not page.locator("script[src*='leaflet']").count(), "Leaflet loaded but the map stayed hidden"
        return
    home_map.click(position={"x": 200, "y": 150})
    assert float(page.input_value("#home_lat")) and float(page.input_value("#home_lon"))
    expect(page.locator("#map-home .leaflet-interactive")).to_have_count(1)
