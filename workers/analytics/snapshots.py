"""Keeping snapshots: stored as they come (a batch per transaction), pruned by a retention
setting (days and total megabytes), the oldest first.

Snapshots are evidence, not facts: one that cannot be stored for a reason of its own goes to the
error queue like any bad message, and the database being away holds the batch, as for counts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from workers.analytics.ingest import batch_transaction
from workers.bus import Delivery
from workers.contracts import Snapshot, utcnow
from workers.storage import Database
from workers.storage.snapshots import insert_snapshots, prune, total_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotRetention:
    #: snapshots taken longer ago than this are deleted (None: kept whatever their age)
    days: float | None = 30.0
    #: the oldest are deleted while all of them take more than this (None: no size limit)
    max_mb: float | None = 2048.0
    #: how often retention is applied
    every_s: float = 300.0


class SnapshotKeeper:
    def __init__(self, db: Database, retention: SnapshotRetention):
        self.db = db
        self.retention = retention
        self.stored = 0
        self.pruned = 0

    async def store(self, batch: list[tuple[Snapshot, Delivery]]) -> None:
        """The batch handler of ``camera.snapshots``."""
        now = utcnow()
        rows = [{"event_message_id": s.event_message_id, "camera_id": s.camera_id,
                 "frame_id": s.frame_id[:200], "taken_at": s.taken_at, "width": s.width,
                 "height": s.height, "shape_ids": s.shape_ids, "size_bytes": len(s.jpeg),
                 "jpeg": s.jpeg, "received_at": now} for s, _ in batch]
        async with batch_transaction(self.db) as session:
            await insert_snapshots(session, rows)
        self.stored += len(rows)

    async def prune(self) -> int:
        """Apply the retention setting now; how many snapshots were deleted."""
        r = self.retention
        older_than = None if r.days is None else utcnow() - timedelta(days=r.days)
        max_bytes = None if r.max_mb is None else int(r.max_mb * 1024 * 1024)
        async with self.db.transaction() as session:
            deleted = await prune(session, older_than=older_than, max_total_bytes=max_bytes)
            kept, size = await total_bytes(session)
        if deleted:
            log.info("snapshots: %d pruned, %d kept (%.1f MB)", deleted, kept, size / 2**20)
        self.pruned += deleted
        return deleted

    async def prune_forever(self) -> None:
        """Every ``every_s``, from one period after start (a starting worker has other writes
        to make first)."""
        while True:
            await asyncio.sleep(self.retention.every_s)
            try:
                await self.prune()
            except Exception:  # the database may be away or busy: the next round tries again
                log.warning("pruning snapshots failed", exc_info=True)
