"""A ring of a national ledger is read by its grid cells, never by a scan of every reach point: with a
national register's statistics SQLite's planner preferred reading the whole table in participant order
(the partition of the window that kept one row per participant), 5.5 s a ring instead of 0.1 s (benchmarks,
national action). That window is left only to an escalating kind's ladder: read both ways."""
import pytest
from sqlalchemy import func, select

from core.selection import alerts_query

CENTRE = (52.3079, 5.0417)
RING = (5885, 7556)
# sqlite_stat1 of the benchmarks' 2,000,000 participants (2,400,389 reach points).
NATIONAL_STATS = {"ix_reach_points_participant": "2400389 2 2", "ix_reach_points_cell": "2400389 146"}


@pytest.mark.parametrize("channel_order", [None, ("voice", "sms")], ids=["no ladder", "ladder"])
def test_a_ring_is_read_by_its_cells_not_the_whole_table(rt, channel_order):
    if rt.db.dialect != "sqlite":
        pytest.skip("the plan in question is SQLite's (PostgreSQL reads a ring's cells by a bitmap OR)")
    with rt.db.session() as s:
        connection = s.connection()
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'reach_points'")
        for index, stat in NATIONAL_STATS.items():
            connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('reach_points', ?, ?)", (index, stat))
        connection.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reads the statistics again
        ring = alerts_query(s, {"type": "country"}, centre=CENTRE, ring=RING, channel_order=channel_order).subquery()
        sql = str(select(func.count()).select_from(ring).compile(dialect=connection.dialect,
                                                                  compile_kwargs={"literal_binds": True}))
        plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    reads = [step for step in plan if "reach_points" in step]
    assert reads and all("USING INDEX ix_reach_points_cell" in step for step in reads), plan
