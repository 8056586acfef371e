"""The dashboard's wijk and buurt come from the CBS codes of the participants' addresses."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import dashboard
from core.actions import ActionService, parse_launch
from core.address_import import import_address_text
from core.demo import sample_address_csv
from core.geocoding import TableGeocoder
from core.models import Municipality
from core.participants import Registry, validate
from lab import factories
from tests.integration.web_helpers import make_user, sign_in, web_app


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def weesp(app):
    """Two residents of Nieuwstraat (buurt Binnenstad), one of Oudegracht (buurt Oudegracht), both
    buurten in wijk Weesp-Centrum, and one on Damrak; a burglary alerted Nieuwstraat only."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        import_address_text(session, sample_address_csv())
        session.add(Municipality(code="GM0457", name="Weesp"))
        session.flush()
        geocoder = TableGeocoder(session)
        for number, home in (("+31612345601", {"postcode": "1381BB", "house_number": 1}),
                             ("+31612345602", {"postcode": "1381BB", "house_number": 5}),
                             ("+31612345603", {"street": "Oudegracht", "house_number": 40, "city": "Weesp"}),
                             ("+31612345604", {"address": "Damrak 20, Amsterdam"})):
            Registry(session).save(validate({"phones": [number], "home": home,
                                             "municipality": None if "address" in home else "GM0457"},
                                            geocoder=geocoder))
        room, operators = factories.control_room(session)
        body = factories.launch_body(room, operators[0], area={"postcode": "1381BB", "house_number": 3,
                                                               "radius_m": 40})
        ActionService(rt).launch(session, parse_launch(body, 640, 50_000, geocoder), "user:test")
        return session.scalar(select(Municipality.id))


def _stats(app, hood):
    period = dashboard.parse_period("", "", date.today() + timedelta(days=1))
    with app.extensions["uitkijk"].db.session() as session:
        return dashboard.compute(session, hood, period, 3)


def test_wijk_and_buurt_of_the_addresses(app, weesp):
    """The choices list the wijk with its buurten by name; each counts its residents and their actions."""
    with app.extensions["uitkijk"].db.session() as session:
        assert dashboard.cbs_neighbourhoods(session, weesp) == [
            ("WK045700", "Weesp-Centrum", 3, [("BU04570000", "Binnenstad", 2), ("BU04570001", "Oudegracht", 1)])]
    wijk = _stats(app, dashboard.parse_neighbourhood(weesp, "", "", "", "", "wk045700"))
    assert (wijk.participants, wijk.actions) == (3, 1)
    binnenstad = _stats(app, dashboard.parse_neighbourhood(weesp, "", "", "", "", "BU04570000"))
    assert (binnenstad.participants, binnenstad.actions) == (2, 1)
    oudegracht = _stats(app, dashboard.parse_neighbourhood(weesp, "", "", "", "", "BU04570001"))
    assert (oudegracht.participants, oudegracht.actions) == (1, 0)


def test_dashboard_page_offers_and_applies_the_buurt(app, client, weesp):
    """Municipality staff pick a buurt on the page; a malformed code is refused naming the field."""
    sign_in(client, make_user(app, "municipality", municipality_id=weesp))
    page = client.get("/dashboard/").get_data(as_text=True)
    assert '<optgroup label="Weesp-Centrum">' in page and "Oudegracht (1)" in page
    chosen = client.get("/dashboard/?area=cbs&neighbourhood=BU04570001").get_data(as_text=True)
    assert 'id="stat-participants">1<' in chosen
    refused = client.get("/dashboard/?area=cbs&neighbourhood=XX123")
    assert refused.status_code == 400 and "neighbourhood" in refused.get_data(as_text=True)
    export = client.get("/dashboard/export.csv?area=cbs&neighbourhood=BU04570000").get_data(as_text=True)
    assert "CBS-buurt,BU04570000" in export and "deelnemers,actief,2" in export
