"""How Asterisk rings a Dial step: the Dial() argument with the whisper, and reading its result.

The whisper plays on the operator's channel after they answer and before the caller is bridged,
through Dial's U() option. Asterisk runs `U(ctx^a^b)` as `Gosub(ctx,s,1(a,b))` (the extension is
always `s`), so the subroutine is `uitkijk-operator,s,1` of asterisk_conf, ARG1 being a `&`-joined
list of sound files that Playback plays in order. ARG2, when set, is the caller's call ref: the
subroutine then tells the FastAGI server who answered (`AGI(.../answered,<call ref>,<DIALEDPEERNUMBER>)`),
which frees the leases of the operators rung with them (bridge.leases).
"""
import re

from core.asterisk_values import check_dial_string

WHISPER_GOSUB = "uitkijk-operator"
_CALL_REF = re.compile(r"[A-Za-z0-9._-]{1,64}")

def dial_argument(dial_strings, timeout_s, whisper_files=(), answered_ref=None):
    """The argument of Dial(): `A&B,<timeout>[,U(uitkijk-operator^<whisper>[^<answered_ref>])]`.

    With `answered_ref` (a call ref) the answering operator's channel reports who answered, before
    the whisper. Raises ValueError on unsafe input."""
    if not dial_strings:
        raise ValueError("nothing to dial")
    for dial_string in dial_strings:
        check_dial_string(dial_string)
    if not isinstance(timeout_s, int) or timeout_s < 1:
        raise ValueError(f"invalid ring timeout {timeout_s!r}")
    for path in whisper_files:
        if not path or any(ch in path for ch in ",^&()|\"' \n\r;"):
            raise ValueError(f"unsafe whisper file name {path!r}")
    if answered_ref is not None and not _CALL_REF.fullmatch(answered_ref):
        raise ValueError(f"unsafe call ref {answered_ref!r}")
    argument = f"{'&'.join(dial_strings)},{timeout_s}"
    if answered_ref:
        argument += f",U({WHISPER_GOSUB}^{'&'.join(whisper_files)}^{answered_ref})"
    elif whisper_files:
        argument += f",U({WHISPER_GOSUB}^{'&'.join(whisper_files)})"
    return argument


def answered_by(dialled_peer, dial_strings):
    """Which of `dial_strings` DIALEDPEERNUMBER names (it is the dial string without its `Tech/`)."""
    if not dialled_peer:
        return None
    for dial_string in dial_strings:
        if dial_string.split("/", 1)[-1] == dialled_peer or dial_string == dialled_peer:
            return dial_string
    return None
