"""The operator pages over HTTP: reach estimate, SMS preview, launch, live status, tips, end."""
import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.models import Action, AuditEvent, Delivery, InboundCall, Tip
from lab import factories
from tests.integration.web_helpers import csrf_token, make_municipality, make_user, post, sign_in, web_app


@pytest.fixture
def app(config, tmp_path):
    """The app over plain http (test client), with a recordings dir of this test's own."""
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    # The launch tests count two or three people: the reach estimate answers for any number here
    # (its k-anonymity has tests of its own, tests/integration/test_security_estimate.py).
    yield from web_app({**config, "RECORDINGS_DIR": str(recordings), "ESTIMATE_MIN_PARTICIPANTS": 1})


@pytest.fixture
def room(app):
    """A control room with two operators and three participants: two inside 1 km, one far away."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        factories.participant(session, "+31201234501", distance_m=400)
        factories.participant(session, "+31612345602", distance_m=8000)
        return {"id": room.id, "operators": [o.id for o in operators]}


@pytest.fixture
def operator_token(app, client, room):
    email = make_user(app, "operator", operator_id=room["operators"][0])
    return sign_in(client, email)


def launch_form(room, **extra):
    lat, lon = factories.CENTRE
    form = {"kind": "burglary", "urgency": "urgent", "title": "Inbraak Weesp",
            "message": "Man, ongeveer 30 jaar, donkere jas, op een rode fiets.", "lat": str(lat), "lon": str(lon),
            "radius_m": "1000", "operator_id": str(room["operators"][0]), "control_room_id": str(room["id"]),
            "client_request_id": "form-1"}
    form.update(extra)
    return form


def test_estimate_counts_per_channel(client, room, operator_token):
    """The reach estimate counts the participants inside the circle per channel, with rounded points."""
    lat, lon = factories.CENTRE
    body = client.get(f"/actions/estimate?lat={lat}&lon={lon}&radius_m=1000").get_json()
    assert body["participants"] == 2
    assert body["per_channel"] == {"voice": 1, "sms": 1}
    assert len(body["points"]) == 2
    wider = client.get(f"/actions/estimate?lat={lat}&lon={lon}&radius_m=9000").get_json()
    assert wider["per_channel"] == {"voice": 1, "sms": 2}


def test_estimate_refuses_a_bad_radius(client, room, operator_token):
    """A radius beyond the maximum is refused with the field named."""
    lat, lon = factories.CENTRE
    response = client.get(f"/actions/estimate?lat={lat}&lon={lon}&radius_m=999999")
    assert response.status_code == 400
    assert response.get_json()["field"] == "area.radius_m"


def test_sms_preview_has_segments(client, room, operator_token):
    """The SMS preview is composed by the sms package, in both languages, with its segment count."""
    response = client.get("/actions/sms-preview", query_string={"message": "Rode fiets gezien?",
                                                                "control_room_id": room["id"]})
    previews = response.get_json()["previews"]
    assert [p["language"] for p in previews] == ["nl", "en", "de"]
    assert "0800 0011" in previews[0]["text"] and previews[0]["segments"] == 1
    long = client.get("/actions/sms-preview", query_string={"message": "ł" * 300}).get_json()["previews"][0]
    assert long["encoding"] == "UCS-2" and long["truncated"] and long["segments"] == 2


def test_launch_follow_and_end(app, client, room, operator_token, work):
    """A launch from the form writes the ledger, the status shows progress, and ending closes it."""
    response = post(client, "/actions/", operator_token, launch_form(room))
    assert response.status_code == 302
    action_url = response.headers["Location"]
    with app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.launched_by == "user:operator@example.org"
        assert session.scalar(select(func.count()).select_from(Delivery)) == 2
        audit = session.scalar(select(AuditEvent).where(AuditEvent.verb == "launch"))
        assert audit.actor == "user:operator@example.org"
    again = post(client, "/actions/", operator_token, launch_form(room))
    assert again.headers["Location"] == action_url  # the same form twice launches once

    page = client.get(action_url)
    assert page.status_code == 200 and "Inbraak Weesp" in page.get_data(as_text=True)
    work()
    status = client.get(f"{action_url}/status").get_json()
    assert status["summary"]["sms"]["alert"]["reached"] == 1
    assert status["summary"]["voice"]["alert"]["reached"] == 1  # a console call is answered
    with app.extensions["uitkijk"].db.session() as session:
        # A network call placed but not (yet) answered is "sent": still pending, not reached.
        session.execute(update(Delivery).where(Delivery.channel == "voice").values(state="sent"))
    voice = client.get(f"{action_url}/status").get_json()["summary"]["voice"]["alert"]
    assert (voice["reached"], voice["pending"]) == (0, 1)
    with app.extensions["uitkijk"].db.session() as session:
        session.execute(update(Delivery).where(Delivery.channel == "voice").values(state="answered"))

    ended = post(client, f"{action_url}/end", operator_token,
                 {"result": "suspect_caught", "closing_text": "Dank voor het uitkijken.", "result_from_response": "on"})
    assert ended.status_code == 302
    work()
    status = client.get(f"{action_url}/status").get_json()
    assert status["status"] == "ended" and status["result"] == "suspect_caught"
    assert status["summary"]["sms"]["closing"]["reached"] == 1
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Action)).result_from_response is True


def test_launch_with_bad_input_launches_nothing(app, client, room, operator_token):
    """A form with a radius beyond the maximum is shown again with the reason, and nothing is launched."""
    response = post(client, "/actions/", operator_token, launch_form(room, radius_m="999999"))
    assert response.status_code == 400
    assert "radius_m" in response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_launch_without_csrf_token_is_refused(app, client, room, operator_token):
    """A launch POST without the CSRF token is refused."""
    response = client.post("/actions/", data=launch_form(room))
    assert response.status_code == 400
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_calls_and_tips_appear_and_recordings_play(app, client, room, operator_token):
    """Calls and tips show with masked numbers; a recorded tip is served to the operator only from its action."""
    post(client, "/actions/", operator_token, launch_form(room))
    recordings = app.config["RECORDINGS_DIR"]
    (Path(recordings) / "tip-1.wav").write_bytes(b"RIFF....WAVEfmt ")
    with app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        call = InboundCall(backend="asterisk", call_ref="1700000000.1", caller_e164="+31612345601",
                           action_id=action.id, alerted=True, outcome="recorded")
        session.add(call)
        session.flush()
        session.add(Tip(action_id=action.id, inbound_call_id=call.id, source="voice", from_e164="+31612345601",
                        recording="tip-1.wav", duration_s=12.0))
        session.add(Tip(action_id=action.id, source="voice", recording="../outside.wav"))
        action_id = action.id
    status = client.get(f"/actions/{action_id}/status").get_json()
    assert status["calls"][0]["caller"].endswith("601") and "612345" not in status["calls"][0]["caller"]
    recorded = [t for t in status["tips"] if t.get("recording_url")]
    audio = client.get(recorded[-1]["recording_url"])
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    outside = [t for t in status["tips"] if t["from"] == "withheld"][0]
    assert client.get(f"/actions/{action_id}/tips/{outside['id']}/recording").status_code == 404
    assert client.get(f"/actions/{action_id + 1}/tips/{recorded[-1]['id']}/recording").status_code == 404


def test_municipality_staff_cannot_launch(app, client, room):
    """Municipality staff get 403 on the operator pages."""
    municipality_id = make_municipality(app)
    sign_in(client, make_user(app, "municipality", municipality_id=municipality_id))
    assert client.get("/actions/new").status_code == 403
    assert client.get("/actions/estimate?lat=52&lon=5&radius_m=100").status_code == 403


def test_signed_out_user_is_sent_to_login(client, room):
    """Without signing in, the launch page redirects to the login form."""
    response = client.get("/actions/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert csrf_token(client)  # the login page itself renders


def _field_error(page, form_name, input_id):
    """The refusal shown at the top of the follow page's form, and whether the named input is marked."""
    message = re.search(rf'<p class="field-error" role="alert" id="{form_name}-error">([^<]*)</p>', page)
    marked = re.search(rf'id="{input_id}"[^>]*aria-invalid="true" aria-describedby="{form_name}-error"', page)
    return message and html.unescape(message.group(1)), bool(marked)


@pytest.mark.parametrize("form_name, form, input_id, named", [
    ("end", {"result": "party", "closing_text": "Dank voor het uitkijken."}, "result", "result"),
    ("end", {"result": "suspect_caught", "closing_text": "x" * 5000}, "closing_text", "closing_text"),
    ("area", {"area_type": "circle", "lat": str(factories.CENTRE[0]), "lon": str(factories.CENTRE[1]),
              "radius_m": "veel"}, "area-radius", "radius_m"),
    ("area", {"area_type": "circle", "lat": "noord", "lon": str(factories.CENTRE[1]), "radius_m": "900"},
     "area-lat", "lat"),
    ("area", {"area_type": "circle", "lat": str(factories.CENTRE[0]), "lon": str(factories.CENTRE[1]),
              "radius_m": "999999"}, "area-radius", "radius_m"),
    ("photos", {}, "photos", "photos"),
])
def test_follow_page_form_refusal_names_the_field_and_changes_nothing(app, client, room, operator_token, form_name,
                                                                     form, input_id, named):
    """A bad value in one of the follow page's forms gives 400 with the follow page, the reason at that form
    naming the field, the input marked and what was typed kept; the action and its deliveries are unchanged."""
    action_url = post(client, "/actions/", operator_token, launch_form(room)).headers["Location"]

    def state():
        with app.extensions["uitkijk"].db.session() as session:
            action = session.scalar(select(Action))
            return (action.status, action.result, action.area, session.scalar(select(func.count()).select_from(
                Delivery)), session.scalar(select(func.count()).select_from(AuditEvent)))
    before = state()
    data = {**form, "photos": (io.BytesIO(b"geen foto"), "foto.jpg")} if form_name == "photos" else form
    response = post(client, f"{action_url}/{form_name}", operator_token, data,
                    content_type="multipart/form-data" if form_name == "photos" else None)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="end-form"' in page  # the follow page itself, still live
    message, marked = _field_error(page, form_name, input_id)
    assert message and re.search(rf"\b{named}\b", message), message
    assert marked, f"{input_id} is not marked"
    if form_name == "end":
        assert html.escape(form["closing_text"][:50]) in page  # the operator's text is kept
    assert state() == before


def test_ending_an_ended_action_is_409_on_the_follow_page(app, client, room, operator_token):
    """Ending twice: the second gives 409 with the follow page saying why; the first result stands."""
    action_url = post(client, "/actions/", operator_token, launch_form(room)).headers["Location"]
    assert post(client, f"{action_url}/end", operator_token, {"result": "suspect_caught"}).status_code == 302
    again = post(client, f"{action_url}/end", operator_token, {"result": "cancelled"})
    assert again.status_code == 409
    assert 'id="end-error"' in again.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Action)).result == "suspect_caught"
