"""The plan of expanding rings (core.widening): checked at launch, started with the action, shown to the operator."""
from datetime import timedelta

from sqlalchemy import exists, select

from .errors import ValidationError
from .models import InboundCall, Tip, utcnow

MAX_RINGS = 5
MIN_WAIT_MIN, MAX_WAIT_MIN = 1, 120


def check_plan(data, area, max_radius_m):
    """The plan of a launch ({"radii_m": [...], "every_min": n}) as stored: {"radii_m": [...], "every_s": s};
    None when the launch has none."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValidationError("rings", "must be an object with radii_m and every_min")
    if area.get("type") != "circle":
        raise ValidationError("rings", "only a circle can widen by itself")
    radii = data.get("radii_m")
    if not isinstance(radii, list) or not 1 <= len(radii) <= MAX_RINGS:
        raise ValidationError("rings.radii_m", "must list 1 to %(max)s wider radii", max=MAX_RINGS)
    previous = area["radius_m"]
    for index, radius in enumerate(radii):
        field = f"rings.radii_m[{index}]"
        if isinstance(radius, bool) or not isinstance(radius, int):
            raise ValidationError(field, "must be a whole number of metres")
        if radius <= previous:
            raise ValidationError(field, "must be wider than the ring before it (%(radius)s m)", radius=previous)
        if radius > max_radius_m:
            raise ValidationError(field, "may be at most %(max)s m", max=max_radius_m)
        previous = radius
    wait = data.get("every_min")
    if isinstance(wait, bool) or not isinstance(wait, int) or not MIN_WAIT_MIN <= wait <= MAX_WAIT_MIN:
        raise ValidationError("rings.every_min", "must be %(min)s to %(max)s minutes", min=MIN_WAIT_MIN,
                              max=MAX_WAIT_MIN)
    return {"radii_m": list(radii), "every_s": wait * 60}


def start(action, plan):
    """Give a new action its plan: ring 0 is the launch's circle, ring 1 comes after the first wait."""
    if plan is None:
        return
    action.widen_radii = [action.area["radius_m"], *plan["radii_m"]]
    action.widen_every_s = plan["every_s"]
    action.widen_ring = 0
    action.widen_next_at = (action.launched_at or utcnow()) + timedelta(seconds=plan["every_s"])


def responded(session, action_id):
    """Whether anyone responded to the action: a call to the free number about it, or an SMS tip."""
    return session.scalar(select(
        exists().where(InboundCall.action_id == action_id) | exists().where(Tip.action_id == action_id)))


def state_of(session, action):
    """What the follow page and the API show of the plan; None for an action without one."""
    if not action.widen_radii:
        return None
    last = len(action.widen_radii) - 1
    if action.status != "active":
        stopped = "ended"
    elif action.widen_ring >= last:
        stopped = "last_ring"
    elif action.widen_stopped:
        stopped = action.widen_stopped
    elif responded(session, action.id):
        stopped = "response"  # the sweeper records it when the ring falls due
    else:
        stopped = None
    wider = action.widen_radii[action.widen_ring + 1] if action.widen_ring < last else None
    return {"ring": action.widen_ring + 1, "rings": last + 1, "radius_m": action.widen_radii[action.widen_ring],
            "radii_m": list(action.widen_radii), "every_s": action.widen_every_s,
            # The operator may take the wider ring at once even when a response stopped the widening.
            "wider_m": wider if action.status == "active" else None,
            "next_at": None if stopped or action.widen_next_at is None else action.widen_next_at.isoformat(),
            "stopped": stopped}
