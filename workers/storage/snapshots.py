"""Snapshots: stored once per count-events message, looked up by it, and pruned by age and by
the total size they may take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import SnapshotRow
from workers.storage.sql import insert

_snaps = SnapshotRow.__table__
#: rows deleted per statement when pruning by size (oldest first)
_PRUNE_CHUNK = 500


async def insert_snapshots(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store snapshots; one already stored for the same count events is kept as it is."""
    if rows:
        stmt = insert(session.bind.dialect.name, _snaps).on_conflict_do_nothing(
            index_elements=["event_message_id"])
        await session.execute(stmt, list(rows))


async def get_snapshot(session: AsyncSession, event_message_id: str) -> SnapshotRow | None:
    return await session.get(SnapshotRow, event_message_id)


async def newest_before(session: AsyncSession, camera_id: str, at: datetime,
                        shape_id: str | None = None) -> SnapshotRow | None:
    """The camera's newest snapshot taken at or before ``at`` (of a line or zone, when given:
    the shape list is filtered here, not in SQL, as JSON containment differs by database)."""
    stmt = (sa.select(SnapshotRow).where(SnapshotRow.camera_id == camera_id,
                                         SnapshotRow.taken_at <= at)
            .order_by(SnapshotRow.taken_at.desc()).limit(1 if shape_id is None else 50))
    for row in (await session.execute(stmt)).scalars():
        if shape_id is None or shape_id in row.shape_ids:
            return row
    return None


async def which_exist(session: AsyncSession, event_message_ids: Sequence[str]) -> set[str]:
    if not event_message_ids:
        return set()
    stmt = sa.select(_snaps.c.event_message_id).where(
        _snaps.c.event_message_id.in_(set(event_message_ids)))
    return set((await session.execute(stmt)).scalars())


async def total_bytes(session: AsyncSession) -> tuple[int, int]:
    """(snapshots stored, their bytes)."""
    n, size = (await session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(_snaps.c.size_bytes), 0)))).one()
    return int(n), int(size)


async def prune(session: AsyncSession, *, older_than: datetime | None,
                max_total_bytes: int | None) -> int:
    """Delete snapshots taken before ``older_than``, then the oldest until the rest take at
    most ``max_total_bytes``; how many were deleted."""
    deleted = 0
    if older_than is not None:
        res = await session.execute(sa.delete(_snaps).where(_snaps.c.taken_at < older_than))
        deleted += res.rowcount or 0
    if max_total_bytes is not None:
        _, size = await total_bytes(session)
        while size > max_total_bytes:
            oldest = (await session.execute(
                sa.select(_snaps.c.event_message_id, _snaps.c.size_bytes)
                .order_by(_snaps.c.taken_at, _snaps.c.event_message_id).limit(_PRUNE_CHUNK))).all()
            if not oldest:
                break
            doomed = []
            for message_id, n in oldest:
                if size <= max_total_bytes:
                    break
                doomed.append(message_id)
                size -= n
            await session.execute(sa.delete(_snaps).where(_snaps.c.event_message_id.in_(doomed)))
            deleted += len(doomed)
    return deleted
