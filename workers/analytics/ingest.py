"""Storing count events from detection results, in batches, acknowledging only what is committed.

Each handler call adds its result's events to a shared buffer and waits; one writer commits the
buffer every ``max_delay`` seconds, or at once when it holds ``max_events`` events or as many
messages as the consumer may have in flight. Only then do the waiting handlers return and the
bus acknowledge their messages, so nothing acknowledged can be lost; a failed commit fails every
handler of the batch and the bus retries their messages. Redelivered messages insert nothing:
the database skips rows whose (message, shape, track, kind, direction) it already holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from workers.contracts import DetectionResult, utcnow
from workers.storage import Database
from workers.storage.cameras import ensure_cameras
from workers.storage.events import EVENT_KEY, insert_events

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
AfterCommit = Callable[[Rows], Awaitable[None]]


class IngestError(Exception):
    """The batch holding this message's events could not be stored."""


def event_rows(result: DetectionResult, trace_id: str | None, received_at: datetime) -> Rows:
    """One row per count event of a result. A time without a zone is taken as UTC (the wire's)."""
    return [
        {"message_id": result.message_id, "trace_id": trace_id, "camera_id": result.camera_id,
         "zones_version": result.counting_data.zones_version, "kind": e.kind,
         "shape_id": e.shape_id, "direction": e.direction, "class_name": e.class_name,
         "track_id": e.track_id, "at": e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC),
         "dwell_seconds": e.dwell_seconds, "received_at": received_at}
        for e in result.counting_data.events
    ]


class Ingestor:
    def __init__(self, db: Database, *, max_events: int = 2000, max_messages: int = 256,
                 max_delay: float = 0.1, after_commit: AfterCommit | None = None):
        self.db = db
        self.max_events = max_events
        self.max_messages = max_messages
        self.max_delay = max_delay
        self.after_commit = after_commit
        self.events_written = 0
        self.batches = 0
        self._pending: list[tuple[Rows, asyncio.Future[None]]] = []
        self._pending_events = 0
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._known_cameras: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def pending_events(self) -> int:
        return self._pending_events

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Commit what is buffered, then stop (call once nothing can call ``ingest`` any more)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def ingest(self, result: DetectionResult, trace_id: str | None) -> int:
        """Store a result's events; returns once they are committed (the count of events)."""
        rows = event_rows(result, trace_id, utcnow())
        if not rows:
            return 0
        if self._closing:
            raise IngestError("the analytics worker is stopping; the broker will redeliver")
        done = asyncio.get_running_loop().create_future()
        self._pending.append((rows, done))
        self._pending_events += len(rows)
        if self._pending_events >= self.max_events or len(self._pending) >= self.max_messages:
            self._wake.set()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._wake.set)
        await done
        return len(rows)

    async def _run(self) -> None:
        while True:
            if not self._closing:
                await self._wake.wait()
            self._wake.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            batch, self._pending, self._pending_events = self._pending, [], 0
            if batch:
                await self._flush(batch)
            if self._closing and not self._pending:
                return

    async def _flush(self, batch: list[tuple[Rows, asyncio.Future[None]]]) -> None:
        rows = [r for rows, _ in batch for r in rows]
        try:
            await self.write(rows)
            if self.after_commit is not None:
                await self.after_commit(rows)
        except Exception as exc:
            log.warning("could not store %d count events of %d messages: %r", len(rows),
                        len(batch), exc)
            for _, done in batch:
                if not done.done():
                    done.set_exception(IngestError(f"count events not stored: {exc!r}"))
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)

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
