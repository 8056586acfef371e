"""The dashboard: statistics per municipality, postcode area, drawn area and period; charts and CSV."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import dashboard
from core.actions import ActionService, parse_launch
from core.models import Action, Delivery, InboundCall, Municipality
from core.participants import Registry, validate
from lab import factories
from tests.integration.web_helpers import make_user, sign_in, web_app


@pytest.fixture
def app(config):
    yield from web_app(config)


def _participant(session, number, distance_m, municipality, address):
    lat, lon = factories.point_east(distance_m)
    return Registry(session).save(validate({"phones": [number], "municipality": municipality,
                                            "home": {"lat": lat, "lon": lon, "address": address}}))


def _launch(session, rt, room, operator, radius_m, kind):
    body = factories.launch_body(room, operator, radius_m=radius_m, kind=kind)
    request = parse_launch(body, 640, 50_000)
    action, _ = ActionService(rt).launch(session, request, "user:test")
    return action


@pytest.fixture
def history(app):
    """Weesp (two participants, postcode areas 1381 and 1382) and Amsterdam (one, far east);
    a burglary reaching Weesp only, answered after 90 s and solved by a response; a missing person
    reaching all three, answered after 30 s, still active."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        session.add_all([Municipality(code="GM0457", name="Weesp"), Municipality(code="GM0363", name="Amsterdam")])
        session.flush()
        room, operators = factories.control_room(session)
        _participant(session, "+31612345601", 100, "GM0457", "Nieuwstraat 1, 1381 AB Weesp")
        _participant(session, "+31201234501", 400, "GM0457", "Achtergracht 2, 1382CD Weesp")
        _participant(session, "+31612345602", 8000, "GM0363", "Damrak 3, 1012 LG Amsterdam")
        session.commit()
        burglary = _launch(session, rt, room, operators[0], 1000, "burglary")
        missing = _launch(session, rt, room, operators[0], 9000, "missing_person")
        for n, (action, delay) in enumerate(((burglary, 90), (missing, 30), (missing, 300))):
            session.add(InboundCall(backend="asterisk", call_ref=f"call-{n}", action_id=action.id,
                                    started_at=action.launched_at + timedelta(seconds=delay)))
        session.commit()
        ActionService(rt).end(session, burglary.id, "suspect_caught", None, "user:test")
        session.get(Action, burglary.id).result_from_response = True
        ids = {m.code: m.id for m in session.scalars(select(Municipality))}
    return ids


def _stats(app, hood, period=None):
    period = period or dashboard.parse_period("", "", date.today() + timedelta(days=1))
    with app.extensions["uitkijk"].db.session() as session:
        return dashboard.compute(session, hood, period, 3)


def test_municipality_statistics(app, history):
    """A municipality counts its participants, the actions that alerted them, responses and results."""
    stats = _stats(app, dashboard.Neighbourhood(history["GM0457"]))
    assert (stats.participants, stats.actions, stats.ended) == (2, 2, 1)
    assert stats.by_kind == {"burglary": 1, "missing_person": 1}
    assert stats.by_result == {"suspect_caught": 1, "still active": 1}
    assert stats.response_share == 1.0 and stats.result_share == 1.0
    assert stats.median_first_response_s == pytest.approx(60, abs=1)
    amsterdam = _stats(app, dashboard.Neighbourhood(history["GM0363"]))
    assert (amsterdam.participants, amsterdam.actions, amsterdam.by_kind) == (1, 1, {"missing_person": 1})


def test_postcode_area_and_drawn_area(app, history):
    """A neighbourhood narrows to a postcode area from the address, or to a drawn circle."""
    with app.extensions["uitkijk"].db.session() as session:
        assert dashboard.postcode_areas(session, history["GM0457"]) == [("1381", 1), ("1382", 1)]
    area = _stats(app, dashboard.parse_neighbourhood(history["GM0457"], "1382", "", "", ""))
    assert (area.participants, area.actions) == (1, 2)
    lat, lon = factories.point_east(8000)
    drawn = _stats(app, dashboard.parse_neighbourhood(None, "", str(lat), str(lon), "500"))
    assert (drawn.participants, drawn.actions) == (1, 1)


def test_period_excludes_other_actions(app, history):
    """Only actions launched inside the period count."""
    long_ago = dashboard.parse_period("2020-01-01", "2020-12-31", date.today())
    stats = _stats(app, dashboard.Neighbourhood(history["GM0457"]), long_ago)
    assert stats.actions == 0 and stats.median_first_response_s is None and stats.response_share is None


def test_bad_filters_are_refused():
    """Malformed dates, postcode areas and circles are refused with the field named."""
    with pytest.raises(dashboard.ValidationError, match="from"):
        dashboard.parse_period("2025-02-01", "2025-01-01", date.today())
    with pytest.raises(dashboard.ValidationError, match="postcode_area"):
        dashboard.parse_neighbourhood(None, "13AB", "", "", "")
    with pytest.raises(dashboard.ValidationError, match="radius_m"):
        dashboard.parse_neighbourhood(None, "", "52.3", "5.0", "-5")


def test_municipality_staff_see_only_their_own(app, client, history):
    """Municipality staff get their own municipality's figures even when asking for another's."""
    sign_in(client, make_user(app, "municipality", municipality_id=history["GM0457"]))
    page = client.get(f"/dashboard/?municipality_id={history['GM0363']}").get_data(as_text=True)
    assert 'id="stat-participants">2<' in page and "chart-kinds" in page
    export = client.get(f"/dashboard/export.csv?municipality_id={history['GM0363']}")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert ["gebied", "gemeente-id", str(history["GM0457"])] in rows
    assert ["deelnemers", "actief", "2"] in rows


def test_admin_chooses_and_exports_csv(app, client, history):
    """An admin picks a municipality and a postcode area; the CSV export holds the same figures."""
    sign_in(client, make_user(app, "admin"))
    query = f"municipality_id={history['GM0457']}&area=postcode&postcode_area=1381"
    page = client.get(f"/dashboard/?{query}")
    assert page.status_code == 200 and 'id="stat-actions">2<' in page.get_data(as_text=True)
    export = client.get(f"/dashboard/export.csv?{query}")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["rubriek", "onderdeel", "waarde"]
    assert ["gebied", "postcodegebied", "1381"] in rows
    # A fraction with a decimal comma, as Excel in Dutch reads it (1.000 would be a thousand there).
    assert ["telefonische reacties", "aandeel acties met een telefonische reactie", "1,000"] in rows
    assert ["acties per soort", "Inbraak", "1"] in rows
    assert client.get("/dashboard/?from=yesterday").status_code == 400
    refused = client.get("/dashboard/export.csv?from=yesterday")
    # The export's refusal names the field with the reason in Dutch, as the page gives it.
    assert refused.status_code == 400 and refused.get_data(as_text=True) == "from: moet een datum zijn zoals 2025-01-01\n"


def test_time_to_reach_per_municipality_on_page_and_in_csv(app, client, history, work):
    """After the worker sent the alerts (the console's calls are answered), each municipality's dashboard shows the
    median time to the first alert reached and to 95 % reached; the CSV has them per action. (The burglary
    ended before the worker ran: its alerts were cancelled and it reached nobody.)"""
    work()
    with app.extensions["uitkijk"].db.session() as session:
        codes = {a.kind: a.code for a in session.scalars(select(Action))}
    weesp = _stats(app, dashboard.Neighbourhood(history["GM0457"]))
    assert weesp.median_first_alert_s is not None and weesp.median_first_alert_s >= 0
    assert weesp.median_95_reached_s >= weesp.median_first_alert_s
    assert weesp.time_to_reach[codes["burglary"]] == (None, None)
    assert set(weesp.time_to_reach) == set(codes.values())
    amsterdam = _stats(app, dashboard.Neighbourhood(history["GM0363"]))
    assert set(amsterdam.time_to_reach) == {codes["missing_person"]}
    sign_in(client, make_user(app, "municipality", municipality_id=history["GM0363"]))
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="stat-95-reached">' in page and 'id="stat-95-reached">–<' not in page
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/export.csv").get_data(as_text=True))))
    items = {item: value for section, item, value in rows if section == "tijd tot bereiken"}
    assert float(items["mediaan seconden van start tot 95% van de oproepen bereikt"].replace(",", ".")) >= 0
    assert f"actie {codes['missing_person']}: seconden tot 95% bereikt" in items
    assert not any(codes["burglary"] in item for item in items)  # Weesp's burglary is not Amsterdam's
