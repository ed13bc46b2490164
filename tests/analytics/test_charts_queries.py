"""What the console's analytics charts ask for: lines or zones apart, zone occupancy per bucket,
totals over a closed range, and a refused report explained to whoever follows it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.analytics.test_reports import follow, request, seed
from tests.helpers.analytics import BERLIN, WorkerFactory, at, event, facts, store
from workers.analytics.queries import QueryService
from workers.bus import Bus
from workers.contracts.queries import OccupancyQuery, SeriesQuery, TotalsQuery
from workers.storage import Database

DAY = ("2026-06-10T00:00+02:00", "2026-06-11T00:00+02:00")


async def test_a_camera_series_keeps_line_crossings_and_zone_entries_apart(db: Database) -> None:
    await store(db, facts("cam-a", [
        event("2026-06-10T09:10+02:00", "in", track=1),
        event("2026-06-10T09:20+02:00", "out", track=2),
        event("2026-06-10T09:30+02:00", "in", track=1, kind="zone", shape="queue"),
    ]))
    service = QueryService(db, BERLIN)

    async def nine(shape_kind: str | None) -> tuple[int, int]:
        reply = await service.series(SeriesQuery(camera_id="cam-a", period="daily", start=at(DAY[0]),
                                                 end=at(DAY[1]), shape_kind=shape_kind))
        return reply.total_in, reply.total_out

    assert await nine("line") == (1, 1)
    assert await nine("zone") == (1, 0)
    assert await nine(None) == (2, 1)


async def test_occupancy_per_hour_is_who_is_inside_at_its_end_and_the_most_at_once(
        db: Database) -> None:
    await store(db, facts("cam-a", [
        # the day before: one person entered and never left (still inside at midnight)
        event("2026-06-09T22:00+02:00", "in", track=1, kind="zone", shape="queue"),
        event("2026-06-10T09:05+02:00", "in", track=2, kind="zone", shape="queue"),
        event("2026-06-10T09:10+02:00", "in", track=3, kind="zone", shape="queue"),
        event("2026-06-10T09:40+02:00", "out", track=2, kind="zone", shape="queue"),
        event("2026-06-10T10:15+02:00", "out", track=3, kind="zone", shape="queue", dwell=3900),
        event("2026-06-10T10:16+02:00", "out", track=1, kind="zone", shape="queue"),
        # an exit whose entry was never stored must not take occupancy below zero
        event("2026-06-10T10:30+02:00", "out", track=9, kind="zone", shape="queue"),
        event("2026-06-10T09:15+02:00", "in", track=4, kind="zone", shape="other"),
        event("2026-06-10T09:15+02:00", "in", track=5),  # a line crossing is no occupancy
    ]))
    reply = await QueryService(db, BERLIN).occupancy(OccupancyQuery(
        camera_id="cam-a", period="hourly", start=at("2026-06-10T08:00+02:00"),
        end=at("2026-06-10T12:00+02:00"), shape_id="queue"))
    assert [(p.label, p.at_end, p.peak) for p in reply.points] == [
        ("2026-06-10T08:00+02:00", 1, 1),
        ("2026-06-10T09:00+02:00", 2, 3),
        ("2026-06-10T10:00+02:00", 0, 2),
        ("2026-06-10T11:00+02:00", 0, 0),
    ]
    every_zone = await QueryService(db, BERLIN).occupancy(OccupancyQuery(
        camera_id="cam-a", period="daily", start=at(DAY[0]), end=at(DAY[1])))
    assert [(p.at_end, p.peak) for p in every_zone.points] == [(1, 4)]


async def test_totals_cover_exactly_the_range_asked_for(db: Database) -> None:
    await store(db, facts("cam-a", [
        event("2026-06-09T23:59+02:00", "in", track=1),
        event("2026-06-10T12:00+02:00", "in", track=2, cls="car"),
        event("2026-06-10T23:59+02:00", "out", track=3),
        event("2026-06-11T00:00+02:00", "out", track=4),
    ]))
    reply = await QueryService(db, BERLIN).totals(TotalsQuery(since=at(DAY[0]), until=at(DAY[1])))
    assert [(r.shape_id, r.class_name, r.count_in, r.count_out) for r in reply.rows] == [
        ("door", "car", 1, 0), ("door", "person", 0, 1)]


async def test_a_refused_report_tells_its_follower_why(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await seed(url)
    await start_worker(inprocess_bus, url)
    progress = await follow(inprocess_bus)
    ghost = request(camera_ids=["cam-a", "ghost"])
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs,
                                "analytics.report.daily_summary", ghost)
    msg = await asyncio.wait_for(progress.get(), 15)
    assert (msg.report_id, msg.state, msg.detail) == (ghost.report_id, "failed",
                                                      "unknown camera(s) ghost")
