"""The dashboard in a real browser: charts drawn inline, a drawn area, the CSV export."""
from datetime import timedelta

from playwright.sync_api import expect

from core.actions import ActionService, parse_launch
from core.models import InboundCall, Municipality
from core.participants import Registry, validate
from lab import factories
from tests.browser.fixtures_operator import sign_in_as
from tests.browser.support import screenshot


def _history(app):
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        session.add(Municipality(code="GM0457", name="Weesp"))
        session.flush()
        room, operators = factories.control_room(session)
        for n, (distance, postcode) in enumerate(((100, "1381 AB"), (400, "1382 CD"))):
            lat, lon = factories.point_east(distance)
            Registry(session).save(validate({"phones": [f"+3161234560{n}"], "municipality": "GM0457",
                                             "home": {"lat": lat, "lon": lon, "address": f"Straat {n}, {postcode} Weesp"}}))
        session.commit()
        service = ActionService(rt)
        for kind in ("burglary", "missing_person", "burglary"):
            action, _ = service.launch(session, parse_launch(factories.launch_body(room, operators[0], kind=kind),
                                                             640, 50_000), "user:test")
            session.add(InboundCall(backend="twilio", call_ref=f"CA{action.id}", action_id=action.id,
                                    started_at=action.launched_at + timedelta(seconds=120)))
            session.commit()
        service.end(session, action.id, "suspect_caught", None, "user:test")
        return session.query(Municipality.id).scalar()


def test_dashboard_charts_and_export(web_server, page):
    """Municipality staff see their charts; the drawn-area filter and the CSV export work in the browser."""
    municipality_id = _history(web_server.app)
    sign_in_as(page, web_server, "municipality", municipality_id=municipality_id)
    page.goto(f"{web_server.url}/dashboard/")
    expect(page.locator("#stat-participants")).to_have_text("2")
    expect(page.locator("#stat-actions")).to_have_text("3")
    expect(page.locator("#chart-kinds rect")).to_have_count(2)
    expect(page.locator('#chart-kinds text[data-value="burglary"]')).to_have_text("2")
    expect(page.locator("#share-response strong")).to_have_text("100%")
    expect(page.locator("#stat-median")).to_have_text("2,0 min")
    screenshot(page, "dashboard")

    page.check("input[name=area][value=drawn]")
    expect(page.locator("#area-map .leaflet-interactive").first).to_be_visible()
    lat, lon = factories.point_east(400)
    page.fill("#lat", str(lat))
    page.fill("#lon", str(lon))
    page.fill("#radius_m", "100")
    page.click("button:has-text('Tonen')")
    expect(page.locator("#stat-participants")).to_have_text("1")

    with page.expect_download() as download:
        page.click("#csv-export")
    text = open(download.value.path(), encoding="utf-8").read()
    assert "deelnemers,actief,1" in text and "acties,gestart,3" in text
