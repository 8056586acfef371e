"""The admin and operator web: Flask blueprints and templates over the core's services."""
from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

from web import i18n

csrf = CSRFProtect()

# Templates and static files of the whole web: url_for("admin.static", filename="css/admin.css").
assets = Blueprint("admin", __name__, static_folder="static", static_url_path="/static/admin",
                   template_folder="templates")

def role_names():
    """What the web calls each role, in the page's language."""
    return {"admin": _("administrator"), "operator": _("operator"), "police": _("police"),
            "municipality": _("municipality")}


def _configure_cookies(app):
    # Secure is on unless SECURE_COOKIES is switched off for plain-http development.
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=app.config["SESSION_LIFETIME_S"])


def _web_blueprints():
    from . import (accounts, action_webhooks, actions, approvals, auth, configuration, dashboard, genuine_check,
                   language, mail, mail_public, message_templates, participants, partners, regions, signup)
    return [assets, auth.bp, accounts.bp, participants.bp, signup.bp, genuine_check.bp, actions.bp, approvals.bp, configuration.bp,
            dashboard.bp, message_templates.bp,
            partners.bp, action_webhooks.bp, regions.bp, mail.bp, mail_public.bp, language.bp]


def init_app(app):
    """Register the web's blueprints, CSRF protection, login handling and the create-user command."""
    _configure_cookies(app)
    # CSRF is checked on the web's own blueprints only: the JSON API authenticates with bearer tokens
    # and provider webhooks with signatures, neither of which a browser sends by itself.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    web_names = set()

    def _account_language():
        from .auth import current_user
        user = current_user() if request.blueprint in web_names else None
        return user.language if user is not None else None
    i18n.init_app(app, account_language=_account_language)
    for blueprint in _web_blueprints():
        app.register_blueprint(blueprint)
        web_names.add(blueprint.name)
    from .mail_public import one_click
    app.register_blueprint(one_click)  # RFC 8058 one-click unsubscribe: signed link, no CSRF token

    from . import public_alerts
    app.register_blueprint(public_alerts.bp)  # no login, no forms: outside the web's CSRF and session

    @app.before_request
    def _protect_web_forms():
        if request.blueprint in web_names and app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.context_processor
    def _template_globals():
        from .auth import current_user
        from .approvals import escalated_for
        user = current_user() if request.blueprint in web_names else None
        return {"current_user": user, "role_names": role_names(), "escalated_approvals": escalated_for(user)}

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc):
        return render_template("errors/error.html", code=400, title=_("Form expired or forged"),
                               text=_("The form could not be accepted (missing or expired security token). "
                                      "Go back, reload the page and try again.")), 400

    @app.errorhandler(403)
    def _forbidden(exc):
        return render_template("errors/error.html", code=403, title=_("Not allowed"),
                               text=_("Your account does not give access to this page.")), 403

    @app.errorhandler(404)
    def _not_found(exc):
        if request.path.startswith("/api/"):
            return {"error": "not_found", "reason": "no such resource"}, 404
        return render_template("errors/error.html", code=404, title=_("Not found"),
                               text=_("There is no page at this address.")), 404

    from core.numbers import mask
    app.add_template_filter(mask, "mask")
    from .ui_texts import ui_texts
    app.add_template_global(ui_texts, "ui_texts")

    from .cli import create_user_command
    app.cli.add_command(create_user_command)
