"""The Uitkijk web application: JSON API for control-room systems, and the admin web."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core import runtime
from core.config import load_config
from core.log_redaction import configure_logging


def create_app(test_config=None):
    config = load_config(test_config)
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.extensions["uitkijk"] = runtime.configure(config)
    from voice.action_audio import TitleAudio
    app.extensions["uitkijk"].launch_audio.register(TitleAudio(config))  # every launch happens here
    if config["TRUSTED_PROXIES"]:
        # Only behind that many proxies: otherwise any client could choose the address the limits see.
        hops = config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from web import input_guard
    input_guard.init_app(app)  # before any route: it replaces the <int:> converter
    configure_logging()

    from web import db_session, security_headers
    db_session.init_app(app)
    from web import probes
    probes.init_app(app)
    security_headers.init_app(app)
    from api import bp as api_bp
    app.register_blueprint(api_bp)
    import admin
    admin.init_app(app)
    import webhooks
    webhooks.init_app(app)
    import cli
    cli.init_app(app)
    return app
