"""Routes in the PDF report: the matrix and transit times of the day, the camera totals left to
its lines (a route is the same people again)."""

from __future__ import annotations

import asyncio
import csv

from tests.analytics.test_reports import pdf_words, produced, request
from tests.helpers.analytics import WorkerFactory, at, event, facts, store
from workers.bus import Bus
from workers.contracts import utcnow
from workers.contracts.detection import CountEvent
from workers.samples.route_scenes import route_zone_set
from workers.storage import Database, upgrade
from workers.storage.cameras import add_zone_set


def walk(when: str, done: str, origin: str, destination: str, track: int) -> list[CountEvent]:
    """One person's two door crossings and the route they completed."""
    transit = (at(done) - at(when)).total_seconds()
    return [event(when, "in", track=track, shape=origin),
            event(done, "out", track=track, shape=destination),
            CountEvent(kind="route", shape_id=f"{origin}-{destination}", direction="in",
                       class_name="person", track_id=track, at=at(done), dwell_seconds=transit,
                       origin=origin, destination=destination)]


async def seed_walks(db_url: str) -> None:
    db = Database(db_url)
    await upgrade(db)
    async with db.transaction() as session:
        await add_zone_set(session, "cam-a", 1,
                           route_zone_set(camera_id="cam-a").model_dump(mode="json"), "z", utcnow())
    await store(db, facts("cam-a", [
        *walk("2026-10-25T09:00:00+01:00", "2026-10-25T09:00:04+01:00", "west", "east", 1),
        *walk("2026-10-25T09:10:00+01:00", "2026-10-25T09:10:06+01:00", "west", "east", 2),
        *walk("2026-10-25T11:00:00+01:00", "2026-10-25T11:00:05+01:00", "east", "west", 3),
        *walk("2026-10-26T11:00:00+01:00", "2026-10-26T11:00:05+01:00", "east", "east", 4),
    ]))
    await db.dispose()


async def test_the_pdf_report_has_the_route_matrix_and_transit_times(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await seed_walks(db_url)
    await start_worker(inprocess_bus, db_url)
    text = pdf_words(await produced(inprocess_bus, request(camera_ids=["cam-a"])))
    assert "cam-a Lines: 3 in, 3 out." in text  # the doors' crossings, not the routes again
    assert "Routes of cam-a" in text
    # busiest door first on both sides (a tie: by name); a dash where no route leads
    assert "From \\ to East West East - 1 West 2 -" in text, text
    assert "West -> East 2 5.0" in text  # two people, 4 s and 6 s
    assert "East -> West 1 5.0" in text
    assert "East -> East" not in text  # the day after


async def test_the_csv_report_has_the_route_matrix_named_as_in_the_pdf(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await seed_walks(db_url)
    await start_worker(inprocess_bus, db_url)
    path = await produced(inprocess_bus, request(camera_ids=["cam-a"], format="csv"))
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    routes = [(r["shape_name"], r["origin"], r["destination"], r["class_name"], r["count_in"],
               r["mean_transit_seconds"]) for r in rows if r["kind"] == "route"]
    assert sorted(routes) == [("East -> West", "East", "West", "person", "1", "5.0"),
                              ("West -> East", "West", "East", "person", "2", "5.0")]
    # one row each over the whole day, after the counts; the lines' crossings are not doubled
    assert {(r["bucket_start"], r["bucket_end"]) for r in rows if r["kind"] == "route"} == {
        ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")}
    assert [r["kind"] for r in rows][-2:] == ["route", "route"]
    assert sum(int(r["count_in"]) for r in rows if r["kind"] == "line") == 3
