"""Storing count events, a batch per transaction, acknowledging only what is committed.

The bus hands over every count-events message that has arrived (``consume_batch``), up to a
batch; their events are committed in one transaction and only then are the messages
acknowledged, so nothing acknowledged can be lost. A batch the database refuses as a whole is
held and tried again by the bus (nothing goes to the error queue for an outage). Redelivered
messages insert nothing: the database skips rows whose (message, shape, track, kind, direction)
it already holds.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncSession

from workers.bus import Delivery, Unavailable
from workers.contracts import CountEvents, utcnow
from workers.metrics import INGEST_BATCH, INGEST_SECONDS
from workers.storage import Database
from workers.storage.cameras import ensure_cameras
from workers.storage.events import EVENT_KEY, insert_events

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
#: failures of the database's reach, not of the rows (a duplicate or a bad value is the rows')
UNREACHABLE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
               sqlalchemy.exc.TimeoutError, OSError, TimeoutError)
AfterCommit = Callable[[Rows], Awaitable[None]]


@asynccontextmanager
async def batch_transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """The transaction a batch handler stores its facts in. A database that cannot be reached is
    ``Unavailable``: the bus holds the batch and delivers it again."""
    try:
        async with db.transaction() as session:
            yield session
    except UNREACHABLE as exc:
        raise Unavailable(f"the database cannot be reached: {exc!r}") from exc


def event_rows(facts: CountEvents, trace_id: str | None, received_at: datetime) -> Rows:
    """One row per count event of a message. A time without a zone is taken as UTC (the wire's)."""
    return [
        {"message_id": facts.message_id, "trace_id": trace_id, "camera_id": facts.camera_id,
         "zones_version": facts.zones_version, "kind": e.kind,
         "shape_id": e.shape_id, "direction": e.direction, "class_name": e.class_name,
         "track_id": e.track_id, "at": e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC),
         "dwell_seconds": e.dwell_seconds, "received_at": received_at,
         "origin": e.origin, "destination": e.destination}
        for e in facts.events
    ]


class Ingestor:
    def __init__(self, db: Database, *, after_commit: AfterCommit | None = None):
        self.db = db
        self.after_commit = after_commit
        self.events_written = 0
        self.messages = 0
        self.batches = 0
        self._known_cameras: set[str] = set()

    async def ingest(self, batch: list[tuple[CountEvents, Delivery]]) -> None:
        """The batch handler: store the events of every message, then run ``after_commit``.
        A database that cannot be reached is ``Unavailable``: the bus holds the batch."""
        now = utcnow()
        rows = [r for facts, d in batch for r in event_rows(facts, d.trace_id, now)]
        try:
            with INGEST_SECONDS.time():
                await self.write(rows)
        except UNREACHABLE as exc:
            raise Unavailable(f"the database cannot be reached: {exc!r}") from exc
        INGEST_BATCH.observe(len(batch))
        self.messages += len(batch)
        if self.after_commit is not None:
            await self.after_commit(rows)

    async def write(self, rows: Rows) -> None:
        """One transaction: register new cameras, insert the rows (duplicates skipped)."""
        # A stable order means two workers inserting overlapping keys lock them in the same
        # order on PostgreSQL and cannot deadlock.
        rows = sorted(rows, key=lambda r: tuple(r[k] for k in EVENT_KEY))
        new_cameras = {r["camera_id"] for r in rows} - self._known_cameras
        async with self.db.transaction() as session:
            await ensure_cameras(session, new_cameras, utcnow())
            await insert_events(session, rows)
        self._known_cameras |= new_cameras
        self.events_written += len(rows)
        self.batches += 1
