"""Tunables of the call flows, read from the configuration (defaults here)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class FlowSettings:
    default_language: str = "nl"
    # Language the actions' titles are rendered in at launch (titles are typed by operators).
    title_language: str = "nl"
    ring_s: int = 20  # an operator rings this long before the next stage
    control_room_ring_s: int = 30
    menu_timeout_s: int = 6
    code_timeout_s: int = 10
    max_tries: int = 3
    tip_max_s: int = 120
    min_tip_s: float = 1.0  # shorter recordings are an accidental key press, not a tip
    # Put callers through to the control room's general line when there is no active action.
    idle_to_general_line: bool = True

    @classmethod
    def from_config(cls, config):
        def number(key, default):
            value = int(config.get(key, default))
            if value < 1:
                raise ValueError(f"{key} must be at least 1, not {value}")
            return value
        idle = config.get("IVR_IDLE_TO_GENERAL_LINE", True)
        if isinstance(idle, str):
            idle = idle.strip().lower() not in {"0", "false", "no", "off", ""}
        return cls(
            default_language=config.get("IVR_DEFAULT_LANGUAGE", "nl"),
            title_language=config.get("IVR_TITLE_LANGUAGE", "nl"),
            ring_s=number("IVR_RING_S", cls.ring_s),
            control_room_ring_s=number("IVR_CONTROL_ROOM_RING_S", cls.control_room_ring_s),
            menu_timeout_s=number("IVR_MENU_TIMEOUT_S", cls.menu_timeout_s),
            code_timeout_s=number("IVR_CODE_TIMEOUT_S", cls.code_timeout_s),
            max_tries=number("IVR_MAX_TRIES", cls.max_tries),
            tip_max_s=number("IVR_TIP_MAX_S", cls.tip_max_s),
            idle_to_general_line=bool(idle),
        )
