"""The dashboard's statistics and their CSV export through the API, with the web's filters (admin/dashboard.py).

A municipality's token sees its own municipality only (a municipality_id asked for is ignored, as on the
web for municipality staff); any other token chooses one, or all.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, jsonify, request

from core import dashboard
from core.inquiries import mail_counts
from core.input_checks import parse_id
from web.db_session import session
from web.i18n import csv_cell

from . import bp, requires


def _report():
    """(Neighbourhood, Period, Statistics, mail figures) of the query string."""
    own = g.api_principal.municipality_id
    raw = request.args.get("municipality_id", "")
    municipality_id = own if own is not None else (parse_id(raw, "municipality_id") if raw else None)
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    hood, period = dashboard.parse_filters(request.args, municipality_id, today)
    db = session()
    stats = dashboard.compute(db, hood, period, current_app.config["ALERT_FATIGUE_COUNT"])
    return hood, period, stats, mail_counts(db, hood.municipality_id, period.bounds)


@bp.get("/dashboard")
@requires("dashboard")
def show_dashboard():
    hood, period, stats, mail = _report()
    circle = dict(zip(("lat", "lon", "radius_m"), hood.circle)) if hood.circle else None
    return jsonify({"period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
                    "neighbourhood": {"municipality_id": hood.municipality_id, "postcode_area": hood.postcode_area,
                                      "cbs_code": hood.cbs_code, "circle": circle},
                    "statistics": stats.as_dict(), "mail": mail})


@bp.get("/dashboard.csv")
@requires("dashboard")
def export_dashboard():
    hood, period, stats, mail = _report()
    return Response(dashboard.report_csv(hood, period, stats, mail, csv_cell), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{dashboard.report_filename(period)}"'})
