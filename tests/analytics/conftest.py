"""Fixtures for the analytics worker: a real SQLite file and, when reachable, a fresh PostgreSQL
database per test; the in-process bus and, marked ``rabbit``, RabbitMQ."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.buses import start_bus
from tests.conftest import BROKER_URL, POSTGRES_URL
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsSettings, AnalyticsWorker
from workers.analytics.ingest import Ingestor, event_rows
from workers.analytics.worker import control_queue
from workers.bus import Bus, InProcessBus
from workers.contracts import CountEvent, CountEvents, utcnow
from workers.storage import Database, upgrade

BERLIN = "Europe/Berlin"
T = TypeVar("T")

FAST = AnalyticsSettings(grace_s=1.0, schedule=False, report_lease_s=3.0,
                         report_sweep_s=0.5)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A real SQLite file, or a PostgreSQL database created for this test and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
        return
    async with postgres_database() as url:
        yield url


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


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


async def make_bus(kind: str, namespace: str) -> Bus:
    return await start_bus(kind, namespace, "analytics-test")


async def close_bus(bus: Bus) -> None:
    await bus.close()
    if not isinstance(bus, InProcessBus):
        await purge_namespace(BROKER_URL, bus.topology, [control_queue(bus.topology).name])


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
async def bus(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Bus]:
    b = await make_bus(request.param, namespace)
    try:
        yield b
    finally:
        await close_bus(b)


@pytest.fixture
async def inprocess_bus(namespace: str) -> AsyncIterator[Bus]:
    b = await make_bus("inprocess", namespace)
    try:
        yield b
    finally:
        await close_bus(b)


WorkerFactory = Callable[..., Awaitable[AnalyticsWorker]]


@pytest.fixture
async def start_worker(tmp_path: Path) -> AsyncIterator[WorkerFactory]:
    """Start analytics workers on a bus (stopped at the end of the test)."""
    started: list[AnalyticsWorker] = []

    async def start(bus: Bus, db_url: str, *, timezone: str = BERLIN, worker_id: str = "analytics-1",
                    settings: AnalyticsSettings = FAST) -> AnalyticsWorker:
        worker = AnalyticsWorker(db_url=db_url, timezone=timezone, worker_id=worker_id,
                                 reports_dir=tmp_path / "reports", settings=settings)
        await worker.start(bus)
        started.append(worker)
        return worker

    yield start
    for worker in reversed(started):
        await worker.stop()


# -- building messages ----------------------------------------------------------------------------
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


async def wait_for(fetch: Callable[[], Awaitable[T]], until: Callable[[T], bool] = bool,
                   timeout: float = 15.0, interval: float = 0.05) -> T:
    """Poll ``fetch`` until ``until(value)``; fail showing the last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        await asyncio.sleep(interval)
