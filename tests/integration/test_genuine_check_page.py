"""The public check that an alert is genuine (/echt, issue 19): a code finds its action's public facts and
nothing personal; a wrong or garbage code is told so (never a 500); bulk guessing from one address is
refused with 429, the first refusal audited. Real Redis holds the counts; both databases."""
import pytest
from sqlalchemy import select

from app import create_app
from core.actions import ActionService, parse_launch
from core.models import Action, AuditEvent
from lab import factories

MESSAGE = "Man, ongeveer 30 jaar, donkere jas, op een rode fiets."


@pytest.fixture
def checked(config):
    """An app with a small check limit, an active action launched around an address in Weesp and an
    ended one; returns (app, active code, ended code)."""
    app = create_app({**config, "GENUINE_CHECKS_PER_HOUR": 5})
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        room_id, operator_id = room.id, operators[0].id
    body = factories.launch_body(room, operators[0], radius_m=1500, message=MESSAGE)
    with rt.db.session() as session:
        action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "operator@example.org")
        action.area = {**action.area, "address": "Nieuwstraat 1, 1381 BD Weesp"}
        active_code = action.code
    ended_id = factories.launch(rt, room_id, operator_id, "Overval tankstation")
    with rt.db.session() as session:
        ActionService(rt).end(session, ended_id, "suspect_caught", None, "operator@example.org")
        ended_code = session.get(Action, ended_id).code
    yield app, active_code, ended_code
    from core import runtime
    runtime.uninstall()


def page(client, code=None, **headers):
    response = client.get("/echt" if code is None else f"/echt?code={code}", headers=headers)
    return response.status_code, response.get_data(as_text=True)


def test_a_code_shows_the_action_and_nothing_personal(checked):
    app, active_code, ended_code = checked
    client = app.test_client()
    status, html = page(client)
    assert status == 200 and "Is deze oproep echt?" in html and "Code uit het bericht" in html

    status, html = page(client, " ".join(active_code))  # typed with spaces, as a message may show it
    assert status == 200
    assert "Ja, dit is een echte oproep van de politie" in html and "Inbraak Weesp" in html
    assert "Inbraak" in html and "Weesp en omgeving (1,5 km)" in html and "Loopt nog" in html
    for private in (MESSAGE, "+31612345601", "612345601", "Nieuwstraat", "Operator 1", "operator@example.org"):
        assert private not in html

    status, html = page(client, ended_code)
    assert status == 200 and "Overval tankstation" in html and "Beëindigd op" in html
    assert "Zoekgebied van 1 km" in html  # a bare circle has no place name


def test_an_unknown_or_garbage_code_is_told_so(checked):
    app, active_code, _ended = checked
    client = app.test_client()
    unknown = next(code for code in ("1000", "1001", "1002") if code != active_code)
    status, html = page(client, unknown)
    assert status == 404 and "Er is geen oproep met deze code" in html and "0900-8844" in html
    for garbage in ("abc", "12", "1234567", "<script>alert(1)</script>", "1" * 500):
        status, html = page(client, garbage)
        assert status == 400, garbage
        assert "moet de 4 tot 6 cijfers van de code in het bericht zijn" in html
        assert 'aria-invalid="true"' in html and "<script>alert(1)" not in html
    assert page(client, "%00")[0] == 400  # a NUL byte stops at the web's input guard


def test_the_page_speaks_english_when_chosen(checked):
    app, active_code, _ended = checked
    status, html = page(app.test_client(), active_code, **{"Accept-Language": "en"})
    assert status == 200 and "Yes, this is a genuine alert from the police" in html
    assert "Weesp and surroundings (1.5 km)" in html and "Still on" in html


def test_guessing_in_bulk_is_refused_and_the_first_refusal_audited(checked):
    app, active_code, _ended = checked
    client = app.test_client()
    for attempt in range(5):
        status, _html = page(client, f"{2000 + attempt}")
        assert status in (200, 404)
    for _again in range(3):
        response = client.get(f"/echt?code={active_code}")
        html = response.get_data(as_text=True)
        assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
        assert "te veel codes gecontroleerd" in html and "Inbraak Weesp" not in html
    other = app.test_client()
    response = other.get(f"/echt?code={active_code}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 200  # another address has its own count
    with app.extensions["uitkijk"].db.session() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.verb == "genuine_check.refused")).all()
    assert len(refusals) == 1
    assert refusals[0].detail == {"limit_per_hour": 5}
    assert "127.0.0.1" not in (refusals[0].subject_id or "")


def test_an_exercise_is_said_to_be_one(checked):
    """A drill's code is genuine too, but the page says it is an exercise and that nobody is looked for."""
    app, active_code, _ended = checked
    with app.extensions["uitkijk"].db.session() as session:
        session.scalars(select(Action).where(Action.code == active_code)).one().exercise = True
    status, html = page(app.test_client(), active_code)
    assert status == 200 and "Ja, dit is een echte oefening van de politie" in html
    assert "OEFENING" in html and "er wordt niemand gezocht" in html and "De oefening loopt nog." in html
    assert "Loopt nog: kijk goed uit" not in html
