"""The dashboard through the API with the web's filters: the same figures as the page and the same CSV as its
export, a municipality's token held to its own municipality, bad filters refused naming the parameter (SQLite
and PostgreSQL). Every API response is checked against the OpenAPI document by the suite's test client."""
import uuid

import pytest

from core.errors import ValidationError
from core.tokens import create_token
from lab import factories
from tests.integration.test_web_dashboard import app, history  # noqa: F401  (fixtures)
from tests.integration.web_helpers import make_user, post, sign_in


def token(app, scopes=("dashboard",), municipality=None):
    with app.extensions["uitkijk"].db.session() as session:
        value = create_token(session, f"t-{uuid.uuid4().hex[:8]}", list(scopes), "test", 30,
                             municipality=municipality)
    return {"Authorization": f"Bearer {value}"}


def test_the_api_gives_the_web_dashboards_figures_and_its_csv(app, client, history):
    headers = token(app)
    weesp = client.get(f"/api/dashboard?municipality_id={history['GM0457']}", headers=headers)
    assert weesp.status_code == 200
    stats = weesp.json["statistics"]
    assert (stats["participants"], stats["actions"], stats["ended"]) == (2, 2, 1)
    assert stats["by_kind"] == {"burglary": 1, "missing_person": 1}
    assert stats["response_share"] == 1.0 and weesp.json["mail"]["inquiries"] == 0
    everyone = client.get("/api/dashboard", headers=headers).json
    assert everyone["neighbourhood"]["municipality_id"] is None and everyone["statistics"]["participants"] == 3

    query = f"municipality_id={history['GM0457']}&area=postcode&postcode_area=1381&from=2020-01-01"
    narrowed = client.get(f"/api/dashboard?{query}", headers=headers).json
    assert narrowed["neighbourhood"]["postcode_area"] == "1381" and narrowed["period"]["from"] == "2020-01-01"
    assert narrowed["statistics"]["left"] is None  # who left is known per municipality only
    # The same bytes as the web's export in the same language: Dutch on the web by default and for an API
    # client asking for it, English for an API client by default and on the web once chosen.
    dutch = client.get(f"/api/dashboard.csv?{query}", headers={**headers, "Accept-Language": "nl"})
    assert dutch.mimetype == "text/csv" and "attachment" in dutch.headers["Content-Disposition"]
    web = app.test_client()
    csrf = sign_in(web, make_user(app, "admin"))
    assert dutch.get_data(as_text=True) == web.get(f"/dashboard/export.csv?{query}").get_data(as_text=True)
    assert "gebied,postcodegebied,1381\r\n" in dutch.get_data(as_text=True)
    english = client.get(f"/api/dashboard.csv?{query}", headers=headers).get_data(as_text=True)
    assert english.startswith("section,item,value\r\n") and "area,postcode area,1381\r\n" in english
    assert "responses,share of actions with a phone response,1.000\r\n" in english
    assert post(web, "/language", csrf, {"language": "en"}).status_code == 302
    assert english == web.get(f"/dashboard/export.csv?{query}").get_data(as_text=True)


def test_a_municipalitys_token_sees_its_own_municipality_only(app, client, history):
    own = token(app, municipality="GM0457")
    asked = client.get(f"/api/dashboard?municipality_id={history['GM0363']}", headers=own)
    assert asked.json["neighbourhood"]["municipality_id"] == history["GM0457"]
    assert asked.json["statistics"]["participants"] == 2
    rows = client.get(f"/api/dashboard.csv?municipality_id={history['GM0363']}", headers=own).get_data(as_text=True)
    assert f"area,municipality id,{history['GM0457']}" in rows


@pytest.mark.parametrize("query, field", [
    ("from=yesterday", "from"), ("to=2025-13-01", "to"), ("from=2025-02-01&to=2025-01-01", "from"),
    ("municipality_id=abc", "municipality_id"), ("area=postcode&postcode_area=13", "postcode_area"),
    ("area=drawn&lat=52.3&lon=5.0&radius_m=-5", "radius_m"), ("area=cbs&neighbourhood=XX1", "neighbourhood"),
])
def test_a_bad_filter_is_refused_naming_the_parameter(app, client, history, query, field):
    for path in ("/api/dashboard", "/api/dashboard.csv"):
        refused = client.get(f"{path}?{query}", headers=token(app))
        assert refused.status_code == 400 and refused.json["field"] == field


def test_the_dashboard_needs_its_scope_and_a_token_names_one_kind_of_owner(app, client, history):
    assert client.get("/api/dashboard", headers=token(app, scopes=("actions",))).status_code == 403
    with app.extensions["uitkijk"].db.session() as session:
        room, _ = factories.control_room(session, "Meldkamer Elders")
        with pytest.raises(ValidationError) as both:
            create_token(session, "both", ["dashboard"], "test", 30, room.id, municipality="GM0457")
        with pytest.raises(ValidationError) as unknown:
            create_token(session, "unknown", ["dashboard"], "test", 30, municipality="GM9999")
    assert both.value.field == unknown.value.field == "municipality"
