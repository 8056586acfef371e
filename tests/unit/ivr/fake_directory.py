"""A table-driven stand-in for core.caller_directory.InboundDirectory, for the flow tables."""
from dataclasses import dataclass, field

from core.call_routes import OperatorRef, RouteInfo
from core.caller_directory import ActionSummary, AlertCall, CallerMatch

BURGLARY = ActionSummary(id=1, code="4711", title="Inbraak Weesp", status="active", control_room_id=1,
                         alert_prompt="nl/alert1")
MISSING = ActionSummary(id=2, code="5822", title="Vermiste jongen", status="active", control_room_id=1)
ENDED = ActionSummary(id=3, code="9000", title="Oud", status="ended", control_room_id=1)

HANDLER = OperatorRef(11, "Local/31209990001@lab-pstn", True)
COLLEAGUE = OperatorRef(12, "Local/31209990002@lab-pstn", True)
AWAY = OperatorRef(13, "Local/31209990003@lab-pstn", False)
SECOND_COLLEAGUE = OperatorRef(14, "Local/31209990004@lab-pstn", True)
GENERAL = "Local/31209990000@lab-pstn"


@dataclass
class FakeDirectory:
    callers: dict = field(default_factory=dict)  # e164 -> (participant_id, language, actions[, ended])
    actions: tuple = (BURGLARY, MISSING, ENDED)
    routes: dict = field(default_factory=dict)  # action id -> RouteInfo
    idle: str | None = GENERAL
    alerts: dict = field(default_factory=dict)  # delivery id -> AlertCall

    def identify(self, caller):
        pid, language, actions, *ended = self.callers.get(caller, (None, None, ()))
        return CallerMatch(pid, language, tuple(actions), tuple(*ended))

    def action_by_code(self, code):
        found = [a for a in self.actions if a.code == code]
        found.sort(key=lambda a: a.status != "active")
        return found[0] if found else None

    def has_active_actions(self):
        return any(a.status == "active" for a in self.actions)

    def route(self, action_id):
        return self.routes.get(action_id, RouteInfo(action_id, HANDLER, (COLLEAGUE, AWAY), GENERAL))

    def idle_line(self, dialled=None):
        return self.idle

    def alert_call(self, delivery_id):
        return self.alerts.get(delivery_id)


def alert_call(delivery_id=7, action=BURGLARY, language="nl", mobile=False):
    return AlertCall(delivery_id, 21, language, action, f"Alert text of {action.code}", prompt=action.alert_prompt,
                     free_number="0800 0011", mobile=mobile)


def closing_call(delivery_id=8, action=ENDED, language="nl"):
    return AlertCall(delivery_id, 21, language, action, f"Closing text of {action.code}", purpose="closing",
                     prompt="nl/closing9000")
