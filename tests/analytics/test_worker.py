"""The analytics worker on a bus: ingestion, aggregation, late events, scheduling."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers.analytics import (
    BERLIN,
    FAST,
    WorkerFactory,
    at,
    event,
    facts,
    postgres_database,
    publish_counts,
    store,
)
from tests.helpers.buses import close_bus, start_bus
from tests.helpers.waiting import until_fetched
from workers.analytics import AnalyticsClient
from workers.analytics.ingest import Ingestor, Rows
from workers.analytics.scheduler import Scheduler
from workers.bus import Bus
from workers.contracts import AnalyticsJob, utcnow
from workers.storage import Database, upgrade
from workers.storage.events import count_stored
from workers.storage.models import Aggregate, AggregateBucket, ScheduleMark


@pytest.fixture(params=[
    ("inprocess", "sqlite"),
    pytest.param(("rabbit", "sqlite"), marks=pytest.mark.rabbit),
    pytest.param(("inprocess", "postgres"), marks=pytest.mark.postgres),
], ids=lambda p: "-".join(p))
async def setup(request: pytest.FixtureRequest, namespace: str, tmp_path: Path):
    """(bus, database URL) combinations for the end-to-end test."""
    transport, database = request.param
    bus = await start_bus(transport, namespace, "analytics-test")
    try:
        if database == "sqlite":
            yield bus, f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
        else:
            async with postgres_database() as url:
                yield bus, url
    finally:
        await close_bus(bus)


async def hourly_events(db: Database, camera_id: str) -> dict[str, int]:
    """Events per aggregated hour (local start) with any events."""
    async with db.sessions() as session:
        rows = await session.execute(
            sa.select(AggregateBucket.bucket_start, AggregateBucket.events).where(
                AggregateBucket.camera_id == camera_id, AggregateBucket.period == "hourly",
                AggregateBucket.events > 0))
    return {start.isoformat(): n for start, n in rows}


async def stored_events(db: Database) -> int:
    async with db.sessions() as session:
        return await count_stored(session)


async def test_results_are_stored_once_aggregated_and_served_end_to_end(
        setup: tuple[Bus, str], start_worker: WorkerFactory) -> None:
    bus, url = setup
    worker = await start_worker(bus, url)
    client = AnalyticsClient(bus)
    first = facts("cam-a", [event("2026-06-10T10:05+02:00", "in", track=1),
                             event("2026-06-10T10:06+02:00", "out", track=2)])
    second = facts("cam-a", [event("2026-06-10T11:15+02:00", "in", track=3)])
    for r in (first, second, first):  # ``first`` again: a redelivery, same message_id
        await publish_counts(bus, r)

    # These hours ended long ago, so their events are late: jobs on analytics.jobs aggregate
    # their buckets, with no scheduler involved.
    ten, eleven = at("2026-06-10T10:00+02:00").isoformat(), at("2026-06-10T11:00+02:00").isoformat()
    await until_fetched(lambda: hourly_events(worker.db, "cam-a"), lambda v: v == {ten: 2, eleven: 1})
    await until_fetched(lambda: bus.queue_depths([bus.topology.count_events]),
                        lambda d: d[bus.topology.count_events].ready == 0
                        and not d[bus.topology.count_events].unacked)
    assert await stored_events(worker.db) == 3  # the redelivered result added nothing
    reply = await client.series(camera_id="cam-a", period="hourly",
                                start=at("2026-06-10T10:00+02:00"), end=at("2026-06-10T12:00+02:00"))
    assert [(p.label, p.count_in, p.count_out) for p in reply.points] == [
        ("2026-06-10T10:00+02:00", 1, 1), ("2026-06-10T11:00+02:00", 1, 0)]
    totals = await client.totals(camera_id="cam-a", since=at("2026-06-10T00:00+02:00"))
    assert [(r.shape_id, r.count_in, r.count_out) for r in totals.rows] == [("door", 2, 1)]

    # Another late event re-aggregates its hour and its day: the stored aggregates change.
    await publish_counts(bus, facts("cam-a", [event("2026-06-10T10:59+02:00", "in", track=9)]))
    await until_fetched(lambda: hourly_events(worker.db, "cam-a"), lambda v: v == {ten: 3, eleven: 1})

    async def daily_sum() -> int | None:
        async with worker.db.sessions() as session:
            return (await session.execute(sa.select(sa.func.sum(Aggregate.count)).where(
                Aggregate.period == "daily", Aggregate.timezone == BERLIN))).scalar_one()

    await until_fetched(daily_sum, lambda n: n == 4)


async def test_a_failed_commit_is_retried_and_nothing_acknowledged_is_lost(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    worker = await start_worker(inprocess_bus, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    real_write = Ingestor.write
    failed: list[int] = []

    async def fails_once(self: Ingestor, rows: Rows) -> None:  # the fault: the database is away
        if not failed:
            failed.append(len(rows))
            raise OSError("database unavailable")
        await real_write(self, rows)

    monkeypatch.setattr(Ingestor, "write", fails_once)
    await publish_counts(inprocess_bus, facts("cam-a", [event("2026-06-10T10:05+02:00", "in")]))
    assert await until_fetched(lambda: stored_events(worker.db)) == 1  # tried again by the bus
    assert failed == [1]
    errors = inprocess_bus.topology.error_queue
    assert (await inprocess_bus.queue_depths([errors]))[errors].ready == 0


async def test_the_scheduler_catches_up_on_hours_that_closed_while_no_worker_ran(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    db = Database(url)
    await upgrade(db)
    hour, now = timedelta(hours=1), utcnow()
    await store(db, facts("cam-a", [event(now - 3 * hour, "in", track=1),
                                     event(now - 2 * hour, "in", track=2),
                                     event(now - 2 * hour, "out", track=3)]))
    await start_worker(inprocess_bus, url,
                       settings=dataclasses.replace(FAST, schedule=True, grace_s=0.0))

    found = await until_fetched(lambda: hourly_events(db, "cam-a"), lambda v: sum(v.values()) == 3)
    assert sorted(found.values()) == [1, 2]
    async with db.sessions() as session:
        marks = (await session.execute(sa.select(ScheduleMark.period))).scalars().all()
    assert set(marks) == {"hourly", "daily", "weekly", "monthly"}
    # A second worker's scheduler finds every period claimed already: it publishes nothing.
    published: list[AnalyticsJob] = []

    async def publish(job: AnalyticsJob) -> None:
        published.append(job)

    await Scheduler(db, publish, timezone=BERLIN, grace=timedelta(0)).tick()
    assert published == []
    await db.dispose()
