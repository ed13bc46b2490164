"""Camera state changes, kept as facts: when each camera went online, reconnecting or offline.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "camera_states",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("worker_id", sa.String(200), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.camera_id"],
                                name=op.f("fk_camera_states_camera_id_cameras")),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_camera_states")),
    )
    op.create_index("ix_camera_states_camera_at", "camera_states", ["camera_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_camera_states_camera_at", table_name="camera_states")
    op.drop_table("camera_states")
