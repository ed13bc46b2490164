"""Report requests and the lease a worker holds while it runs one.

A request is stored (state ``queued``) before its message is acknowledged. A run claims it with
a conditional update that only one worker can win, and keeps the lease alive while it works;
a run whose worker died leaves a lease that expires, and the next sweep claims it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import Report
from workers.storage.sql import insert

_reports = Report.__table__


async def record_request(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Store a new request as queued; False if this report id is known already."""
    res = await session.execute(insert(session.bind.dialect.name, _reports)
                                .on_conflict_do_nothing().values(state="queued", attempts=0, **row))
    return res.rowcount == 1


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    r = _reports.c
    return sa.or_(r.state == "queued", sa.and_(r.state == "running", r.lease_until < now))


async def claim(session: AsyncSession, report_id: str, owner: str, now: datetime,
                lease: timedelta) -> Report | None:
    """Take the report for a run if it is queued or its last run's lease expired."""
    r = _reports.c
    res = await session.execute(
        sa.update(_reports).where(r.report_id == report_id, _claimable(now))
        .values(state="running", lease_owner=owner, lease_until=now + lease,
                attempts=r.attempts + 1, started_at=now, error=None))
    if res.rowcount != 1:
        return None
    return await session.get(Report, report_id, populate_existing=True)


async def renew(session: AsyncSession, report_id: str, owner: str, now: datetime,
                lease: timedelta) -> bool:
    """Extend the lease; False when this run no longer holds it."""
    r = _reports.c
    res = await session.execute(
        sa.update(_reports).where(r.report_id == report_id, r.state == "running",
                                  r.lease_owner == owner)
        .values(lease_until=now + lease))
    return res.rowcount == 1


async def set_path(session: AsyncSession, report_id: str, owner: str, path: str) -> bool:
    """Record the file of a run still in progress (the notifier attaches it from here)."""
    r = _reports.c
    res = await session.execute(
        sa.update(_reports).where(r.report_id == report_id, r.lease_owner == owner,
                                  r.state == "running").values(path=path))
    return res.rowcount == 1


async def finish(session: AsyncSession, report_id: str, owner: str, now: datetime, *,
                 state: str, path: str | None = None, error: str | None = None) -> bool:
    """End a run (done or failed) if it still holds the lease."""
    r = _reports.c
    res = await session.execute(
        sa.update(_reports).where(r.report_id == report_id, r.lease_owner == owner,
                                  r.state == "running")
        .values(state=state, path=path, error=error, finished_at=now, lease_until=None))
    return res.rowcount == 1


async def release(session: AsyncSession, report_id: str, owner: str, *, error: str | None = None,
                  ) -> bool:
    """Hand a run back (worker stopping, or a failure worth another attempt): queued again."""
    r = _reports.c
    res = await session.execute(
        sa.update(_reports).where(r.report_id == report_id, r.lease_owner == owner,
                                  r.state == "running")
        .values(state="queued", lease_owner=None, lease_until=None, error=error))
    return res.rowcount == 1


async def give_up(session: AsyncSession, max_attempts: int, now: datetime) -> list[str]:
    """Fail reports whose lease expired after their last allowed attempt."""
    r = _reports.c
    stmt = (sa.update(_reports)
            .where(r.state == "running", r.lease_until < now, r.attempts >= max_attempts)
            .values(state="failed", finished_at=now, lease_until=None,
                    error=f"gave up after {max_attempts} attempts: each run's worker stopped "
                          "before it finished")
            .returning(r.report_id))
    return list((await session.execute(stmt)).scalars())


async def claimable(session: AsyncSession, now: datetime, limit: int = 20) -> list[str]:
    """Reports waiting for a run: never started, or their worker's lease expired."""
    stmt = (sa.select(_reports.c.report_id).where(_claimable(now))
            .order_by(_reports.c.created_at).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def get(session: AsyncSession, report_id: str) -> Report | None:
    return await session.get(Report, report_id, populate_existing=True)


async def recent(session: AsyncSession, limit: int) -> list[Report]:
    stmt = sa.select(Report).order_by(Report.created_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())
