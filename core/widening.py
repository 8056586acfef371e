"""Expanding rings: an action that starts small and widens by itself while nobody responds.

A circle action may carry a plan: wider radii, and how long to wait before each. When a ring's time has
come and no response (a free-number call or an SMS tip about the action) has come in, the circle grows
to the next radius through ActionService.change_area, so only the people the wider circle adds are
alerted, nearest first. A response stops the plan; so does the end of the action. The operator can
take the next ring at once ("widen now"), which starts the wait for the one after it again.

The worker's sweeper takes the rings that are due (`widen_due`); the action row's lock and its ring
number make a ring taken by two sweepers, or by a sweeper and the operator, happen once.
"""
import logging
from datetime import timedelta

from sqlalchemy import and_, select

from . import audit
from .actions import ActionService
from .errors import Conflict, NotFound
from .models import Action, utcnow
from .ring_plan import responded

log = logging.getLogger(__name__)

ACTOR = "system:rings"


def widen(runtime, session, action_id, actor, due_ring=None):
    """Take the action's next ring now. `due_ring` is the ring the sweeper found due: when another process
    took it meanwhile, nothing happens and None is returned. Returns the action."""
    action = session.get(Action, action_id, with_for_update=True)
    if action is None:
        raise NotFound("action", action_id)
    if due_ring is not None and (action.widen_ring != due_ring or action.widen_next_at is None
                                 or action.widen_next_at > utcnow()):
        session.rollback()
        return None
    if action.status != "active":
        raise Conflict("action %(id)s has ended", id=action_id)
    if not action.widen_radii or action.widen_ring >= len(action.widen_radii) - 1:
        raise Conflict("this action has no wider ring")
    ring = action.widen_ring + 1
    action.widen_ring = ring
    # After a response stopped the widening, the operator's ring does not start it again.
    more = ring < len(action.widen_radii) - 1 and not action.widen_stopped
    action.widen_next_at = utcnow() + timedelta(seconds=action.widen_every_s) if more else None
    audit.record(session, actor, "widen", "action", action.id,
                 {"ring": ring + 1, "radius_m": action.widen_radii[ring], "by": "rings" if actor == ACTOR else "operator"})
    address = action.area.get("address")  # the centre stays where it is: no new look-up of its address
    area = {"type": "circle", "lat": action.area["lat"], "lon": action.area["lon"],
            "radius_m": action.widen_radii[ring]}
    action, _event, _cancelled = ActionService(runtime).change_area(session, action_id, area, actor)
    if address:
        action.area = {**action.area, "address": address}
        session.commit()
    log.info("action %s: ring %d of %d, %d m", action_id, ring + 1, len(action.widen_radii), area["radius_m"])
    return action


def _stop(session, action_id, due_ring, reason):
    action = session.get(Action, action_id, with_for_update=True)
    if action.widen_ring != due_ring or action.widen_next_at is None:
        session.rollback()
        return
    action.widen_next_at, action.widen_stopped = None, reason
    audit.record(session, ACTOR, "rings-stopped", "action", action_id, {"ring": due_ring + 1, "reason": reason})
    session.commit()


def widen_due(runtime):
    """Take every ring whose time has come, or stop the plan of an action someone responded to; the count
    of rings taken."""
    with runtime.db.session() as session:
        due = session.execute(select(Action.id, Action.widen_ring).where(and_(
            Action.status == "active", Action.widen_next_at.is_not(None), Action.widen_next_at <= utcnow()))).all()
    taken = 0
    for action_id, ring in due:
        with runtime.db.session() as session:
            try:
                if responded(session, action_id):
                    _stop(session, action_id, ring, "response")
                elif widen(runtime, session, action_id, ACTOR, due_ring=ring) is not None:
                    taken += 1
            except Conflict as exc:  # ended meanwhile: its ring is not taken, the others still are
                session.rollback()
                log.info("action %s: ring not taken: %s", action_id, exc)
    return taken
