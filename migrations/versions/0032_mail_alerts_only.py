"""alerts only by e-mail: a participant with a confirmed address may take alerts by mail instead of calls and
SMS; their numbers are no reach points then (until the address bounces)

The reach points' triggers are made again (they read mail_preferences.alerts_only now) and every point
is written again. The points' SELECT is this revision's own, written out here.

Revision ID: 0032_mail_alerts_only
Revises: 0031_message_templates
"""
import sqlalchemy as sa
from alembic import op

from migrations.reach_points_ddl import COLUMNS_0021, POINTS_0021, WATCHED_0021, Points, mails_0021, uninstall

revision = "0032_mail_alerts_only"
down_revision = "0031_message_templates"
branch_labels = None
depends_on = None


def _numbers(where):
    return ("SELECT l.participant_id, l.id, p.id, l.lat, l.lon, l.cell, p.e164, p.channel, pt.quiet_start,"
            " pt.quiet_end, NULL FROM participant_locations l JOIN participants pt ON pt.id = l.participant_id"
            " JOIN phone_numbers p ON p.participant_id = l.participant_id"
            " WHERE pt.active AND p.confirmed AND NOT p.unsubscribed"
            " AND NOT EXISTS (SELECT 1 FROM mail_preferences mo WHERE mo.participant_id = pt.id AND mo.alerts"
            " AND mo.alerts_only AND mo.confirmed_address = pt.email)"
            f" AND {where}")


POINTS_0032 = Points(lambda where: f"{_numbers(where)} UNION ALL {mails_0021(where)}", COLUMNS_0021,
                     {**WATCHED_0021, "mail_preferences": ("participant_id",
                                                           "participant_id, confirmed_address, alerts, alerts_only")})


def upgrade():
    connection = op.get_bind()
    uninstall(connection)
    with op.batch_alter_table("mail_preferences") as batch_op:
        batch_op.add_column(sa.Column("alerts_only", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    POINTS_0032.install(connection)
    POINTS_0032.backfill(connection)


def downgrade():
    connection = op.get_bind()
    uninstall(connection)
    with op.batch_alter_table("mail_preferences") as batch_op:
        batch_op.drop_column("alerts_only")
    POINTS_0021.install(connection)
    POINTS_0021.backfill(connection)
