"""The follow page says where the action is as people do: the centre's nearest address from the address
table, with its buurt, wijk and municipality from the CBS codes, in Dutch (and English); a centre with no
address near it shows none rather than a wrong one. SQLite and PostgreSQL."""
from core.address_import import import_address_text
from core.demo import ensure_municipalities, sample_address_csv
from core.geocoding import nearest_address
from tests.integration.test_web_actions import app, launch_form, operator_token, room  # noqa: F401 (fixtures)
from tests.integration.web_helpers import csrf_token, post


def _addresses(app):
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
        ensure_municipalities(session)


def test_the_follow_page_shows_the_centre_as_an_address_with_its_neighbourhood(app, client, room, operator_token):
    _addresses(app)
    response = post(client, "/actions/", operator_token, launch_form(room, lat="", lon="", address="Damrak 1, Amsterdam"))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Middelpunt: Damrak 1, 1012LG Amsterdam" in page
    assert "buurt Kop Zeedijk · wijk Burgwallen-Oude Zijde · gemeente Amsterdam" in page

    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client)})
    english = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Centre: Damrak 1, 1012LG Amsterdam" in english
    assert "neighbourhood Kop Zeedijk · district Burgwallen-Oude Zijde · municipality Amsterdam" in english


def test_a_centre_far_from_any_address_has_none(app):
    _addresses(app)
    with app.extensions["uitkijk"].db.session() as session:
        assert nearest_address(session, 52.3788, 4.8997).label.startswith("Damrak ")
        assert nearest_address(session, 52.60, 4.20) is None  # the North Sea
