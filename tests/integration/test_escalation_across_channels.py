"""Escalation across channels with a real RQ worker: a landline's alert whose last attempt reached nobody
escalates at once to the participant's mobile (SMS in the outbox), with its reason and source in the ledger;
a participant reached on one channel has what is still queued on the others cancelled; nothing escalates
where the kind does not, after the time-critical window or once the action ended."""
from datetime import timedelta

import contextlib
import csv
import io

import pytest
from sqlalchemy import select

from core.jobs import retry_or_fail, send_deliveries
from core.models import Action, AuditEvent, Delivery, MailPreference, OutboxMessage, utcnow
from core.retry_policy import policy_for, save_policy
from core.transports import PermanentFailure, TransientFailure
from lab import factories
from tests.integration.web_helpers import make_user, post, sign_in, web_app

LANDLINE, MOBILE = "0201234567", "0612345678"


@pytest.fixture
def app(config):
    yield from web_app(config)


class Unanswered:
    """A phone network on which every call rings out unanswered (the lab's Asterisk does it for real in
    tests/asterisk/test_escalation_lab.py)."""

    name = "unanswered"
    in_database = False

    def __init__(self, outcome="no answer"):
        self.outcome = outcome
        self.calls = 0

    def send(self, session, delivery, text):
        self.calls += 1
        raise TransientFailure(self.outcome)


def escalating(rt, max_attempts=1, order="voice,sms,email", kind="burglary"):
    with rt.db.session() as s:
        save_policy(s, rt.config, kind, {"escalate": "on", "escalation_order": order, "max_attempts": max_attempts},
                    "admin@example.org")


def launch(rt, client, auth, **extra):
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, LANDLINE, 10, phones=[{"number": LANDLINE}, {"number": MOBILE}])
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0], **extra), headers=auth)
    assert response.status_code == 201, response.json
    return response.json["id"]


def ledger(rt):
    with rt.db.session() as s:
        return {d.channel: d for d in s.scalars(select(Delivery).where(Delivery.purpose == "alert"))}


def outbox(rt):
    with rt.db.session() as s:
        return [(m.channel, m.to_e164, m.delivery_id) for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_landline_not_answered_at_its_last_attempt_gets_the_sms_at_once(app, client, auth, work):
    """With escalation on, the launch calls the landline only; its one attempt rings out, and the worker sends
    the SMS to the mobile at once: a delivery of its own, escalated from the call, with the reason."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    escalating(rt)
    launch(rt, client, auth)
    assert set(ledger(rt)) == {"voice"}  # the first channel of the order only
    work()
    deliveries = ledger(rt)
    call, sms = deliveries["voice"], deliveries["sms"]
    assert call.state == "failed" and call.error == "gave up: no answer"
    assert (sms.state, sms.escalated_from, sms.reason) == ("sent", call.id, "voice:no_answer")
    assert sms.rank == call.rank and sms.to_e164 == "+31612345678"
    assert outbox(rt) == [("sms", "+31612345678", sms.id)]


def test_the_operator_reads_the_escalation_and_its_reason(app, client, auth, work):
    """The reach report the follow page links shows the SMS escalated from the call and why, in Dutch; its CSV
    says why in the page's words (the API's copy byte for byte the web's in the same language), the API's
    deliveries carry the source delivery and the reason code."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    escalating(rt)
    action_id = launch(rt, client, auth)
    work()
    deliveries = ledger(rt)
    with rt.db.session() as s:
        operator_id = s.get(Action, action_id).operator_id
    sign_in(client, make_user(app, "operator", operator_id=operator_id))
    page = client.get(f"/actions/{action_id}/report").get_data(as_text=True)
    assert "opgeschaald vanaf gesproken oproep: geen gehoor" in page
    assert f'data-delivery="{deliveries["sms"].id}" data-escalated-from="{deliveries["voice"].id}"' in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/actions/{action_id}/report.csv").get_data(as_text=True))))
    assert [(r["Kanaal"], r["Toestand"], r["Opgeschaald vanaf bericht"], r["Reden van opschalen"]) for r in rows] == [
        ("Gesproken oproep", "mislukt", "", ""),
        ("Sms", "verstuurd", str(deliveries["voice"].id), "opgeschaald vanaf gesproken oproep: geen gehoor")]
    api_csv = f"/api/actions/{action_id}/report.csv"
    assert client.get(api_csv, headers={**auth, "Accept-Language": "nl"}).data == client.get(
        f"/actions/{action_id}/report.csv").data
    english = list(csv.DictReader(io.StringIO(client.get(api_csv, headers=auth).get_data(as_text=True))))
    assert english[1]["Escalation reason"] == "escalated from voice: no answer"
    listed = client.get(f"/api/actions/{action_id}/deliveries", headers=auth).json
    assert {(d["channel"], d["escalated_from"], d["reason"]) for d in listed} == {
        ("voice", None, None), ("sms", deliveries["voice"].id, "voice:no_answer")}


def test_no_escalation_before_the_last_attempt(app, client, auth):
    """A busy landline with attempts left is retried by voice; the SMS waits for the last attempt."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered("busy")
    escalating(rt, max_attempts=2)
    launch(rt, client, auth)
    call_id = ledger(rt)["voice"].id
    send_deliveries([call_id])
    assert set(ledger(rt)) == {"voice"} and ledger(rt)["voice"].state == "queued"
    with rt.db.session() as s:
        s.get(Delivery, call_id).not_before = utcnow()
    send_deliveries([call_id])
    deliveries = ledger(rt)
    assert deliveries["voice"].state == "failed" and deliveries["sms"].reason == "voice:busy"
    assert rt.transports["voice"].calls == 2


def test_without_escalation_every_channel_is_sent_at_launch_and_nothing_escalates(app, client, auth, work):
    """The installation's default: the landline and the mobile both get the alert at launch, as before."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    with rt.db.session() as s:
        save_policy(s, rt.config, "burglary", {"max_attempts": 1}, "admin@example.org")
    launch(rt, client, auth)
    assert set(ledger(rt)) == {"voice", "sms"}
    work()
    deliveries = ledger(rt)
    assert deliveries["voice"].state == "failed" and deliveries["sms"].escalated_from is None
    assert [channel for channel, _, _ in outbox(rt)] == ["sms"]


def test_reached_by_sms_cancels_the_queued_call_and_leaves_one_in_flight(app, client, auth):
    """An action launched before its kind escalated has both channels; once the SMS is sent, the landline's
    retry still queued is cancelled with the reason, and is never called again."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered("busy")
    launch(rt, client, auth)
    escalating(rt, max_attempts=3)
    deliveries = ledger(rt)
    send_deliveries([deliveries["voice"].id])
    assert ledger(rt)["voice"].state == "queued"
    send_deliveries([deliveries["sms"].id])
    deliveries = ledger(rt)
    assert deliveries["sms"].state == "sent"
    assert (deliveries["voice"].state, deliveries["voice"].error) == ("cancelled", "reached by sms")
    report = client.get(f"/api/actions/{deliveries['voice'].action_id}/report.csv",
                        headers={**auth, "Accept-Language": "nl"}).get_data(as_text=True)
    call = next(row for row in csv.DictReader(io.StringIO(report)) if row["Kanaal"] == "Gesproken oproep")
    assert (call["Toestand"], call["Fout"]) == ("geannuleerd", "geannuleerd: bereikt via sms")
    send_deliveries([deliveries["voice"].id])
    assert rt.transports["voice"].calls == 1


def test_a_call_in_flight_is_not_cancelled_by_the_sms(app, client, auth):
    """A call being placed (claimed, 'sending') when the SMS reaches the participant is left to finish."""
    rt = app.extensions["uitkijk"]
    launch(rt, client, auth)
    escalating(rt)
    deliveries = ledger(rt)
    with rt.db.session() as s:
        s.get(Delivery, deliveries["voice"].id).state = "sending"
    send_deliveries([deliveries["sms"].id])
    assert ledger(rt)["voice"].state == "sending"


@pytest.mark.parametrize("late", ["window", "ended"])
def test_no_escalation_after_the_window_or_once_the_action_ended(app, client, auth, late):
    """A time-critical alert past RETRY_WINDOW_S, or one of an action that ended, is not escalated."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    escalating(rt)
    action_id = launch(rt, client, auth)
    with rt.db.session() as s:
        action = s.get(Action, action_id)
        if late == "window":
            action.launched_at = utcnow() - timedelta(seconds=rt.config["RETRY_WINDOW_S"] + 60)
        else:
            action.status = "ended"
    call_id = ledger(rt)["voice"].id
    with rt.db.session() as s:  # the call was claimed before the action ended
        s.get(Delivery, call_id).state = "sending"
        s.get(Delivery, call_id).attempts = 1
    with rt.db.session() as s:
        retry_or_fail(rt, s, s.get(Delivery, call_id), "no answer", None)
    assert set(ledger(rt)) == {"voice"} and ledger(rt)["voice"].state == "failed"


def test_the_api_sets_escalation_per_kind_audited_and_refuses_a_bad_order(app, client, auth):
    """escalate and escalation_order are set per kind through the API, audited from and to; an unknown or
    repeated channel is refused naming escalation_order, and nothing changes."""
    response = client.put("/api/retry-policies/robbery", headers=auth,
                          json={"escalate": True, "escalation_order": ["sms", "voice"]})
    assert response.status_code == 200, response.json
    assert response.json["escalate"] is True and response.json["escalation_order"] == ["sms", "voice"]
    for order in (["sms", "fax"], ["sms", "sms"], [], "pigeon"):
        response = client.put("/api/retry-policies/robbery", headers=auth,
                              json={"escalate": False, "escalation_order": order})
        assert response.status_code == 400 and response.json["field"] == "escalation_order", order
    response = client.put("/api/retry-policies/robbery", headers=auth, json={"escalate": "maybe"})
    assert response.status_code == 400 and response.json["field"] == "escalate"
    listed = {p["kind"]: p for p in client.get("/api/retry-policies", headers=auth).json}
    assert listed["robbery"]["escalate"] is True and listed["burglary"]["escalate"] is False
    with app.extensions["uitkijk"].db.session() as s:
        change = s.scalars(select(AuditEvent).where(AuditEvent.verb == "retry-policy-changed")).one()
    assert change.detail == {"escalate": {"from": False, "to": True},
                             "escalation_order": {"from": ["voice", "sms", "email"], "to": ["sms", "voice"]}}


def test_the_admin_page_turns_escalation_on_and_off_per_kind(app, client):
    """The retry policy page shows each kind's escalation in Dutch; ticking it with an order stores both
    (audited), unticking turns it off and keeps the order; an unknown order is refused naming the field."""
    rt = app.extensions["uitkijk"]
    token = sign_in(client, make_user(app, "admin"))
    page = client.get("/config/retry-policies").get_data(as_text=True)
    assert "Opschalen naar het volgende kanaal" in page and "Sms → Gesproken oproep → E-mail" in page
    form = {"busy_retry_s": "120", "no_answer_retry_s": "300", "failed_retry_s": "60", "max_attempts": "5"}
    response = post(client, "/config/retry-policies/vehicle", token,
                    {**form, "escalate": ["on", "off"], "escalation_order": "sms,voice,email"})
    assert response.status_code == 302
    with rt.db.session() as s:
        policy = policy_for(s, rt.config, "vehicle")
    assert policy.escalate is True and policy.escalation_order == ("sms", "voice", "email")
    page = client.get("/config/retry-policies").get_data(as_text=True)
    assert 'id="vehicle-escalate" name="escalate" value="on" checked' in page
    assert post(client, "/config/retry-policies/vehicle", token,
                {**form, "escalate": "off", "escalation_order": "sms,voice,email"}).status_code == 302
    response = post(client, "/config/retry-policies/vehicle", token,
                    {**form, "escalate": "off", "escalation_order": "fax"})
    assert response.status_code == 400 and "escalation_order" in response.get_data(as_text=True)
    with rt.db.session() as s:
        policy = policy_for(s, rt.config, "vehicle")
        verbs = s.scalars(select(AuditEvent.verb).where(AuditEvent.subject_id == "vehicle")).all()
    assert policy.escalate is False and policy.escalation_order == ("sms", "voice", "email")
    assert verbs == ["retry-policy-changed", "retry-policy-changed"]


def launch_for_mail_chooser(rt, client, auth, phones=None):
    """Launch over one participant with a landline (and `phones`) who chose alerts by e-mail too."""
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        extra = {"phones": phones} if phones else {}
        chose = factories.participant(s, LANDLINE, 10, email="vast@example.nl", **extra)
        s.add(MailPreference(participant_id=chose.id, confirmed_address="vast@example.nl", alerts=True))
    response = client.post("/api/actions", json=factories.launch_body(room, operators[0]), headers=auth)
    assert response.status_code == 201, response.json


def test_an_email_the_kinds_order_leaves_out_goes_at_launch_beside_the_ladder(app, client, auth, work):
    """A participant who chose alerts by e-mail beside their phones, on a kind whose order is voice then SMS: the
    mail is no step of that ladder, so it goes at launch as it would without escalation (it used to be never
    sent: neither written at launch nor escalated to). Sent first, it cancels nothing: the call is still made and
    its SMS still follows it."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    escalating(rt, order="voice,sms")
    launch_for_mail_chooser(rt, client, auth, phones=[{"number": LANDLINE}, {"number": MOBILE}])
    deliveries = ledger(rt)
    assert set(deliveries) == {"voice", "email"}  # the ladder's first step and the mail
    send_deliveries([deliveries["email"].id])
    assert ledger(rt)["voice"].state == "queued"
    work()
    deliveries = ledger(rt)
    assert (deliveries["email"].state, deliveries["email"].escalated_from) == ("sent", None)
    assert deliveries["voice"].state == "failed" and deliveries["sms"].reason == "voice:no_answer"
    assert sorted(channel for channel, _, _ in outbox(rt)) == ["email", "sms"]


def test_an_email_in_the_order_is_a_step_of_the_ladder(app, client, auth, work):
    """With e-mail in the kind's order (the default voice, SMS, e-mail), the issue's 'another channel (a mobile, a
    second number, e-mail when chosen)': a participant with a landline and a chosen mail gets the mail once the
    call reached nobody, escalated from it."""
    rt = app.extensions["uitkijk"]
    rt.transports["voice"] = Unanswered()
    escalating(rt, order="voice,sms,email")
    launch_for_mail_chooser(rt, client, auth)
    assert set(ledger(rt)) == {"voice"}
    work()
    deliveries = ledger(rt)
    assert (deliveries["email"].state, deliveries["email"].escalated_from, deliveries["email"].reason) == (
        "sent", deliveries["voice"].id, "voice:no_answer")


def test_a_failed_email_off_the_ladder_escalates_nothing(app, client, auth):
    """The chosen mail the kind's order leaves out fails for good: no step of the ladder failed, so nothing is
    escalated from it; the call, the ladder's first step, is still to be made."""
    rt = app.extensions["uitkijk"]
    rt.transports["email"] = Refused()
    escalating(rt, order="voice,sms")
    launch_for_mail_chooser(rt, client, auth, phones=[{"number": LANDLINE}, {"number": MOBILE}])
    send_deliveries([ledger(rt)["email"].id])
    deliveries = ledger(rt)
    assert set(deliveries) == {"voice", "email"}
    assert (deliveries["email"].state, deliveries["voice"].state) == ("failed", "queued")


class Refused:
    """A mail relay that refuses every alert for good."""

    name = "refused"
    in_database = False

    @contextlib.contextmanager
    def batch(self):
        yield

    def send(self, session, mail):
        raise PermanentFailure("invalid", "refused")
