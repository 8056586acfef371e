"""Message status callbacks and inbound SMS, posted with genuine and forged Twilio signatures."""
import pytest
from sqlalchemy import func, select

from core import runtime
from core.models import PhoneNumber, Tip

from twilio_flows import MOBILE_E164, deliveries, launch

STATUS = "/webhooks/twilio/sms/status"
INBOUND = "/webhooks/twilio/sms/inbound"


def _sent_alert(work):
    rt = runtime.get()
    ids = launch(rt)
    work()
    [delivery] = deliveries(rt, ids["action"])
    return rt, ids, delivery


def _status(delivery, status, error_code=None):
    form = {"MessageSid": delivery.provider_ref, "MessageStatus": status, "To": MOBILE_E164}
    if error_code:
        form["ErrorCode"] = str(error_code)
    return f"{STATUS}?delivery={delivery.id}", form


def _inbound(body, sid="SM" + "ab" * 16, sender=MOBILE_E164):
    return {"MessageSid": sid, "From": sender, "To": "+3197010000000", "Body": body}


def _number(rt):
    with rt.db.session() as session:
        return session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == MOBILE_E164))


def test_delivered_receipt_moves_delivery_once(twilio_app, twilio_post, work):
    """A 'delivered' callback marks the delivery delivered; the same callback again changes nothing."""
    rt, _, delivery = _sent_alert(work)
    path, form = _status(delivery, "delivered")
    assert twilio_post(path, form).status_code == 204
    [after] = deliveries(rt, delivery.action_id)
    assert after.state == "delivered"
    assert twilio_post(path, form).status_code == 204
    [again] = deliveries(rt, delivery.action_id)
    assert (again.state, again.updated_at) == ("delivered", after.updated_at)


def test_undelivered_receipt_records_twilios_error_code(twilio_app, twilio_post, work):
    """An 'undelivered' callback fails the delivery with Twilio's error code."""
    rt, _, delivery = _sent_alert(work)
    assert twilio_post(*_status(delivery, "undelivered", 30003)).status_code == 204
    [after] = deliveries(rt, delivery.action_id)
    assert (after.state, after.error) == ("failed", "30003: message undelivered")


def test_failed_receipt_for_unsubscribed_recipient_marks_number(twilio_app, twilio_post, work):
    """A 'failed' callback with 21610 also marks the number unsubscribed."""
    rt, _, delivery = _sent_alert(work)
    twilio_post(*_status(delivery, "failed", 21610))
    assert _number(rt).unsubscribed


def test_receipt_for_another_message_is_ignored(twilio_app, twilio_post, work):
    """A callback naming a message SID other than the delivery's changes nothing."""
    rt, _, delivery = _sent_alert(work)
    path, form = _status(delivery, "delivered")
    form["MessageSid"] = "SM" + "0" * 32
    twilio_post(path, form)
    assert deliveries(rt, delivery.action_id)[0].state == "sent"


@pytest.mark.parametrize("signature", ["forged", "missing"])
def test_receipt_without_genuine_signature_is_refused(twilio_app, twilio_post, work, signature):
    """A status callback with a forged or missing signature gets 403 and leaves the ledger alone."""
    rt, _, delivery = _sent_alert(work)
    assert twilio_post(*_status(delivery, "delivered"), signature=signature).status_code == 403
    assert deliveries(rt, delivery.action_id)[0].state == "sent"


def test_signature_covers_the_delivery_in_the_url(twilio_app, twilio_post, work):
    """A genuine signature for one delivery's URL does not pass for another delivery's URL."""
    from lab.prism import ACCOUNT_SID, AUTH_TOKEN
    from twilio_gateway.signatures import SIGNATURE_HEADER, sign

    rt, _, delivery = _sent_alert(work)
    path, form = _status(delivery, "undelivered", 30003)
    form["AccountSid"] = ACCOUNT_SID
    signature = sign(AUTH_TOKEN, "https://uitkijk.example.org" + path, form)
    response = twilio_app.test_client().post(f"{STATUS}?delivery={delivery.id + 1}", data=form,
                                             headers={SIGNATURE_HEADER: signature})
    assert response.status_code == 403


@pytest.mark.parametrize("stop, start", [("STOP", "START"), ("afmelden", "Aanmelden!")])
def test_stop_unsubscribes_and_start_subscribes_again(twilio_app, twilio_post, work, stop, start):
    """STOP/AFMELDEN unsubscribes the number with a confirmation; START/AANMELDEN subscribes it again."""
    rt, _, _ = _sent_alert(work)
    response = twilio_post(INBOUND, _inbound(stop, sid="SM" + "01" * 16))
    assert response.status_code == 200 and "afgemeld" in response.text
    assert _number(rt).unsubscribed
    response = twilio_post(INBOUND, _inbound(start, sid="SM" + "02" * 16))
    assert "weer aangemeld" in response.text
    assert not _number(rt).unsubscribed


def test_repeated_stop_webhook_replies_once(twilio_app, twilio_post, work):
    """Twilio repeating the STOP webhook changes nothing and sends no second confirmation."""
    _sent_alert(work)
    form = _inbound("stop")
    assert "<Message>" in twilio_post(INBOUND, form).text
    assert "<Message>" not in twilio_post(INBOUND, form).text


def test_reply_during_action_becomes_one_tip(twilio_app, twilio_post, work):
    """Any other reply from an alerted number becomes a tip on that action, once however often it is posted."""
    rt, ids, _ = _sent_alert(work)
    form = _inbound("Man met rode fiets rijdt richting station")
    first = twilio_post(INBOUND, form)
    second = twilio_post(INBOUND, form)
    assert "doorgegeven" in first.text and "<Message>" not in second.text
    with rt.db.session() as session:
        tips = session.scalars(select(Tip)).all()
    assert [(t.action_id, t.source, t.from_e164, t.text) for t in tips] == [
        (ids["action"], "sms", MOBILE_E164, "Man met rode fiets rijdt richting station")]


def test_reply_from_number_never_alerted_is_no_tip(twilio_app, twilio_post, work):
    """A text from a number no active action alerted gets no tip and no reply."""
    rt, _, _ = _sent_alert(work)
    response = twilio_post(INBOUND, _inbound("hallo", sender="+31687654321"))
    assert response.status_code == 200 and "<Message>" not in response.text
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Tip)) == 0


@pytest.mark.parametrize("signature", ["forged", "missing"])
def test_inbound_without_genuine_signature_changes_nothing(twilio_app, twilio_post, work, signature):
    """An inbound STOP with a forged or missing signature gets 403 and unsubscribes nobody."""
    rt, _, _ = _sent_alert(work)
    assert twilio_post(INBOUND, _inbound("STOP"), signature=signature).status_code == 403
    assert not _number(rt).unsubscribed


def test_inbound_without_message_sid_is_a_bad_request(twilio_app, twilio_post):
    """An inbound webhook lacking MessageSid is answered 400."""
    assert twilio_post(INBOUND, {"From": MOBILE_E164, "Body": "STOP"}).status_code == 400
