"""The route matrix over the counts API, as a spreadsheet reads it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import aiohttp

from tests.analytics.test_http_api import AUTH, TOKEN
from tests.analytics.test_route_report import walk
from tests.helpers.analytics import BERLIN, WorkerFactory, facts, store
from workers.analytics.http_api import CountsApi
from workers.bus import Bus
from workers.contracts import utcnow
from workers.samples.route_scenes import route_zone_set
from workers.storage import Database, upgrade
from workers.storage.cameras import add_zone_set


async def test_routes_as_csv_name_origin_and_destination_with_the_transit(
        inprocess_bus: Bus, start_worker: WorkerFactory, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'api.db'}"
    db = Database(url)
    await upgrade(db)
    async with db.transaction() as session:
        await add_zone_set(session, "hall", 1,
                           route_zone_set(camera_id="hall").model_dump(mode="json"), "z", utcnow())
    await store(db, facts("hall", [
        *walk("2026-06-10T09:00:00+02:00", "2026-06-10T09:00:04+02:00", "west", "east", 1),
        *walk("2026-06-10T09:30:00+02:00", "2026-06-10T09:30:06+02:00", "west", "east", 2),
        *walk("2026-06-10T23:30:00+02:00", "2026-06-10T23:30:05+02:00", "east", "east", 3)]))
    await db.dispose()
    worker = await start_worker(inprocess_bus, url, timezone=BERLIN)
    server = CountsApi(worker.queries, TOKEN, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}/routes", headers=AUTH, params={
                    "camera": "hall", "start": "2026-06-10T00:00", "end": "2026-06-10T12:00",
                    "format": "csv"}) as r:
                assert r.status == 200, await r.text()
                rows = list(csv.DictReader(io.StringIO(await r.text())))
            async with http.get(f"{server.url}/routes", headers=AUTH,
                                params={"camera": "hall", "start": "2026-06-10"}) as r:
                refused = (r.status, (await r.json())["error"])
            async with http.get(f"{server.url}/openapi.json") as r:
                spec = await r.json()
    finally:
        await server.stop()
    assert [(row["name"], row["origin_name"], row["destination_name"], row["count"],
             row["mean_transit_seconds"]) for row in rows] == [
        ("West → East", "West", "East", "2", "5.0")]
    assert refused == (400, "end: a value is needed")
    assert "/routes" in spec["paths"] and "RoutesReply" in spec["components"]["schemas"]
