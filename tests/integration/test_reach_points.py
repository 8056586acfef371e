"""The reach points a launch reads follow the register through every path that changes it (sign-up,
update, STOP by SMS, deactivation, erasure), on SQLite (R*Tree) and PostgreSQL (PostGIS), and the
migration writes them for a register that existed before it."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from core import ledger, migrate, reach_points
from core.db import make_engine
from core.erasure import erase_participant
from core.models import Delivery, Participant, ParticipantLocation, PhoneNumber, ReachPoint
from core.geo import distance_m
from core.selection import alerts_query, area_reach_m, count_recipients, quiet_until, select_recipients
from core.sms_replies import unsubscribe_number
from lab import factories

AREA = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 1000}


def reached(rt):
    """{(participant, number, distance to the nearest 10 m)} of the area's recipients."""
    with rt.db.session() as s:
        return {(r.participant_id, r.to_e164, round(r.distance_m, -1)) for r in select_recipients(s, AREA)}


def test_points_follow_the_register(rt):
    with rt.db.session() as s:
        near = factories.participant(s, "0612345601", 300).id
        commuter = factories.participant(s, "0201234567", 5000, work_distance_m=600).id
        factories.participant(s, "0612345603", 1500)  # outside
    assert reached(rt) == {(near, "+31612345601", 300), (commuter, "+31201234567", 600)}
    with rt.db.session() as s:
        assert count_recipients(s, AREA) == 2
        # The commuter changes jobs (outside the area) and starts quiet hours; the other moves closer.
        s.execute(text("UPDATE participant_locations SET lat = :lat, lon = :lon, cell = cell"
                       " WHERE participant_id = :p AND kind = 'work'"),
                  dict(zip(("lat", "lon"), factories.point_east(4000)), p=commuter))
        location = s.scalar(select(ParticipantLocation).where(ParticipantLocation.participant_id == near))
        location.lat, location.lon = factories.point_east(100)
        s.get(Participant, near).quiet_start, s.get(Participant, near).quiet_end = time(0, 0), time(23, 59)
    assert reached(rt) == {(near, "+31612345601", 100)}
    with rt.db.session() as s:
        assert [r.quiet_until is not None for r in select_recipients(s, AREA)] == [True]
        unsubscribe_number(s, "+31612345601", "test")  # STOP by SMS
    assert reached(rt) == set()
    with rt.db.session() as s:
        s.get(PhoneNumber, s.scalar(select(PhoneNumber.id).where(PhoneNumber.participant_id == near))
              ).unsubscribed = False
        s.get(Participant, commuter).active = False
    assert reached(rt) == {(near, "+31612345601", 100)}
    with rt.db.session() as s:
        erase_participant(s, near)
    assert reached(rt) == set()
    with rt.db.session() as s:
        assert s.scalar(select(ReachPoint.id).where(ReachPoint.participant_id == near)) is None


def test_a_new_number_is_reached_on_its_own_channel(rt):
    with rt.db.session() as s:
        person = factories.participant(s, "0612345601", 300)
        person.numbers.append(PhoneNumber(e164="+31201234567", kind="landline", channel="voice"))
    with rt.db.session() as s:
        assert sorted((r.channel, r.to_e164) for r in select_recipients(s, AREA)) == [
            ("sms", "+31612345601"), ("voice", "+31201234567")]


def test_a_number_moved_to_another_participant_leaves_the_first(rt):
    """An update that moves a row to another participant rewrites both participants' points."""
    with rt.db.session() as s:
        first = factories.participant(s, "0612345601", 300)
        first.numbers.append(PhoneNumber(e164="+31201234567", kind="landline", channel="voice"))
        second = factories.participant(s, "0612345602", 700).id
        first = first.id
    with rt.db.session() as s:
        s.execute(text("UPDATE phone_numbers SET participant_id = :to WHERE e164 = '+31201234567'"), {"to": second})
    assert reached(rt) == {(first, "+31612345601", 300), (second, "+31612345602", 700),
                           (second, "+31201234567", 700)}


def test_one_alert_per_channel_by_the_first_number_and_the_nearer_location(rt):
    """Home and work times two mobiles are four points: the database keeps one alert, the participant's first
    number at the nearer location, ranked by it among the others."""
    with rt.db.session() as s:
        both = factories.participant(s, "0612345601", 900, work_distance_m=300)
        both.numbers.append(PhoneNumber(e164="+31612345609", kind="mobile", channel="sms"))
        other = factories.participant(s, "0612345602", 500).id
        both = both.id
    with rt.db.session() as s:
        found = [(r.participant_id, r.to_e164, round(r.distance_m, -1)) for r in select_recipients(s, AREA)]
    assert found == [(both, "+31612345601", 300), (other, "+31612345602", 500)]
    # The ledger's write keeps the same rows (by its unique key, as it inserts them in rank order).
    with rt.db.session() as s:
        ledger.write_alerts(s, 1, alerts_query(s, AREA), hold_quiet=False, tz="Europe/Amsterdam")
        written = s.execute(select(Delivery.participant_id, Delivery.to_e164, Delivery.distance_m)
                            .where(Delivery.action_id == 1).order_by(Delivery.rank)).all()
    assert [(p, number, round(m, -1)) for p, number, m in written] == found


def test_the_migration_writes_the_points_of_an_existing_register(empty_database):
    """A register from before the reach points is read whole by the migration, then kept by the triggers;
    on PostgreSQL the PostGIS index is there (the machine has PostGIS, as CI installs it)."""
    migrate.upgrade(empty_database, "0017_address_table")
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO participants (id, language, active, created_at)"
                          " VALUES (1, 'nl', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO phone_numbers (participant_id, e164, kind, channel, confirmed, unsubscribed)"
                          " VALUES (1, '+31612345601', 'mobile', 'sms', true, false)"))
        conn.execute(text("INSERT INTO participant_locations (participant_id, kind, lat, lon, cell)"
                          " VALUES (1, 'home', 52.3079, 5.0417, 1)"))
    migrate.upgrade(empty_database)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT participant_id, e164 FROM reach_points")).all() == [(1, "+31612345601")]
        conn.execute(text("UPDATE phone_numbers SET unsubscribed = true"))
        assert conn.execute(text("SELECT count(*) FROM reach_points")).scalar() == 0
        if conn.dialect.name == "postgresql":
            assert reach_points.has_postgis_index(conn)
    engine.dispose()


def test_quiet_hours_of_a_selection_are_those_of_the_participant_now(rt):
    """The database tells whose quiet hours hold now (select_recipients reads only their end): the same
    answer as core.selection.quiet_until, for hours within a day, over midnight and none, at every moment
    around their edges."""
    hours = {"0612345611": (time(9, 0), time(17, 0)), "0612345612": (time(22, 0), time(7, 0)),
             "0612345613": (time(8, 0), time(8, 0)), "0612345614": (None, None)}
    with rt.db.session() as s:
        ids = {}
        for i, (phone, (start, end)) in enumerate(hours.items()):
            participant = factories.participant(s, phone, 100 + 100 * i)
            participant.quiet_start, participant.quiet_end = start, end
            ids[participant.id] = (start, end)
    zone = ZoneInfo("Europe/Amsterdam")
    for hour, minute in ((6, 59), (7, 0), (8, 0), (8, 30), (9, 0), (16, 59), (17, 0), (21, 59), (22, 0), (23, 30)):
        now = datetime(2026, 3, 2, hour, minute, tzinfo=zone)
        with rt.db.session() as s:
            found = {r.participant_id: r.quiet_until for r in select_recipients(s, AREA, now=now)}
        assert found == {pid: quiet_until(start, end, now) for pid, (start, end) in ids.items()}, now
    assert any(found.values()) and not all(found.values())


def test_a_national_alert_reaches_as_far_as_the_farthest_point(rt):
    """A region's reach (how far its rings go: to the farthest corner of the box around everyone) is read from
    the ends of the cell index: never short of the box's corner, and less than a cell (about 1.1 km) beyond."""
    with rt.db.session() as s:
        assert area_reach_m(s, {"type": "country"}, factories.CENTRE) == 0  # nobody yet
        for n, (lat, lon) in enumerate([(50.75, 3.36), (53.47, 7.21), (51.9, 6.0), (52.3, 4.9)]):
            factories.participant(s, f"06123456{n:02d}", origin=(lat, lon))
        s.commit()
        reach = area_reach_m(s, {"type": "country"}, factories.CENTRE)
        lats, lons = zip(*s.execute(select(ParticipantLocation.lat, ParticipantLocation.lon)))
        farthest = max(distance_m(*factories.CENTRE, lat, lon) for lat in (min(lats), max(lats))
                       for lon in (min(lons), max(lons)))
    assert farthest <= reach < farthest + 2 * 1_120, (reach, farthest)
    with rt.db.session() as s:
        factories.participant(s, "0612345699", origin=(64.1, -21.9))  # Reykjavik: 12° north, every longitude
        s.commit()
        assert area_reach_m(s, {"type": "country"}, factories.CENTRE) >= distance_m(*factories.CENTRE, 64.1, -180)
