"""Where a free-number call about an action may be put through to: its handling operator, the other
operators of its control room (with their availability), and the room's general line."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select

from .models import Action, ControlRoom, Operator


@dataclass(frozen=True)
class OperatorRef:
    id: int
    dial_string: str
    available: bool


@dataclass(frozen=True)
class RouteInfo:
    """Everyone a call about one action may be put through to, in the order of the bridge."""

    action_id: int
    handler: OperatorRef | None
    others: tuple[OperatorRef, ...]
    general_line: str | None



def routes_of(conn, which):
    """RouteInfo of the actions `which` selects, by action id, in one statement (the handler is
    joined even when they moved to another control room)."""
    rows = conn.execute(
        select(Action.id.label("action_id"), Action.operator_id, ControlRoom.general_line, Operator.id,
               Operator.dial_string, Operator.available)
        .join(ControlRoom, ControlRoom.id == Action.control_room_id)
        .outerjoin(Operator, or_(Operator.control_room_id == ControlRoom.id, Operator.id == Action.operator_id))
        .where(which).order_by(Action.id, Operator.id)).all()
    by_action = defaultdict(list)
    for row in rows:
        by_action[row.action_id].append(row)
    routes = {}
    for action_id, rows in by_action.items():
        refs = {row.id: OperatorRef(row.id, row.dial_string, row.available) for row in rows if row.id is not None}
        handler = refs.pop(rows[0].operator_id, None)
        routes[action_id] = RouteInfo(action_id, handler, tuple(refs.values()), rows[0].general_line)
    return routes
