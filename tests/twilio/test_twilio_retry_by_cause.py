"""Twilio's signed call status callbacks lead to retries by cause, as the action kind's policy says."""
import pytest

from core import runtime
from core.retry_policy import save_policy

from twilio_flows import LANDLINE, LANDLINE_E164, deliveries, launch


def _status(delivery, status):
    return (f"/webhooks/twilio/voice/status?delivery={delivery.id}&call={delivery.provider_ref}",
            {"CallSid": delivery.detail["call_sid"], "CallStatus": status, "To": LANDLINE_E164})


@pytest.mark.parametrize("status, outcome, wait", [("busy", "busy", 90), ("no-answer", "no answer", 600),
                                                   ("canceled", "interrupted", 45)])
def test_each_status_waits_its_kinds_time(twilio_app, twilio_post, work, status, outcome, wait):
    """busy, no-answer and a canceled call (a failed attempt) queue the burglary's call again after the burglary's
    wait for that cause, with at most a tenth more of jitter."""
    rt = runtime.get()
    with rt.db.session() as session:
        save_policy(session, rt.config, "burglary",
                    {"busy_retry_s": 90, "no_answer_retry_s": 600, "failed_retry_s": 45}, "admin")
    ids = launch(rt, ((LANDLINE, 400),))
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert twilio_post(*_status(delivery, status)).status_code == 204
    [after] = deliveries(rt, ids["action"])
    assert (after.state, after.error) == ("queued", outcome)
    assert wait - 1 <= (after.not_before - after.updated_at).total_seconds() <= wait * 1.1
