"""What the public sign-up sent and what its limits refused, per day, with the limits set: the figures
the admins' page shows (core.signup_limits, counted in Redis), for a control-room system's monitoring."""
from flask import current_app, jsonify

from core.signup_limits import SignupLimits
from web.db_session import runtime

from . import bp, requires


@bp.get("/signup-limits")
@requires("configuration")
def show_signup_limits():
    config = current_app.config
    limits = SignupLimits(runtime().redis, config, config["SECRET_KEY"])
    start, end = config["SIGNUP_CALL_HOURS"]
    return jsonify({
        "days": [{"date": day, **counts} for day, counts in limits.daily_counts()],
        "limits": {"codes_per_number_per_day": limits.per_number, "codes_per_day": limits.per_day,
                   "per_address_per_hour": limits.per_hour, "countries": list(config["SIGNUP_COUNTRIES"]),
                   "call_hours": [start.strftime("%H:%M"), end.strftime("%H:%M")]}})
