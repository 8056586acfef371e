"""Launch input rules, batching and quiet hours, without a database."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.actions import parse_launch
from core.jobs import BATCH, batches
from core.errors import ValidationError
from core.selection import in_quiet_hours, quiet_hours_end

GOOD = {"kind": "burglary", "title": "Inbraak", "message": "Man in donkere jas.",
        "area": {"lat": 52.3, "lon": 5.0, "radius_m": 1500}, "operator_id": 1, "control_room_id": 1}


def with_(**changes):
    body = dict(GOOD)
    body.update(changes)
    return body


@pytest.mark.parametrize("body, field", [
    (with_(kind="party"), "kind"),
    (with_(message=""), "message"),
    (with_(message="x" * 641), "message"),
    (with_(title=" "), "title"),
    (with_(area={"lat": 52.3, "lon": 5.0, "radius_m": 0}), "area.radius_m"),
    (with_(area={"lat": 52.3, "lon": 5.0, "radius_m": 50_001}), "area.radius_m"),
    (with_(area={"lat": 95, "lon": 5.0, "radius_m": 100}), "area.lat"),
    (with_(area={"type": "country"}), "area.type"),
    (with_(operator_id="1"), "operator_id"),
    (with_(time_critical="yes"), "time_critical"),
])
def test_parse_launch_rejects(body, field):
    """Each bad launch field is refused with the field named."""
    with pytest.raises(ValidationError) as info:
        parse_launch(body, 640, 50_000)
    assert info.value.field == field


def test_amber_alert_may_cover_the_country():
    """Only an AMBER alert may use a region or the whole country instead of a circle."""
    request = parse_launch(with_(kind="amber_alert", area={"type": "country"}), 640, 50_000)
    assert request.area == {"type": "country"}


def test_batches_start_small_and_keep_rank_order():
    """The nearest participants go out in small first jobs; every id appears once, in order."""
    ids = list(range(1000))
    parts = list(batches(ids))
    assert [len(p) for p in parts[:3]] == [10, 25, 50]
    assert max(len(p) for p in parts) == BATCH
    assert [i for p in parts for i in p] == ids


def test_quiet_hours_across_midnight():
    """Quiet hours 22:00-07:00 hold at 23:30 and 06:59 but not at 07:00 or noon."""
    tz = ZoneInfo("Europe/Amsterdam")
    start, end = time(22, 0), time(7, 0)
    assert in_quiet_hours(start, end, datetime(2026, 11, 23, 23, 30, tzinfo=tz))
    assert in_quiet_hours(start, end, datetime(2026, 11, 24, 6, 59, tzinfo=tz))
    assert not in_quiet_hours(start, end, datetime(2026, 11, 24, 7, 0, tzinfo=tz))
    assert not in_quiet_hours(start, end, datetime(2026, 11, 24, 12, 0, tzinfo=tz))
    assert quiet_hours_end(end, datetime(2026, 11, 23, 23, 30, tzinfo=tz)) == datetime(2026, 11, 24, 7, 0, tzinfo=tz)
