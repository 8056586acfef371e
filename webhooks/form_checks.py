"""Twilio's form fields have fixed shapes; a signed request whose fields do not match them is a 400.

Twilio ids are two letters and 32 hex digits (CallSid CA..., MessageSid SM..., RecordingSid RE...),
so an id of any other shape cannot name a call or message of ours and must not reach a column sized
for real ones; counts and codes are small whole numbers.
"""
import re

from flask import request

from . import bp

_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_SMALL_NUMBER = re.compile(r"-?[0-9]{1,9}")
NUMBER_FIELDS = ("ErrorCode", "CallDuration", "RecordingDuration", "Duration", "SipResponseCode", "NumSegments")


@bp.before_request
def check_twilio_fields():
    for name, value in request.form.items(multi=True):
        if name.endswith("Sid") and value and not _SID.fullmatch(value):
            return {"error": "validation", "field": name, "reason": "is not a Twilio id"}, 400
        if name in NUMBER_FIELDS and value and not _SMALL_NUMBER.fullmatch(value):
            return {"error": "validation", "field": name, "reason": "must be a whole number"}, 400
    return None
