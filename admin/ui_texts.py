"""The words the web's scripts write into pages (admin/static/js), in the page's language.

base.html puts them in a JSON block (id="ui-texts") that the scripts read through UitkijkText.t(key, values);
"{name}" in a text is filled in by the script.
"""
from flask_babel import gettext as _


def ui_texts():
    return {
        "channel.voice": _("Voice call"), "channel.sms": _("SMS"), "channel.email": _("E-mail"),
        "purpose.alert": _("Alert"), "purpose.closing": _("Closing"),
        "progress.nobody": _("Nobody lives or works in this area: no messages."),
        "calls.none": _("No calls yet."), "tips.none": _("No tips yet."),
        "calls.alerted": _("alerted by this action"), "calls.not_alerted": _("not alerted"),
        "calls.put_through": _("put through to {operator}"), "calls.the_room": _("the control room"),
        "calls.in_progress": _("in progress"),
        "tips.voice": _("By phone"), "tips.recording": _("{seconds} s recording"),
        "tips.fetching": _("Recording being fetched…"),
        "live.updated": _("updated {time}"), "live.lost": _("connection lost; retrying"),
        "map.centre": _("Centre of the area"),
        "estimate.corners": _("Click the map to place the corners of the area (at least three)."),
        "estimate.fewer": _("fewer than {count}"),
        "estimate.failed": _("Could not count the reach; check the connection."),
        "sms.language.nl": _("Dutch"), "sms.language.en": _("English"), "sms.language.de": _("German"),
        "sms.segment": _("{count} segment"), "sms.segments": _("{count} segments"),
        "sms.shortened": _("shortened to fit"),
        "timeline.first_response": _("first response"), "timeline.first_bridged": _("first caller put through"),
        "timeline.axis": _("time since the launch"),
        "timeline.events": _("First message sent: {sent} · first response: {response} (free number {call}, "
                             "SMS reply {sms}) · first caller put through: {bridged}"),
        "rings.current": _("Ring {ring} of {rings}: {metres} m"),
        "rings.next": _("Next ring: {metres} m at {time}, if nobody responds before then."),
        "rings.response": _("The widening stopped: a response came in."),
        "rings.last_ring": _("This is the last ring."), "rings.ended": _("The widening stopped: the action has ended."),
        "rings.widen": _("Widen now to {metres} m"),
        "voice.person": _("Answered by a person"), "voice.voicemail": _("Voicemail left"), "voice.busy": _("Busy"),
        "voice.no_answer": _("No answer"), "voice.failed": _("Failed"), "voice.calling": _("Still calling"),
        "voice.listened": _("{seconds} s listened on average"), "voice.key": _("key {key}: {count}"),
        "voice.amd": _("Detection said: {verdicts}"), "amd.human": _("a person"), "amd.machine": _("a machine"),
        "amd.notsure": _("not sure"), "amd.key": _("a key pressed"),
        "duration.seconds": _("{seconds} s"), "duration.minutes": _("{minutes} min {seconds} s"),
    }
