"""Tunables of the call flows, read from the configuration (typed, with their defaults, in core.config)."""
from dataclasses import dataclass

from core.config import default, effective


@dataclass(frozen=True)
class FlowSettings:
    default_language: str = default("IVR_DEFAULT_LANGUAGE")
    # Language the actions' titles are rendered in at launch (titles are typed by operators).
    title_language: str = default("IVR_TITLE_LANGUAGE")
    ring_s: int = default("IVR_RING_S")  # an operator rings this long before the next stage
    control_room_ring_s: int = default("IVR_CONTROL_ROOM_RING_S")
    menu_timeout_s: int = default("IVR_MENU_TIMEOUT_S")
    code_timeout_s: int = default("IVR_CODE_TIMEOUT_S")
    max_tries: int = default("IVR_MAX_TRIES")
    tip_max_s: int = default("IVR_TIP_MAX_S")
    min_tip_s: float = 1.0  # shorter recordings are an accidental key press, not a tip
    # Put callers through to the control room's general line when there is no active action.
    idle_to_general_line: bool = default("IVR_IDLE_TO_GENERAL_LINE")

    @classmethod
    def from_config(cls, config):
        config = effective(config)
        return cls(
            default_language=config["IVR_DEFAULT_LANGUAGE"], title_language=config["IVR_TITLE_LANGUAGE"],
            ring_s=config["IVR_RING_S"], control_room_ring_s=config["IVR_CONTROL_ROOM_RING_S"],
            menu_timeout_s=config["IVR_MENU_TIMEOUT_S"], code_timeout_s=config["IVR_CODE_TIMEOUT_S"],
            max_tries=config["IVR_MAX_TRIES"], tip_max_s=config["IVR_TIP_MAX_S"],
            idle_to_general_line=config["IVR_IDLE_TO_GENERAL_LINE"],
        )
