"""The notification log: one row per notification with where it stands, one row per attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import NotificationAttempt, NotificationLog
from workers.storage.sql import insert

_log = NotificationLog.__table__

#: states of a notification in the log
SCHEDULED, WAITING, RETRYING, SENT, FAILED = "scheduled", "waiting", "retrying", "sent", "failed"


async def set_state(session: AsyncSession, row: dict[str, Any]) -> None:
    """Create or update a notification's row (keyed by ``message_id``); ``row`` holds
    message_id, channel, target_id, recipients, subject, state, updated_at and optionally
    attempts, error, sent_at, alert_id, report_id."""
    values = {"created_at": row["updated_at"], "attempts": 0, **row}
    changing = {k: v for k, v in row.items() if k not in ("message_id", "created_at")}
    stmt = insert(session.bind.dialect.name, _log).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["message_id"], set_=changing))


async def add_attempt(session: AsyncSession, *, message_id: str, attempt: int, channel: str,
                      target_id: str | None, at: datetime, ok: bool, status: int | None,
                      error: str | None, duration_ms: float) -> None:
    session.add(NotificationAttempt(message_id=message_id, attempt=attempt, channel=channel,
                                    target_id=target_id, at=at, ok=ok, status=status, error=error,
                                    duration_ms=duration_ms))


async def entry(session: AsyncSession, message_id: str) -> NotificationLog | None:
    return (await session.execute(
        sa.select(NotificationLog).where(NotificationLog.message_id == message_id))).scalar()


async def attempts(session: AsyncSession, message_id: str) -> list[NotificationAttempt]:
    stmt = (sa.select(NotificationAttempt).where(NotificationAttempt.message_id == message_id)
            .order_by(NotificationAttempt.id))
    return list((await session.execute(stmt)).scalars())
