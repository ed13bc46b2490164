"""Fixtures for the analytics worker: a real SQLite file and, when reachable, a fresh PostgreSQL
database per test; the in-process bus and, marked ``rabbit``, RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.analytics import (
    BERLIN,
    FAST,
    WorkerFactory,
    postgres_database,
)
from workers.analytics import AnalyticsSettings, AnalyticsWorker
from workers.bus import Bus
from workers.storage import Database, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A real SQLite file, or a PostgreSQL database created for this test and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


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
