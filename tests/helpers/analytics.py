"""The analytics worker's tests: fast settings, a PostgreSQL database per test, and count events
built and stored as a detector would send them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers.services import POSTGRES_URL
from workers.analytics import AnalyticsSettings, AnalyticsWorker
from workers.analytics.ingest import Ingestor, event_rows
from workers.bus import Bus
from workers.contracts import CountEvent, CountEvents, utcnow
from workers.storage import Database

BERLIN = "Europe/Berlin"




FAST = AnalyticsSettings(grace_s=1.0, schedule=False, report_lease_s=3.0,
                         report_sweep_s=0.5)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    name = f"camcount_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()






WorkerFactory = Callable[..., Awaitable[AnalyticsWorker]]


def at(text: str) -> datetime:
    """An aware instant from ISO text with an offset (``2026-10-25T02:30+01:00``)."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, "give test times with their offset"
    return value.astimezone(UTC)


def event(when: str | datetime, direction: str = "in", *, track: int = 1, shape: str = "door",
          kind: str = "line", cls: str = "person", dwell: float | None = None) -> CountEvent:
    return CountEvent(kind=kind, shape_id=shape, direction=direction, class_name=cls,
                      track_id=track, at=at(when) if isinstance(when, str) else when,
                      dwell_seconds=dwell)


def facts(camera_id: str, events: list[CountEvent], *, message_id: str | None = None,
           zones_version: int = 1) -> CountEvents:
    """The count events of one frame, as a detector publishes them."""
    frame_at = max((e.at for e in events), default=datetime.now(UTC))
    fields: dict[str, Any] = {} if message_id is None else {"message_id": message_id}
    return CountEvents(camera_id=camera_id, frame_id=f"f-{uuid.uuid4().hex[:8]}",
                       frame_timestamp=frame_at, zones_version=zones_version, events=events,
                       **fields)


async def publish_counts(bus: Bus, facts: CountEvents) -> None:
    await bus.publish(bus.topology.camera_events, bus.topology.counts_key(facts.camera_id), facts)


async def store(db: Database, *messages: CountEvents) -> None:
    """Store count events through the ingest path, in one batch."""
    await Ingestor(db).write([r for m in messages for r in event_rows(m, None, utcnow())])


