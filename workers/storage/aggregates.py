"""Aggregates per bucket, and the scheduler's marks.

Recomputing a bucket first upserts its ``aggregate_buckets`` row. On PostgreSQL that row lock
serialises two workers recomputing the same buckets (both sorted, so they cannot deadlock); the
second then deletes and rewrites the first's rows instead of colliding with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.events import NO_FILTER, EventFilter
from workers.storage.models import Aggregate, AggregateBucket, ScheduleMark
from workers.storage.sql import insert

_buckets = AggregateBucket.__table__
_aggs = Aggregate.__table__
_marks = ScheduleMark.__table__


@dataclass(frozen=True)
class BucketKey:
    camera_id: str
    period: str
    timezone: str
    start: datetime
    end: datetime


async def upsert_buckets(session: AsyncSession, keys: Sequence[BucketKey], now: datetime,
                         events: dict[datetime, int] | None = None) -> None:
    """Record buckets as computed now, with their event totals when given.

    Called first without totals: on PostgreSQL the upsert locks the rows for this transaction.
    """
    if not keys:
        return
    rows = [{"camera_id": k.camera_id, "period": k.period, "timezone": k.timezone,
             "bucket_start": k.start, "bucket_end": k.end,
             "events": (events or {}).get(k.start, 0), "computed_at": now}
            for k in sorted(keys, key=lambda k: (k.camera_id, k.period, k.timezone, k.start))]
    stmt = insert(session.bind.dialect.name, _buckets)
    update = {"bucket_end": stmt.excluded.bucket_end, "computed_at": stmt.excluded.computed_at}
    if events is not None:
        update["events"] = stmt.excluded.events
    stmt = stmt.on_conflict_do_update(
        index_elements=["camera_id", "period", "timezone", "bucket_start"], set_=update)
    await session.execute(stmt, rows)


async def replace_aggregates(session: AsyncSession, camera_id: str, period: str, timezone: str,
                             start: datetime, end: datetime, rows: Sequence[dict[str, object]]) -> None:
    """Replace the aggregate rows of the (locked) buckets starting in [start, end)."""
    a = _aggs.c
    await session.execute(sa.delete(_aggs).where(
        a.camera_id == camera_id, a.period == period, a.timezone == timezone,
        a.bucket_start >= start, a.bucket_start < end))
    if rows:
        await session.execute(sa.insert(_aggs), [
            {"camera_id": camera_id, "period": period, "timezone": timezone, **r} for r in rows])


async def aggregated_starts(session: AsyncSession, camera_id: str, period: str, timezone: str,
                            start: datetime, end: datetime) -> set[datetime]:
    b = _buckets.c
    rows = await session.execute(
        sa.select(b.bucket_start).where(b.camera_id == camera_id, b.period == period,
                                        b.timezone == timezone, b.bucket_start >= start,
                                        b.bucket_start < end))
    return set(rows.scalars())


async def read_aggregates(session: AsyncSession, camera_id: str, period: str, timezone: str,
                          start: datetime, end: datetime, where: EventFilter = NO_FILTER,
                          ) -> list[tuple[datetime, str, int, float, int]]:
    """(bucket_start, direction, count, dwell sum, dwell samples) summed over the other dimensions."""
    a = _aggs.c
    stmt = (sa.select(a.bucket_start, a.direction, sa.func.sum(a.count),
                      sa.func.sum(a.dwell_seconds_sum), sa.func.sum(a.dwell_samples))
            .where(a.camera_id == camera_id, a.period == period, a.timezone == timezone,
                   a.bucket_start >= start, a.bucket_start < end)
            .group_by(a.bucket_start, a.direction))
    rows = await session.execute(where.apply(stmt, _aggs))
    return [(s, d, int(n), float(dw or 0), int(dn or 0)) for s, d, n, dw, dn in rows]


async def buckets_covering(session: AsyncSession, camera_ids: Sequence[str], first: datetime,
                           last: datetime) -> list[BucketKey]:
    """Aggregated buckets of these cameras that overlap [first, last]."""
    b = _buckets.c
    rows = await session.execute(
        sa.select(b.camera_id, b.period, b.timezone, b.bucket_start, b.bucket_end)
        .where(b.camera_id.in_(camera_ids), b.bucket_start <= last, b.bucket_end > first))
    return [BucketKey(*r) for r in rows]


async def claim_schedule(session: AsyncSession, period: str, timezone: str, until: datetime,
                         first_start: datetime) -> datetime | None:
    """Move the scheduler's mark for (period, timezone) forward to ``until``.

    Returns where the jobs to publish start (the old mark, or ``first_start`` the first time),
    or None when there is nothing new or another worker moved the mark first.
    """
    m = _marks.c
    old = (await session.execute(
        sa.select(m.done_until).where(m.period == period, m.timezone == timezone))).scalar()
    if old is None:
        stmt = insert(session.bind.dialect.name, _marks).on_conflict_do_nothing()
        res = await session.execute(stmt.values(period=period, timezone=timezone, done_until=until))
        return first_start if res.rowcount == 1 and first_start < until else None
    if old >= until:
        return None
    res = await session.execute(
        sa.update(_marks).where(m.period == period, m.timezone == timezone, m.done_until == old)
        .values(done_until=until))
    return old if res.rowcount == 1 else None
