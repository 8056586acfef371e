"""What people are shown for the core's identifiers: an action's kind and result, a delivery's channel,
purpose and state.

The identifiers (burglary, suspect_caught) stay in the database, the API's JSON and the logs; the words here are
English msgids marked for the catalogue, which the web, the API and the CLI render in the reader's language
(gettext, or web.i18n.reason_text when a Reason carries one).
"""
from .errors import N_

ACTION_KIND_LABELS = {"burglary": N_("Burglary"), "robbery": N_("Robbery"), "missing_person": N_("Missing person"),
                      "vehicle": N_("Vehicle"), "amber_alert": N_("AMBER Alert"), "information": N_("Information")}
ACTION_RESULT_LABELS = {"suspect_caught": N_("Suspect caught"), "person_found": N_("Person found"),
                        "not_found": N_("Nobody found"), "cancelled": N_("Cancelled")}
# A delivery (core.models.Delivery): the reach report's page and its CSV name them alike.
CHANNEL_LABELS = {"voice": N_("Voice call"), "sms": N_("SMS"), "email": N_("E-mail")}
PURPOSE_LABELS = {"alert": N_("Alert"), "closing": N_("Closing message")}
DELIVERY_STATE_LABELS = {"queued": N_("queued"), "sending": N_("sending"), "sent": N_("sent"),
                         "delivered": N_("delivered"), "answered": N_("answered"), "voicemail": N_("voicemail"),
                         "failed": N_("failed"), "cancelled": N_("cancelled"), "bounced": N_("bounced")}
# An escalation's reason (core.escalation: "voice:no_answer") and a cancellation's "reached by sms", in a sentence:
# the channel mid-sentence (Dutch writes "sms" there, and "Sms" as a label) and why it did not reach them.
VIA_LABELS = {"voice": N_("voice"), "sms": N_("text message"), "email": N_("e-mail")}
# What answering-machine detection said of a call (core.alert_calls.AMD_STATUSES), as the follow page says it.
AMD_STATUS_LABELS = {"human": N_("a person"), "machine": N_("a machine"), "notsure": N_("not sure"),
                     "key": N_("a key pressed")}
ESCALATION_CAUSE_LABELS = {"voicemail": N_("voicemail left"), "busy": N_("busy"), "no_answer": N_("no answer"),
                           "failed": N_("failed")}
