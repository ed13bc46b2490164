"""The store: its schema comes from the shipped migrations, and a count event is stored once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.helpers.analytics import event, facts
from workers.analytics.ingest import Ingestor, event_rows
from workers.bus import TRACE_HEADER, Delivery
from workers.contracts import CountEvents, utcnow
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


def _delivered(facts: CountEvents, trace_id: str | None) -> tuple[CountEvents, Delivery]:
    return facts, Delivery(b"", {TRACE_HEADER: trace_id} if trace_id else {}, "", "", "q")


async def test_a_redelivered_message_stores_its_events_once(db: Database) -> None:
    ingestor = Ingestor(db)
    first = facts("cam-a", [event("2026-05-04T10:00+02:00", "in", track=1),
                             event("2026-05-04T10:00+02:00", "out", track=2)])
    again = first.model_copy()  # the broker redelivers the same message (same message_id)
    other = facts("cam-a", [event("2026-05-04T10:01+02:00", "in", track=1)])
    await ingestor.ingest([_delivered(first, "trace-1")])
    # a redelivery within one batch with the original's, and one arriving later
    await ingestor.ingest([_delivered(again, "trace-1"), _delivered(other, None),
                           _delivered(again, "trace-1")])
    await ingestor.ingest([_delivered(again, "trace-1")])
    async with db.sessions() as session:
        assert await count_stored(session, "cam-a") == 3
        traces = (await session.execute(
            sa.select(CountEventRow.trace_id).where(CountEventRow.message_id == first.message_id)))
        assert set(traces.scalars()) == {"trace-1"}


async def test_the_database_itself_refuses_a_second_copy_of_an_event(db: Database) -> None:
    """Not only the ingest code: a plain INSERT of a duplicate fails on the unique key."""
    rows = event_rows(facts("cam-a", [event("2026-05-04T10:00+02:00", "in", track=7)]), None,
                      utcnow())
    await Ingestor(db).write(rows)
    with pytest.raises(sa.exc.IntegrityError, match="(?i)unique|duplicate"):
        async with db.transaction() as session:
            await session.execute(sa.insert(CountEventRow), rows)
