"""Which control room someone acts for: an operator account for its operator's room, an API token bound
to a room for that room, admins and unbound tokens for every room.

Another room's action is answered as not found (not "forbidden"), so nobody learns which actions
other rooms run; a launch for another room or another room's operator is refused by field.
"""
from .errors import N_, NotFound, ValidationError
from .models import Operator


class NotBound(PermissionError):
    """An operator account that names no operator: it cannot act for any room."""


class RoomScope:
    def __init__(self, room_id=None):
        self.room_id = room_id  # None: every room

    @classmethod
    def for_user(cls, session, user):
        if user.role == "admin":
            return cls()
        operator = session.get(Operator, user.operator_id) if user.operator_id else None
        if operator is None:
            raise NotBound(N_("this operator account is not linked to an operator; an admin links it"))
        return cls(operator.control_room_id)

    @property
    def restricted(self):
        return self.room_id is not None

    def allows(self, action):
        return not self.restricted or action.control_room_id == self.room_id

    def check(self, action):
        """`action`, or NotFound when it is another room's."""
        if not self.allows(action):
            raise NotFound("action", action.id)
        return action

    def visible(self, actions):
        return [a for a in actions if self.allows(a)]

    def check_launch(self, session, control_room_id, operator_id):
        """Refuse a launch for another room, or naming an operator of another room."""
        if not self.restricted:
            return
        if control_room_id != self.room_id:
            raise ValidationError("control_room_id", "you can launch only for your own control room")
        operator = session.get(Operator, operator_id) if isinstance(operator_id, int) else None
        if operator is None or operator.control_room_id != self.room_id:
            raise ValidationError("operator_id", "must be an operator of your own control room")

    def rooms(self, rooms):
        return [r for r in rooms if not self.restricted or r.id == self.room_id]

    def operators(self, operators):
        return [o for o in operators if not self.restricted or o.control_room_id == self.room_id]
