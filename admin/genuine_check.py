"""The public page that proves an alert genuine (/echt): type the code from the call or message, see
whether the police sent it, about what and whether it is still on. No sign-in, no personal data."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from core import genuine_check
from core.errors import ValidationError
from web.db_session import runtime, session

from .actions import kind_labels

bp = Blueprint("genuine_check", __name__)


def _page(code="", alert=None, error=None, refused=False, looked_up=False, status=200):
    return render_template("public/genuine_check.html", code=code, alert=alert, error=error, refused=refused,
                           looked_up=looked_up, kinds=kind_labels()), status


@bp.get("/echt")
def check():
    """Without a code: the form. With one: the alert it belongs to, or that there is none."""
    typed = request.args.get("code")
    if typed is None:
        return _page()
    typed = typed[:40]
    try:
        code = genuine_check.read_code(typed)
    except ValidationError as exc:
        return _page(typed, error=exc, status=400)
    db = session()
    limits = genuine_check.CheckLimits.of_page(runtime().redis, current_app.config, current_app.config["SECRET_KEY"])
    if not limits.allows(db, request.remote_addr):
        db.commit()
        response = current_app.make_response(_page(typed, refused=True, status=429))
        response.headers["Retry-After"] = "3600"
        return response
    alert = genuine_check.find(db, code)
    return _page(code, alert=alert, looked_up=True, status=200 if alert else 404)
