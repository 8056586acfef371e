"""Voice webhooks: the free number, answered alert calls, flow events, whispers, answering-machine detection
(and the voicemail it puts in place) and call status."""
import logging

from flask import Response, current_app, g, request

from bridge.leases import OperatorLeases
from core.alert_calls import AlertCallLedger
from core.call_records import InboundCallLog
from core.caller_directory import InboundDirectory
from core.genuine_check import PhoneCheckLimits
from core.numbers import mask, normalise_caller_id
from ivr.call_engine import ANSWERED_BY, build_flows, machine_verdict
from ivr.settings import FlowSettings
from ivr.steps import Detected, Started
from ivr.twiml_audio import PromptAudio
from ivr.twiml_calls import CallRecords
from ivr.twiml_runner import TwimlRunner, UnknownCall
from tts_prompts import PromptStore
from twilio_gateway.callbacks import (CALL_STATUS, VOICE_ALERT, VOICE_AMD, VOICE_CURRENT, VOICE_EVENT, VOICE_INBOUND,
                                      VOICE_WHISPER, callback_url)
from twilio_gateway.client import twilio_client_for
from voice.twilio_recordings import enqueue_fetch
from voice.twilio_transport import play_instead
from voice.twilio_status import FINAL_STATUSES, apply_call_status
from web.db_session import runtime

from . import bp
from .prompts import prompt_url

log = logging.getLogger(__name__)

GONE = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'


def twiml(document):
    return Response(document, mimetype="application/xml")


def runner():
    """The app's TwimlRunner, built on first use from its configuration."""
    found = current_app.extensions.get("twilio_runner")
    if found is not None:
        return found
    rt = runtime()
    config = current_app.config
    base = config["PUBLIC_BASE_URL"]
    settings = FlowSettings.from_config(config)
    directory = InboundDirectory(rt.db, config["DEFAULT_REGION"])
    store = PromptStore.from_config(config)
    found = current_app.extensions["twilio_runner"] = TwimlRunner(
        flows=build_flows(directory, settings, PhoneCheckLimits(rt.redis, rt.db, config, config["SECRET_KEY"])),
        prompts=PromptAudio(store, lambda name: prompt_url(base, config["SECRET_KEY"], name)),
        records=CallRecords(rt.redis, config["QUEUE_PREFIX"]),
        urls=lambda path, **query: callback_url(base, path, **query),
        call_log=InboundCallLog(rt.db), alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, config["QUEUE_PREFIX"], config["OPERATOR_LEASE_S"]),
        paths={"event": VOICE_EVENT, "whisper": VOICE_WHISPER},
        region=config["DEFAULT_REGION"], default_language=settings.default_language,
        on_tip_saved=lambda tip_id: enqueue_fetch(rt, tip_id))
    return found


def _call_sid():
    return (request.form.get("CallSid") or "").strip() or None


def _bad(reason):
    return {"error": "bad_request", "reason": reason}, 400


@bp.post(VOICE_INBOUND)
def inbound_call():
    """A call to the free number: caller identification, menu, code, routing, tip."""
    sid = _call_sid()
    if sid is None:
        return _bad("CallSid: missing")
    return _start("inbound", sid, request.form.get("From"), dialled=request.form.get("To"))


@bp.post(VOICE_ALERT)
def alert_call():
    """A participant answered an alert call: play the alert, then press 1 / press 2."""
    sid = _call_sid()
    delivery_id = request.args.get("delivery", type=int)
    if sid is None or delivery_id is None:
        return _bad("CallSid and ?delivery= are required")
    return _start("alert", sid, request.form.get("To"), attempt=request.args.get("call"), delivery_id=delivery_id)


def _start(flow, sid, participant_number, attempt=None, **facts):
    """Run `flow` for a call that just reached it; `participant_number` is the caller on the free
    number, the called number on an alert call."""
    caller = normalise_caller_id(participant_number, current_app.config["DEFAULT_REGION"])
    log.info("%s call %s with %s", flow, sid, mask(caller))
    return twiml(runner().start(flow, sid, Started(call_ref=sid, caller=caller, **facts), attempt=attempt))


@bp.post(VOICE_EVENT)
def flow_event():
    """A <Gather>, <Dial> or <Record> finished: advance the call's flow."""
    sid = _call_sid()
    seq = request.args.get("seq", type=int)
    if sid is None or seq is None:
        return _bad("CallSid and ?seq= are required")
    try:
        document = runner().resume(sid, seq, request.args.get("kind"), request.form,
                                   at=request.args.get("at", type=int))
    except UnknownCall:
        log.warning("flow event for call %s, which has no state (expired?): hung up", sid)
        return twiml(GONE)
    except ValueError as exc:
        return _bad(str(exc))
    return twiml(document)


@bp.post(VOICE_WHISPER)
def whisper():
    """An operator picked up: what they hear before the caller is connected (the others rung with
    them are free again from here on)."""
    parent = request.args.get("parent")
    seq = request.args.get("seq", type=int)
    if not parent or seq is None:
        return _bad("?parent= and ?seq= are required")
    return twiml(runner().whisper(parent, seq, request.form.get("To")))


@bp.post(VOICE_AMD)
def machine_detection():
    """Asynchronous answering-machine detection ended on an alert or closing call (AnsweredBy): a
    machine, its greeting and beep over, gets the voicemail in place of what plays; a person, or a
    line detection is not sure of, goes on as it is. The verdict is kept in the ledger either way."""
    sid = _call_sid()
    if sid is None:
        return _bad("CallSid: missing")
    answered_by = (request.form.get("AnsweredBy") or "").strip()
    verdict = machine_verdict("twilio", answered_by)
    if verdict is None:
        return _bad(f"AnsweredBy: expected one of {', '.join(ANSWERED_BY['twilio'])}")
    document = runner().detected(sid, Detected(verdict, answered_by))
    if document is not None:
        log.info("call %s reached a machine (%s): voicemail", sid, answered_by)
        play_instead(twilio_client_for(current_app.config, *g.twilio_account), sid,
                     callback_url(current_app.config["PUBLIC_BASE_URL"], VOICE_CURRENT))
    return "", 204


@bp.post(VOICE_CURRENT)
def current_document():
    """Twilio fetches what a call update put in place (the voicemail of machine_detection); a call already over
    hangs up."""
    sid = _call_sid()
    if sid is None:
        return _bad("CallSid: missing")
    document = runner().current(sid)
    return twiml(GONE if document is None else document)


@bp.post(CALL_STATUS)
def call_status():
    """A call's progress: the ledger for alert and closing calls; the end of any call's flow."""
    sid = _call_sid()
    if sid is None:
        return _bad("CallSid: missing")
    delivery_id = request.args.get("delivery", type=int)
    attempt = request.args.get("call")
    if delivery_id is not None and attempt:
        rt = runtime()
        with rt.db.session() as session:
            apply_call_status(rt, session, delivery_id, attempt, request.form)
    if request.form.get("CallStatus") in FINAL_STATUSES:
        runner().hung_up(sid)
    return "", 204
