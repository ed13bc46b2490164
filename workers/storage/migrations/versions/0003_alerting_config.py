"""Alert rules and notification targets stored with a version, edited from the console.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alerting_config",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("saved_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_alerting_config")),
    )


def downgrade() -> None:
    op.drop_table("alerting_config")
