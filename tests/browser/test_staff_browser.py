"""Municipality staff in a real browser: CSV import with a per-row report, and the municipality boundary."""
from playwright.sync_api import expect

from core.participants import Registry, validate
from tests.browser.support import screenshot, sign_in
from lab.factories import CENTRE
from tests.integration.admin_web import municipality

CSV = ("external_ref,name,phone,home_lat,home_lon,home_address\n"
       "W-1,Anna Aalders,0612345671,52.3079,5.0417,Kerkstraat 1\n"
       "W-2,Bas Bos,0612345672,52.3090,5.0450,Nieuwstad 12\n"
       "W-3,Cor Cats,06-nope,52.3079,5.0417,\n"
       "W-4,Dirk Dekker,0612345674,52.3079,500,\n")


def two_municipalities(app):
    """Weesp (0457) empty, Amsterdam (0363) with one participant; returns that participant's id."""
    with app.extensions["uitkijk"].db.session() as session:
        municipality(session, "0457", "Weesp")
        municipality(session, "0363", "Amsterdam")
        data = {"phones": ["0612345699"], "name": "Bert Bakker", "municipality": "0363",
                "home": {"lat": CENTRE[0], "lon": CENTRE[1]}}
        return Registry(session).save(validate(data)).id


def test_staff_import_csv_with_per_row_report(web_server, page, tmp_path):
    """Staff upload a CSV; good rows are imported, each bad row is listed with its line and reason."""
    two_municipalities(web_server.app)
    sign_in(page, web_server, "municipality", "staff@weesp.nl", "0457")
    page.goto(f"{web_server.url}/participants/import")
    upload = tmp_path / "deelnemers.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.set_input_files("#file", str(upload))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("#created")).to_have_text("2")
    expect(page.locator("#rejected")).to_have_text("2")
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("4")
    expect(rows.nth(0)).to_contain_text("phones[0]")
    expect(rows.nth(1)).to_contain_text("5")
    expect(rows.nth(1)).to_contain_text("home.lon")
    screenshot(page, "participants-import-report")

    page.goto(f"{web_server.url}/participants")
    expect(page.locator("#participants tbody tr")).to_have_count(2)
    expect(page.locator("#participants")).to_contain_text("Kerkstraat 1")
    screenshot(page, "participants-list")
    page.click("text=Anna Aalders >> xpath=ancestor::tr >> a:has-text('Wijzigen')")
    expect(page.locator("#home_lat")).to_have_value("52.307900")
    screenshot(page, "participant-edit")
    page.click("form:has(input[name=active]) button")
    expect(page.locator(".flash-success")).to_contain_text("gedeactiveerd")


def test_municipality_cannot_see_another_municipalitys_participants(web_server, page):
    """Staff of Weesp never see Amsterdam's participant: not in the list, not in search, not by its address."""
    bert = two_municipalities(web_server.app)
    sign_in(page, web_server, "municipality", "staff@weesp.nl", "0457")
    page.goto(f"{web_server.url}/participants?q=Bert&status=all")
    expect(page.locator("#participants tbody")).to_contain_text("Geen deelnemers gevonden")
    response = page.goto(f"{web_server.url}/participants/{bert}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Niet gevonden")
    expect(page.locator("nav.mainnav")).not_to_contain_text("Accounts")


def test_operator_cannot_reach_accounts_or_configuration(web_server, page):
    """An operator is refused the accounts, configuration and participant pages, and the menu hides them."""
    sign_in(page, web_server, "operator")
    for path in ("/accounts", "/config", "/participants"):
        response = page.goto(f"{web_server.url}{path}")
        assert response.status == 403, path
        expect(page.locator("h1")).to_have_text("Geen toegang")
    screenshot(page, "operator-forbidden")
    nav = page.locator("nav.mainnav")
    expect(nav).to_contain_text("Acties")
    for hidden in ("Accounts", "Instellingen", "Deelnemers"):
        expect(nav).not_to_contain_text(hidden)
