"""Admin pages for the webhooks control-room systems subscribed through the API: which addresses hear
which room's action events, each one's delivery log, and pausing one. Subscribing (and the secret) stays
with the system itself, in the API."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import action_webhooks
from core.errors import NotFound
from web.db_session import session

from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("action_webhooks", __name__, url_prefix="/config/action-webhooks"))


def _hook(db, webhook_id):
    try:
        return action_webhooks.get(db, webhook_id)
    except NotFound:
        abort(404)


@bp.get("/")
def index():
    return render_template("config/action_webhooks.html", hooks=action_webhooks.overview(session()))


@bp.get("/<int:webhook_id>")
def log(webhook_id):
    db = session()
    hook = _hook(db, webhook_id)
    return render_template("config/action_webhook_log.html", hook=hook,
                           rows=action_webhooks.delivery_log(db, webhook_id))


@bp.post("/<int:webhook_id>/active")
def active(webhook_id):
    db = session()
    hook = _hook(db, webhook_id)
    action_webhooks.update(db, hook, {"active": request.form.get("active") == "on"}, audit_actor(),
                           current_app.config)
    db.commit()
    flash(_("Webhook %(url)s active.", url=hook.url) if hook.active
          else _("Webhook %(url)s paused.", url=hook.url), "info")
    return redirect(url_for("action_webhooks.index"))
