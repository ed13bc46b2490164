"""Aggregation into hourly and daily buckets in a local time zone, read back through queries."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.helpers.analytics import BERLIN, at, event, facts, store
from workers.analytics.aggregation import Aggregator, aggregation_job
from workers.analytics.queries import QueryService
from workers.contracts.queries import SeriesQuery, SeriesReply
from workers.storage import Database
from workers.storage.models import Aggregate, AggregateBucket


async def aggregate(db: Database, period: str, start: str, end: str) -> None:
    job = aggregation_job("cam-a", period, BERLIN, at(start), at(end))
    await Aggregator(db, BERLIN, timedelta(minutes=1)).run(job)


async def series(db: Database, period: str, start: str, end: str) -> SeriesReply:
    return await QueryService(db, BERLIN).series(
        SeriesQuery(camera_id="cam-a", period=period, start=at(start), end=at(end)))


def counts(reply: SeriesReply) -> dict[str, tuple[int, int]]:
    return {p.label: (p.count_in, p.count_out) for p in reply.points if p.count_in or p.count_out}


async def test_events_either_side_of_an_hour_boundary_count_in_their_own_hour(db: Database) -> None:
    await store(db, facts("cam-a", [
        event("2026-06-10T09:59:59.999+02:00", "in", track=1),
        event("2026-06-10T10:00:00+02:00", "in", track=2),
        event("2026-06-10T10:59:59.5+02:00", "out", track=3),
        event("2026-06-10T11:00:00+02:00", "out", track=4),
    ]))
    window = ("2026-06-10T09:00+02:00", "2026-06-10T12:00+02:00")
    expected = {"2026-06-10T09:00+02:00": (1, 0), "2026-06-10T10:00+02:00": (1, 1),
                "2026-06-10T11:00+02:00": (0, 1)}
    assert counts(await series(db, "hourly", *window)) == expected  # counted live from events
    await aggregate(db, "hourly", *window)
    await aggregate(db, "hourly", *window)  # a job run twice changes nothing
    assert counts(await series(db, "hourly", *window)) == expected  # read from aggregates
    async with db.sessions() as session:
        stored = await session.execute(sa.select(sa.func.sum(Aggregate.count)))
        assert stored.scalar_one() == 4


async def test_dst_days_in_berlin_have_23_and_25_hourly_buckets_and_keep_their_events(
        db: Database) -> None:
    await store(db, facts("cam-a", [
        # spring forward: 02:00 does not exist; the day ends at 22:00 UTC
        event("2026-03-29T01:30+01:00", "in", track=1),
        event("2026-03-29T03:30+02:00", "in", track=2),
        event("2026-03-30T00:30+02:00", "in", track=3),  # next day, though < 24 h after midnight
        # fall back: 02:00-03:00 happens twice; the day is 25 hours
        event("2026-10-25T02:15+02:00", "in", track=4),
        event("2026-10-25T02:45+01:00", "out", track=5),
        event("2026-10-25T23:30+01:00", "out", track=6),  # same day, though > 24 h after midnight
    ]))
    for period in ("hourly", "daily"):
        await aggregate(db, period, "2026-03-28T00:00+01:00", "2026-03-31T00:00+02:00")
        await aggregate(db, period, "2026-10-24T00:00+02:00", "2026-10-27T00:00+01:00")

    spring = await series(db, "hourly", "2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00")
    autumn = await series(db, "hourly", "2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00")
    assert len(spring.points) == 23 and len(autumn.points) == 25
    assert counts(spring) == {"2026-03-29T01:00+01:00": (1, 0), "2026-03-29T03:00+02:00": (1, 0)}
    assert counts(autumn) == {"2026-10-25T02:00+02:00": (1, 0), "2026-10-25T02:00+01:00": (0, 1),
                              "2026-10-25T23:00+01:00": (0, 1)}

    days = await series(db, "daily", "2026-03-29T00:00+01:00", "2026-03-31T00:00+02:00")
    assert counts(days) == {"2026-03-29T00:00+01:00": (2, 0), "2026-03-30T00:00+02:00": (1, 0)}
    days = await series(db, "daily", "2026-10-25T00:00+02:00", "2026-10-27T00:00+01:00")
    assert counts(days) == {"2026-10-25T00:00+02:00": (1, 2)}
    async with db.sessions() as session:
        lengths = {(b.bucket_start, b.bucket_end - b.bucket_start) for b in (await session.execute(
            sa.select(AggregateBucket).where(AggregateBucket.period == "daily"))).scalars()}
    assert (at("2026-03-29T00:00+01:00"), timedelta(hours=23)) in lengths
    assert (at("2026-10-25T00:00+02:00"), timedelta(hours=25)) in lengths


async def test_a_series_reads_aggregated_buckets_and_counts_the_rest_live(db: Database) -> None:
    await store(db, facts("cam-a", [event("2026-06-10T08:10+02:00", "in", track=1),
                                     event("2026-06-10T09:10+02:00", "in", track=2)]))
    await aggregate(db, "hourly", "2026-06-10T08:00+02:00", "2026-06-10T09:00+02:00")
    # an event the 08:00 job did not see, stored behind its back (no late-event job here)
    await store(db, facts("cam-a", [event("2026-06-10T08:20+02:00", "in", track=3)]))
    reply = await series(db, "hourly", "2026-06-10T08:00+02:00", "2026-06-10T10:00+02:00")
    # 08:00 comes from its aggregate (1) until re-aggregated; 09:00 was never aggregated: live
    assert counts(reply) == {"2026-06-10T08:00+02:00": (1, 0), "2026-06-10T09:00+02:00": (1, 0)}
    await aggregate(db, "hourly", "2026-06-10T08:00+02:00", "2026-06-10T09:00+02:00")
    reply = await series(db, "hourly", "2026-06-10T08:00+02:00", "2026-06-10T10:00+02:00")
    assert counts(reply) == {"2026-06-10T08:00+02:00": (2, 0), "2026-06-10T09:00+02:00": (1, 0)}
