"""The reach points: what a launch reads of the register, one row per location and usable number.

An area selection over the register itself joins every location in the circle to its participant and
number: three random page reads per row, most of a selection's time (a 2 km circle in Amsterdam among
2,000,000 participants: about 800 ms in PostgreSQL alone). `reach_points` holds the same rows joined
beforehand (active participants, confirmed numbers not unsubscribed), written in the order of the grid
cells, so an area's rows lie together, and indexed by each database's own spatial engine: SQLite's
R*Tree module (a virtual table beside it) and PostGIS (a GiST index on the point as geography, read with
a bounding box: core.selection). A PostgreSQL without PostGIS reads it by its grid cells.

A participant who chose alerts by e-mail (mail_preferences.alerts, to the address they confirmed) has
a point of channel "email" per location too, with the address and no number: the alert mail is an
extra delivery beside their calls and SMS, found by the same read of the area. Who chose alerts only
by e-mail (alerts_only) has the e-mail points and no others, while that address stays confirmed.

The database keeps it: triggers on participants, phone_numbers, participant_locations and
mail_preferences rewrite a participant's points whenever anything a launch reads of them changes. The virtual table, the
expression index and the triggers are not model objects: `install` makes them (after create_all
creates the table; the migrations make their revision's own, migrations/reach_points_ddl.py) and
`include_name` keeps Alembic from seeing them.
"""
import logging

from sqlalchemy import text

log = logging.getLogger(__name__)

TABLE = "reach_points"
RTREE = "reach_points_rtree"  # SQLite: the R*Tree over reach_points.id, with its three shadow tables
GIST_INDEX = "ix_reach_points_geography"  # PostgreSQL: the PostGIS index

# The point as PostGIS geography, exactly as the index is built (a query must repeat it to use the index).
GEOGRAPHY = "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography)"

COLUMNS = "participant_id, location_id, phone_number_id, lat, lon, cell, e164, channel, quiet_start, quiet_end, address"

# Who chose alerts only by e-mail, to the address they confirmed, gets no call or SMS; once that address
# bounces (it is no longer confirmed) their numbers are points again.
_MAIL_ONLY = ("EXISTS (SELECT 1 FROM mail_preferences mo WHERE mo.participant_id = pt.id AND mo.alerts"
              " AND mo.alerts_only AND mo.confirmed_address = pt.email)")


def _rows_of(where, order=""):
    """SELECT of the points the register holds for the participants `where` picks (SQL on l, pt): one per
    location and usable number (none for who chose alerts only by e-mail), and one per location for alerts
    by e-mail."""
    numbers = (f"SELECT l.participant_id, l.id, p.id, l.lat, l.lon, l.cell, p.e164, p.channel, pt.quiet_start,"
               f" pt.quiet_end, NULL FROM participant_locations l"
               f" JOIN participants pt ON pt.id = l.participant_id"
               f" JOIN phone_numbers p ON p.participant_id = l.participant_id"
               f" WHERE pt.active AND p.confirmed AND NOT p.unsubscribed AND NOT {_MAIL_ONLY} AND {where}")
    mails = (f"SELECT l.participant_id, l.id, NULL, l.lat, l.lon, l.cell, '', 'email', pt.quiet_start,"
             f" pt.quiet_end, m.confirmed_address FROM participant_locations l"
             f" JOIN participants pt ON pt.id = l.participant_id"
             f" JOIN mail_preferences m ON m.participant_id = l.participant_id"
             f" WHERE pt.active AND m.alerts AND m.confirmed_address = pt.email AND {where}")
    return f"{numbers} UNION ALL {mails}{order}"


def _refresh(pid, only_if="1 = 1"):
    """Statements that rewrite one participant's points (`pid`: an SQL expression), when `only_if` holds."""
    return (f"DELETE FROM {TABLE} WHERE participant_id = {pid} AND {only_if};"
            f" INSERT INTO {TABLE} ({COLUMNS}) {_rows_of(f'l.participant_id = {pid} AND {only_if}')};")


# (table, the participant id of a row) -> what a change to which columns of it concerns.
_WATCHED = {
    "participants": ("id", "active, quiet_start, quiet_end, email"),
    "phone_numbers": ("participant_id", "participant_id, e164, channel, confirmed, unsubscribed"),
    "participant_locations": ("participant_id", "participant_id, lat, lon, cell"),
    "mail_preferences": ("participant_id", "participant_id, confirmed_address, alerts, alerts_only"),
}


def _sqlite_ddl():
    ddl = [f"CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
           f"CREATE TRIGGER IF NOT EXISTS {TABLE}_rtree_insert AFTER INSERT ON {TABLE} BEGIN"
           f" INSERT INTO {RTREE} VALUES (new.id, new.lat, new.lat, new.lon, new.lon); END",
           f"CREATE TRIGGER IF NOT EXISTS {TABLE}_rtree_delete AFTER DELETE ON {TABLE} BEGIN"
           f" DELETE FROM {RTREE} WHERE id = old.id; END"]
    for table, (pid, columns) in _WATCHED.items():
        ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_insert AFTER INSERT ON {table} BEGIN"
                   f" {_refresh(f'new.{pid}')} END")
        # The old participant's points only when the row moved to another participant: else the new's are theirs.
        ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_update AFTER UPDATE OF {columns} ON {table} BEGIN"
                   f" {_refresh(f'old.{pid}', f'old.{pid} <> new.{pid}')} {_refresh(f'new.{pid}')}"
                   f" END")
        ddl.append(f"CREATE TRIGGER IF NOT EXISTS reach_{table}_delete AFTER DELETE ON {table} BEGIN"
                   f" {_refresh(f'old.{pid}')} END")
    return ddl


def _postgresql_ddl():
    ddl = [f"CREATE OR REPLACE FUNCTION reach_refresh(pid integer) RETURNS void LANGUAGE sql AS $$"
           f" {_refresh('pid')} $$"]
    for table, (pid, columns) in _WATCHED.items():
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


def install(connection):
    """Make the triggers and the spatial index (PostGIS's when the server has it: the extension is created
    then); safe to run again."""
    if connection.dialect.name == "sqlite":
        statements = _sqlite_ddl()
    else:
        statements = _postgresql_ddl()
        if connection.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).scalar():
            statements += ["CREATE EXTENSION IF NOT EXISTS postgis",
                           f"CREATE INDEX IF NOT EXISTS {GIST_INDEX} ON {TABLE} USING gist ({GEOGRAPHY})"]
        else:
            log.warning("PostgreSQL has no PostGIS: areas are read by the grid cells of %s", TABLE)
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection):
    """Drop the triggers (and SQLite's R*Tree): what `drop_all` and a downgrade leave to do."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RTREE}")
        for name in [f"{TABLE}_rtree_insert", f"{TABLE}_rtree_delete"] + [
                f"reach_{table}_{op}" for table in _WATCHED for op in ("insert", "update", "delete")]:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in _WATCHED:
        for op in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS reach_{table}_{op} ON {table}")
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS reach_{table}_changed()")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS reach_refresh(integer)")


def backfill(connection):
    """Write every participant's points, in the order of the grid cells (a register loaded without the
    triggers, the migration); returns how many."""
    connection.exec_driver_sql(f"DELETE FROM {TABLE}")
    result = connection.exec_driver_sql(
        f"INSERT INTO {TABLE} ({COLUMNS}) {_rows_of('1 = 1', ' ORDER BY 6')}")
    connection.exec_driver_sql(f"ANALYZE {TABLE}")
    return result.rowcount


def has_postgis_index(connection):
    return connection.dialect.name == "postgresql" and bool(connection.execute(
        text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": GIST_INDEX}).scalar())


def include_name(name, type_, parent_names):
    """Alembic's filter: the spatial index beside the model (and PostGIS's own table) is no difference from
    the models."""
    if type_ == "table":
        return not (name or "").startswith(RTREE) and name != "spatial_ref_sys"
    if type_ == "index":
        return name != GIST_INDEX
    return True
