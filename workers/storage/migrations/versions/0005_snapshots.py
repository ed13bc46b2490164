"""Snapshots (the drawn frame of each count-events message) and operators' notes on
acknowledged alerts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("event_message_id", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("frame_id", sa.String(200), nullable=False),
        sa.Column("taken_at", Time, nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("shape_ids", sa.JSON(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("event_message_id", name=op.f("pk_snapshots")),
    )
    op.create_index("ix_snapshots_camera_taken_at", "snapshots", ["camera_id", "taken_at"])
    op.create_index("ix_snapshots_taken_at", "snapshots", ["taken_at"])
    op.add_column("alerts", sa.Column("acknowledge_note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("alerts", "acknowledge_note")
    op.drop_index("ix_snapshots_taken_at", table_name="snapshots")
    op.drop_index("ix_snapshots_camera_taken_at", table_name="snapshots")
    op.drop_table("snapshots")
