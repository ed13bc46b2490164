"""Alembic environment: always run programmatically (``workers.storage.migrate``), on the
connection it passes in; there is no alembic.ini."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from workers.storage.models import Base

#: any constant: the key of the PostgreSQL advisory lock that serialises concurrent upgrades
_UPGRADE_LOCK = 0x63616D63

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations with `camcount-worker db upgrade` or workers.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several workers may start at once against one database: one migrates, the others
        # wait here and then find the schema at head.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
    context.run_migrations()
