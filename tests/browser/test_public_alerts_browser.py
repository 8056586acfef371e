"""A national AMBER alert launched with a photo in the browser, its public page as a visitor sees
and shares it, and the page redacted when the child is found."""
import re

import requests
from playwright.sync_api import expect

from lab import factories
from tests.browser.fixtures_operator import approve_as_colleague, sign_in_as
from tests.browser.support import screenshot
from tests.publish_support import jpeg_with_gps


def _room(server):
    server.app.config["PUBLIC_BASE_URL"] = server.url
    server.app.extensions["uitkijk"].config["PUBLIC_BASE_URL"] = server.url
    with server.app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        return [o.id for o in operators]


def _launch_national_amber(page, chromium, server, operators, message, photo=None):
    """Sign in as the operator and launch a national AMBER alert on the form, which a colleague approves (four
    eyes); returns its public page URL."""
    sign_in_as(page, server, "operator", operator_id=operators[0])
    page.goto(f"{server.url}/actions/new")
    page.select_option("#kind", "amber_alert")
    page.select_option("#area_type", "country")
    page.fill("#title", "Sanne (8) vermist")
    page.fill("#message", message)
    if photo:
        page.set_input_files("#photos", str(photo))
    page.click("#launch-button")
    page.wait_for_url(re.compile(r"/approvals/\d+$"))
    page.goto(approve_as_colleague(chromium, server, operators[1], page.url))
    link = page.locator("#public-page-link")
    expect(link).to_be_visible()
    return link.get_attribute("href")


def _meta(page, key, attribute="property"):
    found = page.locator(f'meta[{attribute}="{key}"]')
    return found.get_attribute("content") if found.count() else None


def test_amber_alert_with_photo_page_tags_and_redaction(web_server, page, chromium, tmp_path):
    """The operator launches a national AMBER alert with a photo; a visitor's page shows it with share
    tags; after 'person found' the page says so and the photo is gone from the page and the server."""
    operators = _room(web_server)
    photo = tmp_path / "sanne.jpg"
    photo.write_bytes(jpeg_with_gps())
    public_url = _launch_national_amber(page, chromium, web_server, operators,
                                        "Meisje van 8, blond haar, roze jas, mogelijk in een grijze bestelbus.", photo)
    assert public_url.startswith(f"{web_server.url}/publiek/")

    visitor = chromium.new_context(viewport={"width": 420, "height": 900}, locale="nl-NL")
    public = visitor.new_page()
    public.goto(public_url)
    expect(public.locator("h1")).to_have_text("AMBER Alert: Sanne (8) vermist")
    expect(public.locator("#description")).to_contain_text("roze jas")
    expect(public.locator("#instruction")).to_contain_text("0800 0011")
    image = public.locator("img.public-photo")
    expect(image).to_be_visible()
    assert public.evaluate("document.querySelector('img.public-photo').naturalWidth") == 1200
    expect(public.locator("#area-map")).to_be_visible()
    assert _meta(public, "og:title") == "AMBER Alert: Sanne (8) vermist"
    og_image = _meta(public, "og:image")
    assert og_image == image.get_attribute("src") and og_image.startswith(f"{web_server.url}/publiek/foto/")
    assert _meta(public, "twitter:card", "name") == "summary_large_image"
    assert _meta(public, "og:url") == public_url
    screenshot(public, "public-amber-page")
    public.goto(public_url + "?lang=en")
    expect(public.locator("#instruction")).to_contain_text("Call free on 0800 0011")

    page.select_option("#result", "person_found")
    page.click("#end-button")
    expect(page.locator("#publication-card")).to_contain_text("Ingetrokken")
    public.goto(public_url)
    expect(public.locator("#banner")).to_have_text("Deze oproep is beëindigd")
    expect(public.locator("#description")).to_contain_text("Het kind is gevonden")
    assert public.locator("img").count() == 0
    assert _meta(public, "og:image") is None and "Sanne" not in public.content()
    assert requests.get(og_image, timeout=5).status_code == 410
    screenshot(public, "public-amber-page-ended")
    visitor.close()


def test_the_operator_updates_a_public_alert_from_the_follow_page(web_server, page, chromium):
    """Changing the description on the follow page publishes an Update the public page shows."""
    operators = _room(web_server)
    public_url = _launch_national_amber(page, chromium, web_server, operators, "Meisje van 8, roze jas.")
    page.fill("#pub-message", "Meisje van 8, roze jas. Gezien bij station Utrecht Centraal.")
    page.click("#update-button")
    expect(page.locator(".flash-info", has_text="Update verstuurd")).to_be_visible()
    visitor = chromium.new_context(locale="nl-NL")
    public = visitor.new_page()
    public.goto(public_url)
    expect(public.locator("h1")).to_have_text("AMBER Alert (bijgewerkt): Sanne (8) vermist")
    expect(public.locator("#description")).to_contain_text("Utrecht Centraal")
    visitor.close()
