"""Keypad choices on an alert call, applied to the register (core.keypad_choices): at once, audited, only for
the call's current attempt, and seen by the next launch; a stop is undone by an SMS START."""
import pytest
from sqlalchemy import select, update

from core.keypad_choices import apply_choice
from core.models import AuditEvent, Delivery, PhoneNumber
from core.sms_replies import handle_reply
from lab import factories

LANDLINE, MOBILE = "+31201234501", "+31612345601"


def alerted(rt, number, channel=None):
    """A participant with `number` alerted by a call under attempt 'call-1'; returns (delivery id, room, operator)."""
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        factories.participant(s, number, distance_m=100, channel=channel)
        room_id, operator_id = room.id, operators[0].id
    action_id = factories.launch(rt, room_id, operator_id, "Inbraak Weesp")
    with rt.db.session() as s:
        s.execute(update(Delivery).where(Delivery.action_id == action_id).values(state="sent", provider_ref="call-1"))
        return s.scalar(select(Delivery.id).where(Delivery.action_id == action_id)), room_id, operator_id


def number_of(rt, e164):
    with rt.db.session() as s:
        number = s.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
        return number.channel, number.unsubscribed


def next_launch(rt, room_id, operator_id):
    """The channels the next launch over the same area writes for everyone."""
    action_id = factories.launch(rt, room_id, operator_id, "Overval Weesp")
    with rt.db.session() as s:
        return sorted(s.scalars(select(Delivery.channel).where(Delivery.action_id == action_id)))


def test_stop_calls_is_at_once_audited_and_undone_by_sms_start(rt):
    """0-9 stops alert calls to the number: the next launch leaves it out; an SMS START brings it back."""
    delivery_id, room_id, operator_id = alerted(rt, MOBILE, channel="voice")
    with rt.db.session() as s:
        assert apply_choice(s, delivery_id, "call-1", "stop_calls") is True
    assert number_of(rt, MOBILE) == ("voice", True)
    with rt.db.session() as s:
        assert apply_choice(s, delivery_id, "call-1", "stop_calls") is False  # a repeat changes nothing
        audit = s.scalars(select(AuditEvent).where(AuditEvent.actor == "keypad")).all()
    assert [a.verb for a in audit] == ["unsubscribed"] and "612345601" not in str(audit[0].detail)
    assert next_launch(rt, room_id, operator_id) == []
    with rt.db.session() as s:
        assert handle_reply(s, MOBILE, "START", "SM1").kind == "resubscribed"
    assert number_of(rt, MOBILE) == ("voice", False)
    assert next_launch(rt, room_id, operator_id) == ["voice"]


def test_sms_instead_moves_a_mobile_to_sms_for_the_next_launch(rt):
    """3 on a mobile: its alerts come by SMS from the next launch on (audited)."""
    delivery_id, room_id, operator_id = alerted(rt, MOBILE, channel="voice")
    with rt.db.session() as s:
        assert apply_choice(s, delivery_id, "call-1", "sms_instead") is True
        verbs = s.scalars(select(AuditEvent.verb).where(AuditEvent.actor == "keypad")).all()
    assert number_of(rt, MOBILE) == ("sms", False) and verbs == ["channel-changed"]
    assert next_launch(rt, room_id, operator_id) == ["sms"]


def test_a_landline_a_stale_attempt_and_an_unknown_choice_change_nothing(rt):
    """SMS instead on a landline, a choice under an earlier attempt's id, or an unknown choice: nothing changes."""
    delivery_id, _, _ = alerted(rt, LANDLINE)
    with rt.db.session() as s:
        assert apply_choice(s, delivery_id, "call-1", "sms_instead") is False
        assert apply_choice(s, delivery_id, "call-0", "stop_calls") is False
        assert apply_choice(s, 999999, "call-1", "stop_calls") is False
        with pytest.raises(ValueError, match="choice"):
            apply_choice(s, delivery_id, "call-1", "everything")
        assert s.scalars(select(AuditEvent).where(AuditEvent.actor == "keypad")).all() == []
    assert number_of(rt, LANDLINE) == ("voice", False)
