"""Escalation across channels: one table both back-ends are held to, as tests/call_scenarios.py is for calls.

A landline participant who has a mobile too is alerted on a kind that escalates (voice, then SMS) with one
attempt. tests/asterisk/test_escalation_lab.py runs each row whose SMS follows the call through the real lab
Asterisk (the lab phone's behaviour, the console SMS transport's outbox); tests/twilio/test_twilio_escalation.py
runs every row through Twilio's signed callbacks, with what Prism's Messages API received. In `reason`, None
means no SMS is sent: what was still queued for the participant on the mobile is cancelled instead.
"""
from dataclasses import dataclass

from tests.call_scenarios import MACHINE

NOBODY, PERSON = "04", "01"  # the lab's behaviour digits (asterisk_conf/README.md): rings out; answers, listens
MOBILE = "+31612345678"
# The kind's policy every row runs with: the landline first, the mobile only if need be, one attempt (the last).
POLICY = {"escalate": "on", "escalation_order": "voice,sms", "max_attempts": 1}


@dataclass(frozen=True)
class Escalation:
    name: str
    answers_as: str  # the landline: NOBODY answers, a MACHINE (on a trunk that detects), a PERSON
    call_state: str  # the call's delivery afterwards
    reason: str | None  # the SMS's reason in the ledger (escalated from the call); None: no SMS
    cancelled: str | None = None  # the queued SMS's error once the call reached the participant

    @property
    def detects(self):
        """The room's trunk detects answering machines (the machine's row)."""
        return self.answers_as == MACHINE


ROWS = (
    Escalation("nobody answers, the SMS at once", NOBODY, "failed", "voice:no_answer"),
    Escalation("a machine takes the voicemail, the SMS at once", MACHINE, "voicemail", "voice:voicemail"),
    Escalation("a person answers, the queued SMS cancelled", PERSON, "answered", None, cancelled="reached by voice"),
)
