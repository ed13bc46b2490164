"""Initial schema: cameras, zone sets, count events, aggregates, alerts, reports, notifications.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here rather than imported, so this revision keeps meaning what it meant.
Time = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("config", JSONDoc, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=True),
        sa.Column("removed_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_cameras")),
    )
    op.create_table(
        "zone_sets",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSONDoc, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.camera_id"],
                                name=op.f("fk_zone_sets_camera_id_cameras")),
        sa.PrimaryKeyConstraint("camera_id", "version", name=op.f("pk_zone_sets")),
    )
    op.create_table(
        "zones",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shape_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('line', 'zone')", name=op.f("ck_zones_kind")),
        sa.ForeignKeyConstraint(["camera_id", "version"], ["zone_sets.camera_id", "zone_sets.version"],
                                name=op.f("fk_zones_camera_id_zone_sets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "version", "shape_id", name=op.f("pk_zones")),
    )
    op.create_table(
        "count_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("trace_id", sa.String(64), nullable=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("zones_version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("shape_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("class_name", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("dwell_seconds", sa.Double(), nullable=True),
        sa.Column("received_at", Time, nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_count_events_direction")),
        sa.CheckConstraint("kind IN ('line', 'zone')", name=op.f("ck_count_events_kind")),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.camera_id"],
                                name=op.f("fk_count_events_camera_id_cameras")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_events")),
        # One row per delivery of an event: a redelivered result inserts nothing.
        sa.UniqueConstraint("message_id", "shape_id", "track_id", "kind", "direction",
                            name="uq_count_events_delivery"),
    )
    op.create_index("ix_count_events_camera_at", "count_events", ["camera_id", "at"])
    op.create_table(
        "aggregate_buckets",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("bucket_start", Time, nullable=False),
        sa.Column("bucket_end", Time, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("computed_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("camera_id", "period", "timezone", "bucket_start",
                                name=op.f("pk_aggregate_buckets")),
    )
    op.create_table(
        "aggregates",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("bucket_start", Time, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("shape_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("class_name", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("dwell_seconds_sum", sa.Double(), nullable=False),
        sa.Column("dwell_samples", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id", "period", "timezone", "bucket_start"],
            ["aggregate_buckets.camera_id", "aggregate_buckets.period",
             "aggregate_buckets.timezone", "aggregate_buckets.bucket_start"],
            name=op.f("fk_aggregates_camera_id_aggregate_buckets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "period", "timezone", "bucket_start", "kind",
                                "shape_id", "direction", "class_name", name=op.f("pk_aggregates")),
    )
    op.create_table(
        "schedule_marks",
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("done_until", Time, nullable=False),
        sa.PrimaryKeyConstraint("period", "timezone", name=op.f("pk_schedule_marks")),
    )
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=True),
        sa.Column("zone_id", sa.String(64), nullable=True),
        sa.Column("data", JSONDoc, nullable=False),
        sa.Column("raised_at", Time, nullable=False),
        sa.Column("trace_id", sa.String(64), nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
        sa.Column("acknowledged_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_raised_at", "alerts", ["raised_at"])
    op.create_table(
        "reports",
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("report_type", sa.String(32), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("request", JSONDoc, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_until", Time, nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("started_at", Time, nullable=True),
        sa.Column("finished_at", Time, nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')",
                           name=op.f("ck_reports_state")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_reports")),
    )
    op.create_index("ix_reports_state_lease_until", "reports", ["state", "lease_until"])
    op.create_table(
        "notification_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.Column("alert_id", sa.String(64), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.alert_id"],
                                name=op.f("fk_notification_log_alert_id_alerts")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.report_id"],
                                name=op.f("fk_notification_log_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_log")),
        sa.UniqueConstraint("message_id", name=op.f("uq_notification_log_message_id")),
    )


def downgrade() -> None:
    for table in ("notification_log", "reports", "alerts", "schedule_marks", "aggregates",
                  "aggregate_buckets", "count_events", "zones", "zone_sets", "cameras"):
        op.drop_table(table)
