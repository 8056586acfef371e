"""The impact preview of a launch (core.impact), through the API's dry_run and the launch page: what it
counts per channel, what it flags, and that it writes nothing."""
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.models import Action, AuditEvent, Delivery, utcnow
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app


@pytest.fixture
def app(config):
    # Four people in the area: the preview answers for any number here (its k-anonymity has a test below).
    yield from web_app({**config, "ESTIMATE_MIN_PARTICIPANTS": 1, "LAUNCH_LARGE_PARTICIPANTS": 3})


def _quiet_now():
    """Quiet hours from an hour ago to an hour from now, local time: in them whenever the test runs."""
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    return {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}


def _action(session, room, operator, area, status="ended", kind="burglary"):
    action = Action(code=str(1000 + session.scalar(select(func.count()).select_from(Action))), kind=kind,
                    time_critical=True, title="Eerder", message="Eerder.", area=area, operator_id=operator.id,
                    control_room_id=room.id, launched_by="test", status=status)
    session.add(action)
    session.flush()
    return action


@pytest.fixture
def people(app):
    """In 1 km: an SMS participant in their quiet hours (100 m), a landline (400 m) that another active action's
    area holds too, an SMS participant alerted by three actions this week (600 m), a landline (900 m).
    Outside: one at 5 km."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        quiet = factories.participant(session, "+31612345601", distance_m=100, quiet_hours=_quiet_now())
        factories.participant(session, "+31201234501", distance_m=400)
        tired = factories.participant(session, "+31612345602", distance_m=600)
        factories.participant(session, "+31201234502", distance_m=900)
        factories.participant(session, "+31612345603", distance_m=5000)
        for n in range(3):
            old = _action(session, room, operators[0], {"type": "circle", "lat": 52.0, "lon": 5.0, "radius_m": 900})
            session.add(Delivery(action_id=old.id, participant_id=tired.id, to_e164="+31612345602", channel="sms",
                                 purpose="alert", rank=0, distance_m=0, state="delivered",
                                 reached_at=utcnow() - timedelta(days=n + 1)))
        lat, lon = factories.point_east(400)
        _action(session, room, operators[0], {"type": "circle", "lat": lat, "lon": lon, "radius_m": 50},
                status="active")
        return {"room": room.id, "operator": operators[0].id, "quiet": quiet.id}


def _rows(app):
    with app.extensions["uitkijk"].db.session() as s:
        return (s.scalar(select(func.count()).select_from(Action)), s.scalar(select(func.count()).select_from(Delivery)),
                s.scalar(select(func.count()).where(AuditEvent.subject_type != "api_token")))


def _body(people, **extra):
    room = type("Room", (), {"id": people["room"]})
    operator = type("Operator", (), {"id": people["operator"]})
    return factories.launch_body(room, operator, **{"dry_run": True, **extra})


def test_dry_run_counts_per_channel_and_writes_nothing(app, client, auth, people):
    """Per channel: who is reached, in quiet hours, alerted 3+ times this week, in another active action's area;
    the SMS segments and cost; the duration at the fallback trunk's limits. No action, alert or audit row."""
    before = _rows(app)
    response = client.post("/api/actions", json=_body(people), headers=auth)
    assert response.status_code == 200, response.json
    impact = response.json["impact"]
    assert response.json["dry_run"] is True
    assert impact["participants"] == 4
    assert impact["channels"] == {
        "sms": {"reached": 2, "in_quiet_hours": 1, "fatigued": 1, "overlapping": 0},
        "voice": {"reached": 2, "in_quiet_hours": 0, "fatigued": 0, "overlapping": 1},
        "email": {"reached": 0, "in_quiet_hours": 0, "fatigued": 0, "overlapping": 0}}  # nobody chose alerts by mail
    assert impact["quiet_hours_handling"] == "sent_now"  # time-critical: quiet hours do not hold it
    assert impact["sms"]["segments"] == {"nl": 1, "en": 1, "de": 1}
    assert impact["sms"]["messages"] == 2 and impact["sms"]["cost_eur"] == pytest.approx(2 * 0.07)
    limits = impact["limits"]
    assert (limits["channels"], limits["calls_per_second"], limits["call_s"]) == (30, 10.0, 40.0)
    assert impact["duration_s"]["voice"] == math.ceil(max(2 / 10.0, 2 * 40.0 / 30))
    assert impact["duration_s"]["sms"] == 1 and impact["duration_s"]["all"] == 3
    assert impact["flags"] == [{"flag": "large", "value": 4, "limit": 3, "detail": "4 participants, more than 3"}]
    assert impact["needs_approval"] is False
    assert _rows(app) == before


def test_quiet_hours_hold_a_launch_that_is_not_urgent(client, auth, people):
    """Not time-critical: the one in their quiet hours is held until they end, and is not in the duration."""
    impact = client.post("/api/actions", json=_body(people, time_critical=False), headers=auth).json["impact"]
    assert impact["quiet_hours_handling"] == "held_until_quiet_hours_end"
    first_end = datetime.fromisoformat(impact["quiet_hours_first_end"])
    assert timedelta(minutes=55) < first_end - datetime.now(first_end.tzinfo) <= timedelta(hours=1)
    assert impact["duration_s"]["sms"] == 1  # one SMS now, at 10 a second


def test_unusual_radius_and_national_alert_are_flagged(client, auth, people):
    """A radius far above the kind's usual is flagged; a national AMBER alert is flagged and needs approval."""
    wide = _body(people)
    wide["area"]["radius_m"] = 30000
    impact = client.post("/api/actions", json=wide, headers=auth).json["impact"]
    assert {"flag": "unusual_radius", "value": 30000, "limit": 1000, "factor": 3.0,
            "detail": "radius 30000 m, more than 3 times the usual 1000 m of a burglary"} in impact["flags"]
    assert impact["participants"] == 5 and impact["usual_radius_m"] == 1000
    amber = _body(people, kind="amber_alert", area={"type": "country"})
    impact = client.post("/api/actions", json=amber, headers=auth).json["impact"]
    assert {"flag": "national", "detail": "the whole country"} in impact["flags"]
    assert impact["needs_approval"] is True and impact["participants"] == 5


def test_usual_radius_follows_the_kinds_own_history(app, client, auth, people):
    """With five or more circle actions of the kind on record, their median radius is the usual one."""
    with app.extensions["uitkijk"].db.session() as session:
        room = session.get(Action, 1).control_room
        for _ in range(5):
            _action(session, room, session.get(Action, 1).operator,
                    {"type": "circle", "lat": 52.0, "lon": 5.0, "radius_m": 200}, kind="robbery")
    body = _body(people, kind="robbery")
    impact = client.post("/api/actions", json=body, headers=auth).json["impact"]
    assert impact["usual_radius_m"] == 200
    assert any(f["flag"] == "unusual_radius" for f in impact["flags"])


def test_bad_dry_run_is_refused(app, client, auth, people):
    """dry_run must be a boolean: anything else is a 400 naming it, and nothing is launched."""
    before = _rows(app)
    response = client.post("/api/actions", json=_body(people, dry_run="yes"), headers=auth)
    assert response.status_code == 400 and response.json["field"] == "dry_run"
    bad_area = _body(people)
    bad_area["area"]["radius_m"] = -1
    response = client.post("/api/actions", json=bad_area, headers=auth)
    assert response.status_code == 400 and response.json["field"] == "area.radius_m"
    assert _rows(app) == before


def test_few_participants_are_not_counted(config, people):
    """Below ESTIMATE_MIN_PARTICIPANTS the preview says only 'fewer than', like the reach estimate."""
    from core.impact import preview
    from core.actions import parse_launch
    from core import runtime
    rt = runtime.get()
    with rt.db.session() as session:
        request = parse_launch(_body(people, area={"type": "circle", "lat": factories.CENTRE[0],
                                                   "lon": factories.CENTRE[1], "radius_m": 200}), 640, 50000)
        shown = preview(session, rt.config, request).as_dict(min_participants=5)
    assert shown["participants"] is None and shown["fewer_than"] == 5
    assert shown["channels"] is None and shown["duration_s"] is None and "messages" not in shown["sms"]


def test_launch_page_preview(app, client, people):
    """The launch page's preview endpoint answers for the form as it stands."""
    token = sign_in(client, make_user(app, "operator", operator_id=people["operator"]))
    lat, lon = factories.CENTRE
    form = {"kind": "burglary", "urgency": "normal", "title": "Inbraak Weesp", "message": "Rode fiets.",
            "lat": str(lat), "lon": str(lon), "radius_m": "1000", "operator_id": str(people["operator"]),
            "control_room_id": str(people["room"])}
    before = _rows(app)
    response = post(client, "/actions/preview", token, form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["participants"] == 4
    assert response.json["quiet_hours_handling"] == "held_until_quiet_hours_end"
    response = post(client, "/actions/preview", token, {**form, "radius_m": "abc"})
    assert response.status_code == 400 and response.json["field"] == "radius_m"
    assert _rows(app) == before
