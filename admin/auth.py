"""Signing in and out, who is signed in, and the role check every web view goes through.

The signed-in user lives in Flask's signed session cookie as an id, a fingerprint of the password
hash (changing a password or deactivating an account ends its other sessions) and a session id
that Redis must still know (signing out ends the session even for a copied cookie).
"""
import functools
import hashlib
import secrets
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _, ngettext

from core import audit
from core.accounts import LoginLimiter, LoginLimits, LoginThrottled, authenticate
from core.models import User
from web.db_session import runtime
from web.db_session import session as db_session

bp = Blueprint("auth", __name__)


def _fingerprint(user):
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _session_key(sid):
    return f"{runtime().config['QUEUE_PREFIX']}:web-session:{sid}"


def _session_alive(sid, user_id):
    """The cookie is signed, so it stays valid after sign-out unless the server forgets its session id."""
    if not sid:
        return False
    return runtime().redis.get(_session_key(sid)) == str(user_id).encode()


def current_user():
    """The signed-in, active User of this request, or None."""
    if "current_user" not in g:
        user = None
        user_id = session.get("user_id")
        if user_id is not None:
            found = db_session().get(User, user_id)
            if (found is not None and found.active and session.get("pw") == _fingerprint(found)
                    and _session_alive(session.get("sid"), user_id)):
                user = found
        g.current_user = user
    return g.current_user


def audit_actor():
    """How the audit trail names the signed-in user, e.g. "user:ann@example.org"."""
    user = current_user()
    return f"user:{user.email}" if user else "anonymous"


def login_required(*roles):
    """Only for signed-in users; with roles, only for those roles. Admins may do everything."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role != "admin" and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def admins_only(blueprint):
    """Make every page of a blueprint for admins only."""
    @blueprint.before_request
    @login_required("admin")
    def _admins_only():
        return None
    return blueprint


def _limiter():
    rt = runtime()
    return LoginLimiter(rt.redis, rt.config["QUEUE_PREFIX"], LoginLimits.from_config(current_app.config))


def safe_next(target, fallback=None):
    """Only local paths, so a form's next= cannot be used to send people to another site."""
    fallback = fallback or url_for("auth.home")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    db = db_session()
    try:
        user = authenticate(db, _limiter(), email, request.form.get("password", ""), request.remote_addr or "-")
    except LoginThrottled as exc:
        audit.record(db, "anonymous", "login-throttled", "user", None, {"email": email[:254]})
        db.commit()
        flash(ngettext("Too many failed sign-ins. Try again in %(num)s second.",
                       "Too many failed sign-ins. Try again in %(num)s seconds.", exc.retry_after), "error")
        page = render_template("auth/login.html", next=request.form.get("next", ""), email=email)
        return page, 429, {"Retry-After": str(exc.retry_after)}
    if user is None:
        audit.record(db, "anonymous", "login-failed", "user", None, {"email": email[:254]})
        db.commit()
        flash(_("E-mail address or password is wrong."), "error")
        return render_template("auth/login.html", next=request.form.get("next", ""), email=email), 401
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["pw"] = _fingerprint(user)
    session["sid"] = secrets.token_urlsafe(24)
    runtime().redis.set(_session_key(session["sid"]), user.id, ex=current_app.config["SESSION_LIFETIME_S"])
    audit.record(db, f"user:{user.email}", "login", "user", user.id)
    db.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        db = db_session()
        audit.record(db, f"user:{user.email}", "logout", "user", user.id)
        db.commit()
    if session.get("sid"):
        runtime().redis.delete(_session_key(session["sid"]))
    session.clear()
    g.pop("current_user", None)
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required()
def home():
    return render_template("home.html")
