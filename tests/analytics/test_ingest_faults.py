"""Batched ingestion keeps the nothing-lost promises over the real broker: a malformed message in
a backlog costs only itself, and a database outage in the middle of a drain loses nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers.analytics import WorkerFactory, event, facts, postgres_database, publish_counts
from tests.helpers.buses import close_bus, error_inbox, start_bus
from tests.helpers.waiting import until_fetched
from tests.tcp_proxy import TcpProxy
from workers.analytics.aggregation import aggregation_job, job_routing_key
from workers.bus import Bus
from workers.contracts import CountEvents, utcnow
from workers.storage import Database
from workers.storage.models import AggregateBucket, CountEventRow
from workers.topology import ERROR_HEADER

pytestmark = pytest.mark.rabbit


@pytest.fixture
async def rabbit(namespace: str) -> AsyncIterator[Bus]:
    bus = await start_bus("rabbit", namespace, "ingest-test")
    try:
        yield bus
    finally:
        await close_bus(bus)


def track(n: int) -> CountEvents:
    """Counted now: no late event, so no aggregation job meets the outage too."""
    return facts(f"cam-{n % 4}", [event(utcnow(), "in", track=n)])


async def stored_tracks(db: Database) -> list[int]:
    async with db.sessions() as session:
        return list((await session.execute(sa.select(CountEventRow.track_id))).scalars())


async def test_a_malformed_message_in_a_backlog_is_dead_lettered_and_the_rest_stored(
        rabbit: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    t = rabbit.topology
    errors = await error_inbox(rabbit)
    for n in range(300):
        if n == 150:  # a count event with a direction no detector sends
            bad = json.loads(track(n).to_wire()[0])
            bad["events"][0]["direction"] = "sideways"
            await rabbit.publish(t.camera_events, t.counts_key("cam-2"), json.dumps(bad).encode())
        await publish_counts(rabbit, track(n))
    # The whole backlog waits before the worker starts, so it arrives in full batches.
    worker = await start_worker(rabbit, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")

    stored = await until_fetched(lambda: stored_tracks(worker.db), lambda v: len(v) >= 300)
    assert sorted(stored) == list(range(300))
    dead = await asyncio.wait_for(errors.get(), 10)
    assert json.loads(dead.body)["events"][0]["direction"] == "sideways"
    assert "events.0.direction" in dead.headers[ERROR_HEADER]
    await until_fetched(lambda: rabbit.queue_depths([t.count_events]),
                        lambda d: d[t.count_events].ready == 0 and not d[t.count_events].unacked)
    assert errors.empty()


@asynccontextmanager
async def worker_behind_a_relay(rabbit: Bus, start_worker: WorkerFactory,
                                ) -> AsyncIterator[tuple[TcpProxy, Database]]:
    """An analytics worker whose PostgreSQL is reached through a relay the test can cut, as a
    network outage would; and the database as the test reads it, past the relay."""
    async with postgres_database() as url:
        target = sa.make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        try:
            worker = await start_worker(rabbit, target.set(host="127.0.0.1", port=proxy.port)
                                        .render_as_string(hide_password=False))
            direct = Database(url)
            try:
                yield proxy, direct
            finally:
                await direct.dispose()
                await worker.stop()
        finally:
            await proxy.cut()


@pytest.mark.postgres
async def test_a_database_outage_in_the_middle_of_a_drain_loses_nothing(
        rabbit: Bus, start_worker: WorkerFactory) -> None:
    """PostgreSQL behind a relay that the test cuts, as a network outage would: the batches that
    meet it are held (never acknowledged, never dead-lettered) and stored once it is back."""
    t = rabbit.topology
    errors = await error_inbox(rabbit)
    async with worker_behind_a_relay(rabbit, start_worker) as (proxy, direct):
        for n in range(200):
            await publish_counts(rabbit, track(n))
        await until_fetched(lambda: stored_tracks(direct), lambda v: len(v) == 200)

        await proxy.cut()
        for n in range(200, 800):
            await publish_counts(rabbit, track(n))
        # The batches that meet the outage are held in their queue (the broker's
        # figures lag by seconds), not sent round the retry queues to the error queue.
        await until_fetched(lambda: rabbit.queue_depths([t.count_events]),
                            lambda d: d[t.count_events].ready
                            + (d[t.count_events].unacked or 0) == 600, timeout=20)
        assert len(await stored_tracks(direct)) == 200
        await proxy.start()

        stored = await until_fetched(lambda: stored_tracks(direct),
                                     lambda v: len(v) >= 800, timeout=60)
        assert sorted(stored) == list(range(800))  # every count once
        assert errors.empty()


async def aggregated_hours(db: Database, camera_id: str) -> list:
    async with db.sessions() as session:
        return list((await session.execute(
            sa.select(AggregateBucket.bucket_start).where(AggregateBucket.camera_id == camera_id,
                                                          AggregateBucket.period == "hourly"))
        ).scalars())


@pytest.mark.postgres
async def test_an_aggregation_job_that_meets_an_outage_waits_for_the_database(
        rabbit: Bus, start_worker: WorkerFactory) -> None:
    """An hour's aggregation job arriving while PostgreSQL is away is put back for later, not
    sent round the retries (1 + 2 + 4 s) to the error queue, and is done once it is back."""
    errors = await error_inbox(rabbit)
    async with worker_behind_a_relay(rabbit, start_worker) as (proxy, direct):
        await proxy.cut()
        hour = (utcnow() - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
        job = aggregation_job("cam-outage", "hourly", "UTC", hour, hour + timedelta(hours=1))
        await rabbit.publish(rabbit.topology.analytics_jobs, job_routing_key(job), job)
        await asyncio.sleep(10)  # past the retries an ordinary failure gets
        assert errors.empty()
        assert await aggregated_hours(direct, "cam-outage") == []
        await proxy.start()
        done = await until_fetched(lambda: aggregated_hours(direct, "cam-outage"),
                                   lambda v: len(v) == 1, timeout=30)
        assert done[0].replace(tzinfo=None) == hour.replace(tzinfo=None)
        assert errors.empty()
