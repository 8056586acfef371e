"""How Asterisk rings a Dial step: the Dial() argument with the whisper, and reading its result.

The whisper plays on the operator's channel after they answer and before the caller is bridged,
through Dial's U() option. Asterisk runs `U(ctx^a^b)` as `Gosub(ctx,s,1(a,b))` (the extension is
always `s`), so the subroutine is `uitkijk-operator,s,1` of asterisk_conf, ARG1 being a `&`-joined
list of sound files that Playback plays in order.
"""
from asterisk_conf.model import check_dial_string

WHISPER_GOSUB = "uitkijk-operator"

# DIALSTATUS -> the flows' dial status. CANCEL (the caller hung up while it rang) is reported as
# a hangup by the runner, not here.
DIAL_STATUS = {
    "ANSWER": "answered",
    "BUSY": "busy",
    "NOANSWER": "noanswer",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "DONTCALL": "failed",
    "TORTURE": "failed",
    "INVALIDARGS": "failed",
}


def dial_argument(dial_strings, timeout_s, whisper_files=()):
    """The argument of Dial(): `A&B,<timeout>[,U(whisper)]`. Raises ValueError on unsafe input."""
    if not dial_strings:
        raise ValueError("nothing to dial")
    for dial_string in dial_strings:
        check_dial_string(dial_string)
    if not isinstance(timeout_s, int) or timeout_s < 1:
        raise ValueError(f"invalid ring timeout {timeout_s!r}")
    argument = f"{'&'.join(dial_strings)},{timeout_s}"
    if whisper_files:
        for path in whisper_files:
            if not path or any(ch in path for ch in ",^&()|\"' \n\r;"):
                raise ValueError(f"unsafe whisper file name {path!r}")
        argument += f",U({WHISPER_GOSUB}^{'&'.join(whisper_files)})"
    return argument


def dial_status(asterisk_status):
    """The flows' status for a DIALSTATUS value; unknown values count as failed."""
    return DIAL_STATUS.get((asterisk_status or "").strip().upper(), "failed")


def answered_by(dialled_peer, dial_strings):
    """Which of `dial_strings` DIALEDPEERNUMBER names (it is the dial string without its `Tech/`)."""
    if not dialled_peer:
        return None
    for dial_string in dial_strings:
        if dial_string.split("/", 1)[-1] == dialled_peer or dial_string == dialled_peer:
            return dial_string
    return None
