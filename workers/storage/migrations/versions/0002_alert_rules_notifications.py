"""Alert rules and notification delivery: who raised and when an alert ended, the target and
every attempt of a notification; the log no longer needs its alert or report to be stored first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("alerts") as t:
        t.add_column(sa.Column("rule_id", sa.String(64), nullable=True))
        t.add_column(sa.Column("resolved_at", Time, nullable=True))
    # batch mode: SQLite can only drop a constraint by rebuilding the table
    with op.batch_alter_table("notification_log") as t:
        t.drop_constraint("fk_notification_log_alert_id_alerts", type_="foreignkey")
        t.drop_constraint("fk_notification_log_report_id_reports", type_="foreignkey")
        t.add_column(sa.Column("target_id", sa.String(64), nullable=True))
        t.add_column(sa.Column("sent_at", Time, nullable=True))
    op.create_table(
        "notification_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    op.create_index("ix_notification_attempts_message_id", "notification_attempts", ["message_id"])


def downgrade() -> None:
    op.drop_table("notification_attempts")
    with op.batch_alter_table("notification_log") as t:
        t.drop_column("sent_at")
        t.drop_column("target_id")
        t.create_foreign_key("fk_notification_log_report_id_reports", "reports", ["report_id"],
                             ["report_id"])
        t.create_foreign_key("fk_notification_log_alert_id_alerts", "alerts", ["alert_id"],
                             ["alert_id"])
    with op.batch_alter_table("alerts") as t:
        t.drop_column("resolved_at")
        t.drop_column("rule_id")
