"""What callers hear, as an admin keeps it on the web: every fixed prompt per language with whether an
uploaded recording replaces the speech, the audio as callers hear it, and installing or removing a
recording (checked and converted by tts_prompts; audited). Prompts are national: a token bound to a
control room may read but not change them."""
from flask import current_app, g, jsonify, request, send_file
from flask_babel import gettext

from core import audit
from core.errors import NotFound, ValidationError
from tts_prompts import (LANGUAGES, InvalidRecording, PromptStore, SpeechEngineError, UnknownPrompt,
                         UnsupportedLanguage, all_prompts, prompt_text)
from web.db_session import session

from . import bp, national_only, requires

MAX_RECORDING_BYTES = 10 * 1024 * 1024


def _store():
    return PromptStore.from_config(current_app.config)


def _prompt(store, language, prompt_id):
    """(text, recorded) of a known prompt; NotFound for an unknown prompt or language."""
    try:
        return prompt_text(prompt_id, language), store.has_recording(prompt_id, language)
    except (UnknownPrompt, UnsupportedLanguage):
        raise NotFound("prompt", f"{language}/{prompt_id}") from None


def prompt_payload(prompt_id, language, text, recorded):
    return {"id": prompt_id, "language": language, "text": text, "recorded": recorded}


def _audit(verb, language, prompt_id, detail=None):
    db = session()
    audit.record(db, g.api_actor, verb, "prompt", f"{language}/{prompt_id}", detail)
    db.commit()


@bp.get("/prompts")
@requires("configuration")
def list_prompts():
    language = request.args.get("language")
    if language is not None and language not in LANGUAGES:
        raise ValidationError("language", "must be one of %(choices)s", choices=", ".join(LANGUAGES))
    store = _store()
    return jsonify([prompt_payload(pid, lang, text, store.has_recording(pid, lang))
                    for pid, lang, text in all_prompts() if language in (None, lang)])


@bp.get("/prompts/<language>/<prompt_id>/audio")
@requires("configuration")
def prompt_audio(language, prompt_id):
    """The prompt as callers hear it: the uploaded recording, else the speech (?speech=1: the speech)."""
    store = _store()
    _, recorded = _prompt(store, language, prompt_id)
    try:
        rendered = store.lookup(prompt_id, language) if recorded and not request.args.get("speech") \
            else store.render_prompt(prompt_id, language)
    except SpeechEngineError as exc:
        return jsonify(error="unavailable", reason=gettext("the speech engine failed: %(error)s", error=str(exc))), 503
    return send_file(rendered.wav_path, mimetype="audio/wav", conditional=True)


@bp.put("/prompts/<language>/<prompt_id>/recording")
@requires("configuration")
def install_recording(language, prompt_id):
    """The request body is the audio (WAV, MP3, OGG …): it replaces the speech for every caller."""
    national_only("prompts")
    store = _store()
    text, _ = _prompt(store, language, prompt_id)
    data = request.get_data(cache=False)
    if not data:
        raise ValidationError("recording", "send the audio as the request body")
    if len(data) > MAX_RECORDING_BYTES:
        raise ValidationError("recording", "is larger than %(mb)s MB", mb=MAX_RECORDING_BYTES // (1024 * 1024))
    try:
        rendered = store.install_recording(prompt_id, language, data)
    except InvalidRecording as exc:
        raise ValidationError("recording", str(exc)) from None
    _audit("upload-recording", language, prompt_id, {"duration_s": round(rendered.duration_s, 1)})
    return jsonify({**prompt_payload(prompt_id, language, text, True), "duration_s": round(rendered.duration_s, 2)})


@bp.delete("/prompts/<language>/<prompt_id>/recording")
@requires("configuration")
def remove_recording(language, prompt_id):
    """The speech engine speaks the prompt again; 204 also when no recording was installed."""
    national_only("prompts")
    store = _store()
    _prompt(store, language, prompt_id)
    if store.remove_recording(prompt_id, language):
        _audit("remove-recording", language, prompt_id)
    return "", 204
