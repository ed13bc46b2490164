"""Routes: count events of kind 'route', with the route's origin and destination shapes.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can only change a CHECK constraint by rebuilding the table
    with op.batch_alter_table("count_events") as t:
        t.drop_constraint(op.f("ck_count_events_kind"), type_="check")
        t.create_check_constraint(op.f("ck_count_events_kind"), "kind IN ('line', 'zone', 'route')")
        t.add_column(sa.Column("origin", sa.String(64), nullable=True))
        t.add_column(sa.Column("destination", sa.String(64), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM count_events WHERE kind = 'route'")
    op.execute("DELETE FROM aggregates WHERE kind = 'route'")
    with op.batch_alter_table("count_events") as t:
        t.drop_column("destination")
        t.drop_column("origin")
        t.drop_constraint(op.f("ck_count_events_kind"), type_="check")
        t.create_check_constraint(op.f("ck_count_events_kind"), "kind IN ('line', 'zone')")
