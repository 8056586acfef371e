"""The language switcher in the top bar: remembered in a cookie, and on the account of a signed-in user."""
from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _, refresh

from core import audit
from core.accounts import set_language
from web import i18n
from web.db_session import session as db_session

from .auth import current_user, safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose():
    language = request.form.get("language", "")
    if language not in i18n.PUBLIC_LANGUAGES:
        return render_template("errors/error.html", code=400, title=_("Unknown language"),
                               text=_("language: choose one of the languages offered.")), 400
    user = current_user()
    if user is not None and language in i18n.LANGUAGES:  # German is the public pages' only
        db = db_session()
        set_language(db, user, language)
        audit.record(db, f"user:{user.email}", "update", "user", user.id, {"changed": ["language"]})
        db.commit()
    refresh()
    return i18n.remember(redirect(safe_next(request.form.get("next"), "/")), language)
