"""The reach points' triggers and SQLite R*Tree as the migrations make them, frozen here.

core.reach_points keeps the live definition; a migration must build what its revision had, so
each gives its own SELECT of the points (`rows_of(where)`, SQL on l and pt), its columns and the
tables and columns it watches, and this module turns them into the same triggers the live code
makes. Nothing here may follow later changes to core.reach_points.
"""
from sqlalchemy import text

TABLE = "reach_points"
RTREE = "reach_points_rtree"
GIST_INDEX = "ix_reach_points_geography"
GEOGRAPHY = "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography)"
TABLES = ("participants", "phone_numbers", "participant_locations", "mail_preferences")


class Points:
    """One revision's points: the SELECT, the columns it fills, the watched (table -> (pid, columns))."""

    def __init__(self, rows_of, columns, watched):
        self.rows_of, self.columns, self.watched = rows_of, columns, watched

    def _refresh(self, pid, only_if="1 = 1"):
        return (f"DELETE FROM {TABLE} WHERE participant_id = {pid} AND {only_if};"
                f" INSERT INTO {TABLE} ({self.columns}) {self.rows_of(f'l.participant_id = {pid} AND {only_if}')};")

    def _sqlite_ddl(self):
        ddl = [f"CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
               f"CREATE TRIGGER IF NOT EXISTS {TABLE}_rtree_insert AFTER INSERT ON {TABLE} BEGIN"
               f" INSERT INTO {RTREE} VALUES (new.id, new.lat, new.lat, new.lon, new.lon); END",
               f"CREATE TRIGGER IF NOT EXISTS {TABLE}_rtree_delete AFTER DELETE ON {TABLE} BEGIN"
               f" DELETE FROM {RTREE} WHERE id = old.id; END"]
        for table, (pid, columns) in self.watched.items():
            ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_insert AFTER INSERT ON {table} BEGIN"
                       f" {self._refresh(f'new.{pid}')} END")
            ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_update AFTER UPDATE OF {columns} ON {table} BEGIN"
                       f" {self._refresh(f'old.{pid}', f'old.{pid} <> new.{pid}')} {self._refresh(f'new.{pid}')}"
                       f" END")
            ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_delete AFTER DELETE ON {table} BEGIN"
                       f" {self._refresh(f'old.{pid}')} END")
        return ddl

    def _postgresql_ddl(self):
        ddl = [f"CREATE OR REPLACE FUNCTION reach_refresh(pid integer) RETURNS void LANGUAGE sql AS $$"
               f" {self._refresh('pid')} $$"]
        for table, (pid, columns) in self.watched.items():
            ddl.append(f"CREATE OR REPLACE FUNCTION reach_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
                       f" BEGIN"
                       f" IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.{pid} <> NEW.{pid}) THEN"
                       f" PERFORM reach_refresh(OLD.{pid}); END IF;"
                       f" IF TG_OP <> 'DELETE' THEN PERFORM reach_refresh(NEW.{pid}); END IF;"
                       f" RETURN NULL; END $$")
            for op in ("INSERT", f"UPDATE OF {columns}", "DELETE"):
                name = f"reach_{table}_{op.split()[0].lower()}"
                ddl.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                ddl.append(f"CREATE TRIGGER {name} AFTER {op} ON {table}"
                           f" FOR EACH ROW EXECUTE FUNCTION reach_{table}_changed()")
        return ddl

    def install(self, connection):
        if connection.dialect.name == "sqlite":
            statements = self._sqlite_ddl()
        else:
            statements = self._postgresql_ddl()
            if connection.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).scalar():
                statements += ["CREATE EXTENSION IF NOT EXISTS postgis",
                               f"CREATE INDEX IF NOT EXISTS {GIST_INDEX} ON {TABLE} USING gist ({GEOGRAPHY})"]
        for statement in statements:
            connection.exec_driver_sql(statement)

    def backfill(self, connection):
        connection.exec_driver_sql(f"DELETE FROM {TABLE}")
        connection.exec_driver_sql(f"INSERT INTO {TABLE} ({self.columns}) {self.rows_of('1 = 1')} ORDER BY 6")
        connection.exec_driver_sql(f"ANALYZE {TABLE}")


def uninstall(connection):
    """Drop the triggers (and SQLite's R*Tree) of any revision."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RTREE}")
        for name in [f"{TABLE}_rtree_insert", f"{TABLE}_rtree_delete"] + [
                f"reach_{table}_{op}" for table in TABLES for op in ("insert", "update", "delete")]:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in TABLES:
        for op in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS reach_{table}_{op} ON {table}")
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS reach_{table}_changed()")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS reach_refresh(integer)")


COLUMNS_0018 = "participant_id, location_id, phone_number_id, lat, lon, cell, e164, channel, quiet_start, quiet_end"
COLUMNS_0021 = f"{COLUMNS_0018}, address"
WATCHED_0018 = {
    "participants": ("id", "active, quiet_start, quiet_end, email"),
    "phone_numbers": ("participant_id", "participant_id, e164, channel, confirmed, unsubscribed"),
    "participant_locations": ("participant_id", "participant_id, lat, lon, cell"),
}
WATCHED_0021 = {**WATCHED_0018, "mail_preferences": ("participant_id", "participant_id, confirmed_address, alerts")}


def numbers_0018(where):
    return ("SELECT l.participant_id, l.id, p.id, l.lat, l.lon, l.cell, p.e164, p.channel, pt.quiet_start,"
            " pt.quiet_end FROM participant_locations l JOIN participants pt ON pt.id = l.participant_id"
            " JOIN phone_numbers p ON p.participant_id = l.participant_id"
            f" WHERE pt.active AND p.confirmed AND NOT p.unsubscribed AND {where}")


def mails_0021(where):
    return ("SELECT l.participant_id, l.id, NULL, l.lat, l.lon, l.cell, '', 'email', pt.quiet_start,"
            " pt.quiet_end, m.confirmed_address FROM participant_locations l"
            " JOIN participants pt ON pt.id = l.participant_id"
            " JOIN mail_preferences m ON m.participant_id = l.participant_id"
            f" WHERE pt.active AND m.alerts AND m.confirmed_address = pt.email AND {where}")


def _numbers_0021(where):
    return numbers_0018(where).replace(" pt.quiet_end FROM", " pt.quiet_end, NULL FROM", 1)


POINTS_0018 = Points(numbers_0018, COLUMNS_0018, WATCHED_0018)
POINTS_0021 = Points(lambda where: f"{_numbers_0021(where)} UNION ALL {mails_0021(where)}", COLUMNS_0021,
                     WATCHED_0021)
