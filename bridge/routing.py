"""The order in which a call about an action rings people, as plain JSON stages a flow can keep.

1. the handling operator (if available),
2. the other available operators of the action's control room, rung together,
3. the control room's general line.
An operator marked away is skipped; a busy one is skipped when the call is dialled (see leases).
"""
from core.call_routes import RouteInfo


def plan_route(route: RouteInfo, ring_s: int, control_room_ring_s: int) -> list[dict]:
    """The stages to try in order, each {"stage", "targets": [[dial_string, operator_id]], "timeout_s"}."""
    if ring_s < 1 or control_room_ring_s < 1:
        raise ValueError("ring times must be at least one second")
    stages = []
    if route.handler is not None and route.handler.available:
        stages.append({"stage": "operator", "targets": [[route.handler.dial_string, route.handler.id]],
                       "timeout_s": ring_s})
    others = [[op.dial_string, op.id] for op in route.others if op.available]
    if others:
        stages.append({"stage": "others", "targets": others, "timeout_s": ring_s})
    if route.general_line:
        stages.append({"stage": "control_room", "targets": [[route.general_line, None]],
                       "timeout_s": control_room_ring_s})
    return stages

