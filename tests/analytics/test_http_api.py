"""The read-only counts API over real HTTP: what a spreadsheet or a BI tool gets, and what it is
refused."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.analytics import BERLIN, WorkerFactory, event, facts, publish_counts, store
from tests.helpers.waiting import until_fetched
from tests.processes import spawn
from workers.alerting import store as alerting_store
from workers.analytics import AnalyticsClient
from workers.analytics.http_api import CountsApi
from workers.bus import Bus
from workers.contracts import CameraConfig, CameraControl, ZoneSet
from workers.contracts.alerting import AlertingConfig
from workers.contracts.sites import Site
from workers.storage import Database, upgrade

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def api(inprocess_bus: Bus, start_worker: WorkerFactory,
              tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """An analytics worker (Berlin time) with one camera, its line and zone, and counts on
    2026-06-10: 10:00-11:00 three in and one out, 11:00-12:00 two in; its API on a free port."""
    bus = inprocess_bus
    worker = await start_worker(bus, f"sqlite+aiosqlite:///{tmp_path / 'api.db'}", timezone=BERLIN)
    t = bus.topology
    zones = ZoneSet.model_validate({
        "camera_id": "door-cam", "frame_width": 960, "frame_height": 540,
        "lines": [{"id": "door", "name": "Front door", "points": [[480, 540], [480, 0]]}],
        "zones": [{"id": "queue", "name": "Queue", "points": [[0, 300], [400, 300], [400, 540]]}]})
    await bus.publish(t.camera_events, t.control_key("door-cam"), CameraControl(
        camera_id="door-cam", action="configure",
        config=CameraConfig(camera_id="door-cam", name="Door", source="/dev/null")))
    await bus.publish(t.camera_events, t.control_key("door-cam"),
                      CameraControl(camera_id="door-cam", action="set_zones", zones=zones))
    await publish_counts(bus, facts("door-cam", [
        event("2026-06-10T10:05+02:00", "in", track=1), event("2026-06-10T10:10+02:00", "in", track=2),
        event("2026-06-10T10:20+02:00", "in", track=3), event("2026-06-10T10:40+02:00", "out", track=4),
        event("2026-06-10T11:15+02:00", "in", track=5), event("2026-06-10T11:45+02:00", "in", track=6)]))
    server = CountsApi(worker.queries, TOKEN, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            await until_fetched(lambda: _totals(http, server.url), lambda n: n == 6)
            await until_fetched(lambda: _lines(http, server.url), bool)
            yield server.url, http
    finally:
        await server.stop()


async def _totals(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}/totals", headers=AUTH,
                        params={"since": "2026-06-10", "until": "2026-06-11"}) as r:
        rows = (await r.json())["rows"]
    return sum(row["count_in"] + row["count_out"] for row in rows)


async def _lines(http: aiohttp.ClientSession, url: str) -> list[dict[str, str]]:
    async with http.get(f"{url}/cameras", headers=AUTH) as r:
        return [line for c in (await r.json())["cameras"] for line in c["lines"]]


async def test_without_the_token_nothing_is_answered(
        api: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = api
    for headers in ({}, {"Authorization": "Bearer wrong-token-of-some-length"}):
        async with http.get(f"{url}/totals", headers=headers) as r:
            assert r.status == 401
            assert "token" in (await r.json())["error"]
    async with http.get(f"{url}/cameras", params={"token": TOKEN}) as r:
        assert r.status == 200  # a spreadsheet that cannot send headers


async def test_a_bad_date_range_is_refused_with_a_clear_message(
        api: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = api
    for params, says in (
            ({"start": "2026-06-11", "end": "2026-06-10"}, "end must be after start"),
            ({"start": "yesterday", "end": "2026-06-10"}, "start: 'yesterday' is not an ISO-8601"),
            ({"start": "2024-01-01", "end": "2026-06-10"}, "spans at most 400 days"),
            ({"start": "2026-06-10", "end": "2026-06-11", "tz": "Mars/Olympus"},
             "unknown time zone 'Mars/Olympus'")):
        async with http.get(f"{url}/series", headers=AUTH,
                            params={"camera": "door-cam", **params}) as r:
            assert r.status == 400, params
            error = (await r.json())["error"]
            print(params, "->", error)
            assert says in error


async def test_series_as_csv_has_the_right_totals_per_hour_and_overall(
        api: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = api
    async with http.get(f"{url}/series", headers=AUTH, params={
            "camera": "door-cam", "period": "hourly", "start": "2026-06-10T09:00",
            "end": "2026-06-10T13:00", "kind": "line", "format": "csv"}) as r:
        assert r.status == 200
        assert r.content_type == "text/csv"
        text = await r.text()
    print(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["label"][:16] for row in rows] == [
        "2026-06-10T09:00", "2026-06-10T10:00", "2026-06-10T11:00", "2026-06-10T12:00"]
    assert [(int(row["count_in"]), int(row["count_out"])) for row in rows] == [
        (0, 0), (3, 1), (2, 0), (0, 0)]
    assert sum(int(row["count_in"]) for row in rows) == 5


async def test_totals_and_cameras_name_the_lines_and_zones(
        api: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = api
    async with http.get(f"{url}/totals", headers={**AUTH, "Accept": "text/csv"},
                        params={"since": "2026-06-10", "until": "2026-06-11"}) as r:
        rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert [(row["shape_name"], row["count_in"], row["count_out"]) for row in rows] == [
        ("Front door", "5", "1")]
    async with http.get(f"{url}/cameras", headers=AUTH) as r:
        cameras = (await r.json())["cameras"]
    assert cameras[0]["name"] == "Door"
    assert cameras[0]["lines"] == [{"id": "door", "name": "Front door"}]
    assert cameras[0]["zones"] == [{"id": "queue", "name": "Queue"}]
    async with http.get(f"{url}/openapi.json") as r:
        spec = await r.json()
    assert {"/cameras", "/series", "/occupancy", "/totals", "/alerts"} <= set(spec["paths"])


def test_the_worker_will_not_serve_the_api_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CAMCOUNT_API_TOKEN"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "analytics", "--broker", "local",
         "--db", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "--http", "0"],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "needs a token" in done.stderr


async def test_the_worker_serves_the_api_on_loopback(tmp_path: Path) -> None:
    """``camcount-worker analytics --http PORT`` as installed: its own process and database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    db = Database(url)
    await upgrade(db)
    await store(db, facts("cam-x", [event("2026-06-10T10:05+02:00", "in", track=1)]))
    await db.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "analytics.log"
    proc = spawn(["analytics", "--broker", "local", "--db", url, "--http", str(port)], log,
                 {**os.environ, "CAMCOUNT_API_TOKEN": TOKEN})
    try:
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    async with http.get(f"http://127.0.0.1:{port}/api/v1/totals", headers=AUTH,
                                        params={"since": "2026-06-10T00:00+02:00",
                                                "until": "2026-06-11T00:00+02:00"}) as r:
                        body = await r.json()
                        break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, log.read_text()
                    await asyncio.sleep(0.2)
        print(body)
        assert [(row["camera_id"], row["count_in"]) for row in body["rows"]] == [("cam-x", 1)]
        assert TOKEN not in log.read_text()
    finally:
        proc.terminate()
        proc.wait(30)


async def test_a_stored_sites_occupancy_as_csv_and_an_unknown_site_refused(
        api: tuple[str, aiohttp.ClientSession], inprocess_bus: Bus) -> None:
    url, http = api
    saved = await AnalyticsClient(inprocess_bus).save_site(Site(
        id="front", name="Front", max_occupancy=2,
        doors=[{"camera_id": "door-cam", "line_id": "door"}]))
    assert saved.saved
    async with http.get(f"{url}/sites", headers=AUTH, params={"format": "csv"}) as r:
        assert list(csv.DictReader(io.StringIO(await r.text()))) == [
            {"site_id": "front", "name": "Front", "doors": "door-cam/door:in", "zones": "",
             "max_occupancy": "2"}]
    params = {"site": "front", "start": "2026-06-10T10:00", "end": "2026-06-10T12:00",
              "tz": BERLIN, "format": "csv"}
    async with http.get(f"{url}/site-occupancy", headers=AUTH, params=params) as r:
        assert r.status == 200, await r.text()
        rows = list(csv.DictReader(io.StringIO(await r.text())))
    # 10:00-11:00 three in and one out; 11:00-12:00 two in
    assert [(row["label"], row["at_end"], row["peak"], row["max_occupancy"]) for row in rows] == [
        ("2026-06-10T10:00+02:00", "2", "3", "2"), ("2026-06-10T11:00+02:00", "4", "4", "2")]
    async with http.get(f"{url}/site-occupancy", headers=AUTH,
                        params={**params, "site": "nowhere"}) as r:
        assert r.status == 400 and (await r.json())["error"] == "site: no site 'nowhere' is stored"


async def test_a_refusal_is_written_in_the_sites_language(
        api: tuple[str, aiohttp.ClientSession], tmp_path: Path) -> None:
    """With the site set to Russian (the stored site settings, as an admin saves them), a refused
    request says why in Russian; the codes beside the sentence are the same in every language,
    for programs."""
    url, http = api
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}")  # the worker's database
    try:
        await alerting_store.load_or_seed(db, AlertingConfig(language="ru"), by="test")
    finally:
        await db.dispose()
    async with http.get(f"{url}/series", headers=AUTH, params={
            "camera": "door-cam", "start": "2026-06-11", "end": "2026-06-10"}) as r:
        assert r.status == 400
        body = await r.json()
    assert body["error"] == "конец должен быть позже начала"
    assert [p["code"] for p in body["problems"]] == ["end_before_start"]
    async with http.get(f"{url}/series", headers=AUTH, params={
            "camera": "door-cam", "start": "2026-06-10", "end": "2026-06-11",
            "period": "yearly"}) as r:
        body = await r.json()
    assert body["error"].startswith("period: должно быть одним из: ")  # pydantic's own check
    assert body["problems"][0] == {"field": "period", "code": "literal_error",
                                   "params": {"expected": "'hourly', 'daily', 'weekly' or 'monthly'"}}
    async with http.get(f"{url}/totals", headers={"Authorization": "Bearer wrong-token-of-length"}) as r:
        assert r.status == 401
        assert (await r.json())["error"].startswith("нужен действительный токен")
