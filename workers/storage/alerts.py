"""Alerts and their acknowledgement, and the log of notifications handed to the notifier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import Alert, NotificationLog
from workers.storage.sql import insert

_alerts = Alert.__table__
_log = NotificationLog.__table__


async def record_alert(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Store an alert once (a redelivered alert event is a no-op)."""
    res = await session.execute(
        insert(session.bind.dialect.name, _alerts).on_conflict_do_nothing().values(**row))
    return res.rowcount == 1


async def recent_alerts(session: AsyncSession, *, limit: int, camera_id: str | None = None,
                        unacknowledged_only: bool = False) -> list[Alert]:
    stmt = sa.select(Alert).order_by(Alert.raised_at.desc()).limit(limit)
    if camera_id is not None:
        stmt = stmt.where(Alert.camera_id == camera_id)
    if unacknowledged_only:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return list((await session.execute(stmt)).scalars())


async def acknowledge(session: AsyncSession, alert_id: str, by: str, at: datetime,
                      note: str = "") -> Alert | None:
    """Mark an alert acknowledged, with the operator's note; the first acknowledgement is kept.
    None if there is no such alert."""
    alert = await session.get(Alert, alert_id, with_for_update=True)
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = by, at
        alert.acknowledge_note = note or None
    return alert


async def resolve(session: AsyncSession, alert_id: str, at: datetime) -> bool:
    """Record when an alert's condition ended (the first "resolved" is kept)."""
    res = await session.execute(sa.update(Alert).where(
        Alert.alert_id == alert_id, Alert.resolved_at.is_(None)).values(resolved_at=at))
    return res.rowcount == 1


async def open_rule_alerts(session: AsyncSession) -> list[Alert]:
    """Alerts raised by a rule engine (their data names the rule's kind) not resolved yet."""
    stmt = (sa.select(Alert).where(Alert.resolved_at.is_(None), Alert.rule_id.is_not(None))
            .order_by(Alert.raised_at))
    return [a for a in (await session.execute(stmt)).scalars() if a.data.get("rule_kind")]


async def rule_alerts_resolved_since(session: AsyncSession, since: datetime) -> list[Alert]:
    """Alerts a rule engine raised at ``since`` or later that are resolved already."""
    stmt = (sa.select(Alert).where(Alert.resolved_at.is_not(None), Alert.rule_id.is_not(None),
                                   Alert.raised_at >= since).order_by(Alert.raised_at))
    return [a for a in (await session.execute(stmt)).scalars() if a.data.get("rule_kind")]


async def log_notification(session: AsyncSession, row: dict[str, Any]) -> None:
    """Record a notification handed to the notifier (once per message id)."""
    await session.execute(
        insert(session.bind.dialect.name, _log).on_conflict_do_nothing().values(**row))
