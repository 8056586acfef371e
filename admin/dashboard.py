"""The dashboard: a municipality's participants, actions, results and responses, as charts and CSV.

Municipality staff see their own municipality only; admins and operators choose one (or all).
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _, ngettext


from core import dashboard
from core.fatigue import LOAD_BUCKETS
from core.inquiries import mail_counts
from core.errors import ValidationError
from core.input_checks import parse_id
from web.db_session import session
from web.i18n import csv_cell, error_text

from .actions import kind_labels, map_settings, result_labels
from .auth import current_user, login_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _municipality_id():
    """The municipality asked for, limited to the user's own for municipality staff."""
    user = current_user()
    if user.role == "municipality":
        return user.municipality_id
    raw = request.args.get("municipality_id", "")
    return parse_id(raw, "municipality_id") if raw else None


def _query():
    """(Neighbourhood, Period) from the query string."""
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    return dashboard.parse_filters(request.args, _municipality_id(), today)


@bp.get("/")
@login_required("municipality", "operator", "police")
def index():
    db = session()
    user = current_user()
    error = None
    try:
        hood, period = _query()
        stats = dashboard.compute(db, hood, period, current_app.config["ALERT_FATIGUE_COUNT"])
        mail = mail_counts(db, hood.municipality_id, period.bounds)
    except ValidationError as exc:
        error, stats, mail = error_text(exc), None, None
        hood = dashboard.Neighbourhood(user.municipality_id if user.role == "municipality" else None)
        period = None
    return render_template(
        "dashboard/index.html", stats=stats, hood=hood, period=period, error=error, args=request.args,
        municipalities=dashboard.municipalities(db), own_only=user.role == "municipality",
        areas=dashboard.postcode_areas(db, hood.municipality_id),
        neighbourhoods=dashboard.cbs_neighbourhoods(db, hood.municipality_id), kinds=kind_labels(),
        results={**result_labels(), "still active": _("Still active")},
        map=map_settings(), mail=mail, load_labels=_load_labels(),
    ), 400 if error else 200


@bp.get("/export.csv")
@login_required("municipality", "operator", "police")
def export():
    try:
        hood, period = _query()
    except ValidationError as exc:
        return Response(f"{error_text(exc)}\n", status=400, mimetype="text/plain")
    stats = dashboard.compute(session(), hood, period, current_app.config["ALERT_FATIGUE_COUNT"])
    mail = mail_counts(session(), hood.municipality_id, period.bounds)
    return Response(dashboard.report_csv(hood, period, stats, mail, csv_cell), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{dashboard.report_filename(period)}"'})


def _load_labels():
    """The alert-load chart's rows: how many actions reached a participant."""
    labels = {bucket: ngettext("%(num)s action", "%(num)s actions", int(bucket)) for bucket in LOAD_BUCKETS[:-1]}
    return labels | {LOAD_BUCKETS[-1]: _("%(num)s or more actions", num=LOAD_BUCKETS[-1].rstrip("+"))}
