"""The store: its schema comes from the shipped migrations, and a count event is stored once."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.analytics.conftest import event, result
from workers.analytics.ingest import Ingestor, event_rows
from workers.contracts import utcnow
from workers.storage import Database, current_revision, head_revision, upgrade
from workers.storage.events import count_stored
from workers.storage.models import Base, CountEventRow


async def test_migrations_build_exactly_the_models_and_run_again_as_a_no_op(db: Database) -> None:
    assert await current_revision(db) == head_revision()
    assert await upgrade(db) == head_revision()  # a second worker starting finds nothing to do
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(
            MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
    assert diff == []


async def test_a_redelivered_result_stores_its_events_once(db: Database) -> None:
    ingestor = Ingestor(db, max_delay=0.02)
    ingestor.start()
    try:
        first = result("cam-a", [event("2026-05-04T10:00+02:00", "in", track=1),
                                 event("2026-05-04T10:00+02:00", "out", track=2)])
        again = first.model_copy()  # the broker redelivers the same message (same message_id)
        other = result("cam-a", [event("2026-05-04T10:01+02:00", "in", track=1)])
        await ingestor.ingest(first, "trace-1")
        # a redelivery racing the original within one batch, and one arriving later
        await asyncio.gather(ingestor.ingest(again, "trace-1"), ingestor.ingest(other, None),
                             ingestor.ingest(again, "trace-1"))
        await ingestor.ingest(again, "trace-1")
    finally:
        await ingestor.close()
    async with db.sessions() as session:
        assert await count_stored(session, "cam-a") == 3
        traces = (await session.execute(
            sa.select(CountEventRow.trace_id).where(CountEventRow.message_id == first.message_id)))
        assert set(traces.scalars()) == {"trace-1"}


async def test_the_database_itself_refuses_a_second_copy_of_an_event(db: Database) -> None:
    """Not only the ingest code: a plain INSERT of a duplicate fails on the unique key."""
    rows = event_rows(result("cam-a", [event("2026-05-04T10:00+02:00", "in", track=7)]), None,
                      utcnow())
    await Ingestor(db).write(rows)
    with pytest.raises(sa.exc.IntegrityError, match="(?i)unique|duplicate"):
        async with db.transaction() as session:
            await session.execute(sa.insert(CountEventRow), rows)
