"""Prompt audio for Twilio's <Play>: the same files Asterisk plays, from the prompt store.

Twilio fetches media without signing the request, so this route is the one the signature check
lets through. It serves only .wav files inside PROMPT_DIR, whose names are content hashes (or
the ids of admin-uploaded recordings of fixed prompts), nothing else.
"""
from flask import abort, current_app, send_from_directory

from twilio_gateway.callbacks import PROMPTS

from . import bp


@bp.get(f"{PROMPTS}/<path:name>")
def prompt_audio(name):
    if not name.endswith(".wav"):
        abort(404)
    return send_from_directory(current_app.config["PROMPT_DIR"], name, mimetype="audio/wav", max_age=3600)
