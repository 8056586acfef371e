"""Record the AMI events of one alert-style Originate per lab outcome, for the replay unit tests.

    python -m lab.record_ami_events tests/fixtures/ami

Each Originate uses ActionID = ChannelId = `rec-7-001` (as voice.call_events does); every event
of the call is written as `Key: Value` lines, one blank line between events, in arrival order.
Beside them, `channels_up.concise.txt`: Asterisk's `core show channels concise` while an answered
call of that id is up (what the call service asks when it cannot tell whether Asterisk took a call).
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

from lab.asterisk import AsteriskLab, ensure_root

CALL_ID = "rec-7-001"
# file stem -> (lab number, ring timeout, extra variables)
OUTCOMES = {
    "answered": ("31201234501", 5, {"LAB_LISTEN": 1}),
    "busy": ("31201234503", 5, {}),
    "no_answer": ("31201234504", 1, {}),
    "congestion": ("31201234506", 5, {}),
    "not_in_service": ("31201234508", 5, {}),
}


def record(lab: AsteriskLab, number: str, ring_timeout: float, variables: dict) -> list[dict]:
    events: list[dict] = []
    done = threading.Event()

    def collect(event) -> None:
        if (event.get("Uniqueid") or "").startswith(CALL_ID) or event.get("ActionID") == CALL_ID:
            events.append(dict(event.headers))
            if event.name == "Hangup" and event.get("Uniqueid") == CALL_ID:
                done.set()

    client = lab.ami_client()
    client.subscribe("*", collect)
    client.connect()
    try:
        client.originate(f"Local/{number}@lab-pstn", context="lab-hold", ring_timeout=ring_timeout,
                         variables={"LAB_HOLD": 30, **variables}, action_id=CALL_ID, channel_id=CALL_ID)
        if not done.wait(30):
            raise RuntimeError(f"no Hangup for the call to {number}")
        done.wait(0.5)  # the events that follow the hang-up
    finally:
        client.close()
    return events


def record_channels_up(lab: AsteriskLab) -> str:
    """`core show channels concise` while an answered call (ChannelId `rec-7-001`) is up."""
    client = lab.ami_client()
    up = threading.Event()
    client.subscribe("Newstate", lambda event: up.set() if event.get("Uniqueid") == CALL_ID
                     and event.get("ChannelStateDesc") == "Up" else None)
    client.connect()
    try:
        client.originate("Local/31201234501@lab-pstn", context="lab-hold", ring_timeout=5,
                         variables={"LAB_HOLD": 30, "LAB_LISTEN": 5}, action_id=CALL_ID, channel_id=CALL_ID)
        if not up.wait(30):
            raise RuntimeError("the call to 31201234501 was not answered")
        listing = client.command("core show channels concise")
        client.command("channel request hangup all")
    finally:
        client.close()
    return listing + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "tests/fixtures/ami")
    out.mkdir(parents=True, exist_ok=True)
    lab = AsteriskLab(ensure_root())
    lab.start()
    try:
        for stem, (number, ring, variables) in OUTCOMES.items():
            events = record(lab, number, ring, variables)
            text = "\n".join("".join(f"{k}: {v}\n" for k, v in event.items()) for event in events)
            (out / f"{stem}.events.txt").write_text(text)
            print(f"{stem}: {len(events)} events")
        (out / "channels_up.concise.txt").write_text(record_channels_up(lab))
    finally:
        lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
