"""Attacks on the reach estimate (issue 12, Low): drawing a tiny circle around one house to learn
whether someone there takes part, and reading positions finer than the promised ~100 m."""
import pytest

from core.geo import distance_m
from lab import factories
from tests.integration.web_helpers import make_user, sign_in, web_app

LONE_M = 3000  # one participant alone, 3 km east of the centre


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def operator(app, client):
    """Signed in as an operator; five people near the centre, one alone at LONE_M, a row of eight
    people 40 m apart 10 km east."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        for n in range(5):
            factories.participant(session, f"+3161234560{n}", distance_m=20 * n)
        factories.participant(session, "+31612345610", distance_m=LONE_M)
        for n in range(8):
            factories.participant(session, f"+3161234562{n}", distance_m=10_000 + 40 * n)
        operator_id = operators[0].id
    sign_in(client, make_user(app, "operator", operator_id=operator_id))
    return client


def estimate(client, distance, radius_m):
    lat, lon = factories.point_east(distance)
    response = client.get(f"/actions/estimate?lat={lat}&lon={lon}&radius_m={radius_m}")
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("radius_m", [10, 50, 500])
def test_a_circle_around_one_house_gets_no_answer(operator, radius_m):
    """Around the lone participant: not 1, not 0, no point on the map, no channel split: "fewer than 5"."""
    body = estimate(operator, LONE_M, radius_m)
    assert body == {"participants": None, "per_channel": None, "in_quiet_hours": None, "points": [],
                    "fewer_than": 5}
    empty = estimate(operator, 20_000, radius_m)  # nobody at all: the same answer
    assert empty == body


def test_an_area_with_enough_people_is_counted(operator):
    body = estimate(operator, 0, 200)
    assert body["participants"] == 5 and body["per_channel"] == {"voice": 0, "sms": 5} and body["points"]


def test_points_are_on_a_100_metre_grid(operator):
    """Eight people 40 m apart east-west: the map shows squares of 100 m on the ground, so distinct points
    are at least ~100 m apart (three decimals of a degree are 68 m east-west here) and each within the
    square's half diagonal of a person."""
    body = estimate(operator, 10_140, 400)
    people = [factories.point_east(10_000 + 40 * n) for n in range(8)]
    points = sorted(body["points"], key=lambda p: p[1])
    assert body["participants"] == 8 and 3 <= len(points) <= 5
    for a, b in zip(points, points[1:]):
        assert distance_m(a[0], a[1], b[0], b[1]) > 99
    for lat, lon in people:
        assert min(distance_m(lat, lon, p[0], p[1]) for p in points) <= 71
