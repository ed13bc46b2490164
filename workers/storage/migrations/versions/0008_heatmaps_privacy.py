"""Heatmap facts per camera and hour, and the log of who viewed pictures with faces showing.

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "heatmaps",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("hour_start", Time, nullable=False),
        sa.Column("first_at", Time, nullable=False),
        sa.Column("last_at", Time, nullable=False),
        sa.Column("cols", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("frame_width", sa.Integer(), nullable=False),
        sa.Column("frame_height", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("visits", sa.JSON(), nullable=False),
        sa.Column("dwell", sa.JSON(), nullable=False),
        sa.Column("reference_jpeg", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_heatmaps")),
    )
    op.create_index("ix_heatmaps_camera_hour", "heatmaps", ["camera_id", "hour_start"])
    op.create_table(
        "faces_views",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("viewer", sa.String(200), nullable=False),
        sa.Column("console", sa.String(200), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_faces_views")),
    )
    op.create_index("ix_faces_views_camera_at", "faces_views", ["camera_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_faces_views_camera_at", table_name="faces_views")
    op.drop_table("faces_views")
    op.drop_index("ix_heatmaps_camera_hour", table_name="heatmaps")
    op.drop_table("heatmaps")
