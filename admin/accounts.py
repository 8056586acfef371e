"""Accounts (admins only): who may sign in, with which role, for which municipality or operator."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import audit
from core.accounts import create_user, get_user, link_choices, list_users, set_password, update_user
from core.errors import NotFound, ValidationError
from core.input_checks import parse_id
from core.models import ROLES
from web.db_session import session as db_session

from .auth import audit_actor, current_user, login_required

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _optional_int(name):
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_id(raw, name)
    except ValidationError:
        raise ValidationError(name, "must be chosen from the list") from None


def _links(role):
    """Only the link that fits the role is kept, so switching roles in the form cannot leave a stale link."""
    municipality_id = _optional_int("municipality_id") if role == "municipality" else None
    operator_id = _optional_int("operator_id") if role == "operator" else None
    return municipality_id, operator_id


def _form(template, status=200, **context):
    municipalities, operators = link_choices(db_session())
    return render_template(template, roles=ROLES, municipalities=municipalities, operators=operators,
                           form=request.form, **context), status


@bp.get("")
@login_required("admin")
def index():
    db = db_session()
    municipalities, operators = link_choices(db)
    return render_template("accounts/index.html", users=list_users(db),
                           municipality_names={m.id: m.name for m in municipalities},
                           operator_names={o.id: o.name for o in operators})


@bp.route("/new", methods=["GET", "POST"])
@login_required("admin")
def new():
    if request.method == "GET":
        return _form("accounts/edit.html", user=None)
    db = db_session()
    role = request.form.get("role", "")
    try:
        municipality_id, operator_id = _links(role)
        user = create_user(db, request.form.get("email"), request.form.get("name"), request.form.get("password"),
                           role, municipality_id, operator_id, supervisor=request.form.get("supervisor") == "on")
    except ValidationError as exc:
        db.rollback()
        return _form("accounts/edit.html", 400, user=None, error=exc)
    audit.record(db, audit_actor(), "create", "user", user.id,
                 {"email": user.email, "role": user.role, "supervisor": user.supervisor})
    db.commit()
    flash(_("Account %(email)s created.", email=user.email), "success")
    return redirect(url_for("accounts.index"))


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required("admin")
def edit(user_id):
    db = db_session()
    try:
        user = get_user(db, user_id)
    except NotFound:
        return render_template("errors/error.html", code=404, title=_("Not found"),
                               text=_("There is no such account.")), 404
    if request.method == "GET":
        return _form("accounts/edit.html", user=user)
    role = request.form.get("role", "")
    active = request.form.get("active") == "on"
    try:
        if user.id == current_user().id and (role != "admin" or not active):
            raise ValidationError("role", _("you cannot take away your own admin role or deactivate yourself"))
        municipality_id, operator_id = _links(role)
        changed = update_user(db, user, request.form.get("name"), role, municipality_id, operator_id, active,
                              supervisor=request.form.get("supervisor") == "on")
        if request.form.get("password"):
            set_password(db, user, request.form["password"])
            changed.append("password")
    except ValidationError as exc:
        db.rollback()
        return _form("accounts/edit.html", 400, user=user, error=exc)
    if changed:
        audit.record(db, audit_actor(), "update", "user", user.id, {"email": user.email, "changed": changed})
    db.commit()
    flash(_("Account %(email)s saved.", email=user.email) if changed else _("Nothing changed."), "success")
    return redirect(url_for("accounts.index"))
