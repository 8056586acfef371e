"""Test helpers for the Twilio tests: an area with participants, a launched action, ledger reads, trunks."""
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.configuration import save_trunk
from core.models import Delivery
from lab import factories

MOBILE = "0612345678"
MOBILE_E164 = "+31612345678"
LANDLINE = "0201234567"
LANDLINE_E164 = "+31201234567"
PUBLIC_BASE_URL = "https://uitkijk.example.org"  # where the tests' Twilio reaches the webhooks
TWILIO_NUMBER = "+3197010000000"


def launch(rt, channel_numbers=((MOBILE, 100),), radius_m=1000):
    """A control room, participants at the given distances and an action over them; returns ids."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        participants = [factories.participant(session, number, distance).id
                        for number, distance in channel_numbers]
        body = factories.launch_body(room, operators[0], radius_m)
        request = parse_launch(body, rt.config["MAX_MESSAGE_LENGTH"], rt.config["MAX_RADIUS_M"])
        action, _ = ActionService(rt).launch(session, request, "test")
        return {"action": action.id, "code": action.code, "room": room.id,
                "operators": [op.id for op in operators], "participants": participants}


def deliveries(rt, action_id):
    with rt.db.session() as session:
        return session.scalars(select(Delivery).where(Delivery.action_id == action_id)
                               .order_by(Delivery.rank)).all()


def add_trunk(rt, name, sid, token, caller_id, room_id=None, enabled=True, cps="7", **fields):
    """A Twilio trunk as the admin page saves it (with more of its `fields`, e.g. amd_enabled); returns its id."""
    form = {"name": name, "backend": "twilio", "control_room_id": str(room_id or ""), "caller_id": caller_id,
            "channel_limit": "10", "calls_per_second": cps, "account_sid": sid, "auth_token": token, **fields}
    if enabled:
        form["enabled"] = "on"
    with rt.db.session() as session:
        return save_trunk(session, form, "test", rt.config).id
