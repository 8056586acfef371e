"""The dashboard's alert load: how many actions reached each participant, and who left after frequent alerts
(the count of alerts kept in the audit entry of leaving, as the participant's data is erased)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import dashboard
from core.models import AuditEvent, Municipality, PhoneNumber
from core.signup import make_link_token
from core.sms_replies import handle_reply
from lab import factories
from tests.integration.web_helpers import csrf_token, make_user, sign_in, web_app

FREQUENT = "+31612345701"  # reached by three actions, then texts STOP
ONCE = "+31612345702"  # reached by one, then leaves through the self-service page
NEVER = "+31612345703"  # lives far away: reached by none


@pytest.fixture
def app(config):
    yield from web_app(config)


@pytest.fixture
def weesp(app, work):
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        session.add(Municipality(code="GM0457", name="Weesp"))
        session.flush()
        room, operators = factories.control_room(session)
        frequent = factories.participant(session, FREQUENT, 50, municipality="GM0457")
        once = factories.participant(session, ONCE, 900, municipality="GM0457")
        factories.participant(session, NEVER, 20_000, municipality="GM0457")
        session.commit()
        ids = {"municipality": session.scalar(select(Municipality.id)), "once": once.id, "frequent": frequent.id}
        room_id, operator_id = room.id, operators[0].id
    factories.launch(rt, room_id, operator_id, "Inbraak 1", radius_m=1000)
    for n in (2, 3):
        factories.launch(rt, room_id, operator_id, f"Inbraak {n}", radius_m=500)
    work()
    return ids


def _leaving(app):
    with app.extensions["uitkijk"].db.session() as session:
        return [(e.verb, e.detail.get("alerts_7d")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.verb.in_(("leave", "unsubscribed"))).order_by(AuditEvent.id))]


def test_leaving_keeps_the_alerts_of_the_last_week_and_the_dashboard_counts_them(app, weesp):
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        assert handle_reply(session, FREQUENT, "STOP", "SM1").kind == "unsubscribed"
        session.commit()
        assert session.scalar(select(PhoneNumber.unsubscribed).where(PhoneNumber.e164 == FREQUENT))
    public = app.test_client()
    manage = f"/my/{make_link_token(app.config['SECRET_KEY'].encode(), weesp['once'], 'manage')}"
    assert public.post(manage + "/leave", data={"csrf_token": csrf_token(public, manage),
                                                "confirm_leave": "on"}).status_code == 200
    assert _leaving(app) == [("unsubscribed", 3), ("leave", 1)]

    period = dashboard.parse_period("", "", date.today() + timedelta(days=1))
    with rt.db.session() as session:
        stats = dashboard.compute(session, dashboard.Neighbourhood(weesp["municipality"]), period, 3)
        elsewhere = dashboard.compute(session, dashboard.Neighbourhood(weesp["municipality"] + 1), period, 3)
        narrowed = dashboard.compute(session, dashboard.Neighbourhood(weesp["municipality"], postcode_area="1381"),
                                     period, 3)
    # The one who left is no longer a resident; the STOP number's participant and the far one are.
    assert stats.alert_load == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "5+": 0}
    assert (stats.left, stats.left_after_frequent) == (2, 1)
    assert (elsewhere.left, elsewhere.left_after_frequent) == (0, 0)
    assert narrowed.left is None
    assert ("alert load", "participants reached by 3 actions", 1) in stats.as_rows()
    assert ("alert load", "of whom after frequent alerts in their last week", 1) in stats.as_rows()

    staff = app.test_client()
    sign_in(staff, make_user(app, "admin"))
    page = staff.get(f"/dashboard/?municipality_id={weesp['municipality']}").get_data(as_text=True)
    assert "Meldingen per deelnemer" in page and "3 acties" in page
    assert "2 deelnemers zijn in deze periode gestopt" in page and "van wie 1 na 3 of meer meldingen" in page
    export = staff.get(f"/dashboard/export.csv?municipality_id={weesp['municipality']}").get_data(as_text=True)
    assert "meldingen per deelnemer,deelnemers bereikt door 3 acties,1" in export
