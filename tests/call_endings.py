"""An action whose calls ended in chosen ways, for the tests of how the calls went (core.follow.voice_outcomes)."""
from sqlalchemy import select

from core.actions import ActionService, parse_launch
from core.models import Delivery
from lab import factories


def calls_ended(rt, work, endings):
    """An action calling each landline of `endings` ({number: (state, detail, amd_status)}, nearest first), run
    through the console transport (every call answered), then each left as the ledger leaves such an ending.
    Returns (action id, operator id)."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        for rank, number in enumerate(endings):
            factories.participant(session, number, distance_m=100 + 50 * rank)
        request = parse_launch(factories.launch_body(room, operators[0]), 640, 50_000)
        action, _ = ActionService(rt).launch(session, request, "user:dispatcher")
        action_id, operator_id = action.id, operators[0].id
    work()
    with rt.db.session() as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.action_id == action_id)):
            state, detail, amd = endings[delivery.to_e164]
            delivery.state, delivery.detail, delivery.amd_status = state, {**(delivery.detail or {}), **detail}, amd
    return action_id, operator_id
