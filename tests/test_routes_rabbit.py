"""Routes along the whole path over a real RabbitMQ, each worker a process of its own: an admin
saves a zone set with routes, the camera worker plays a scene whose routes are known by
construction, the detector worker (HOG) counts it with the stored zones, the analytics worker
stores the route events and answers the origin → destination matrix and a route's series."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until_fetched
from tests.rabbit_util import purge_namespace
from tests.test_pipeline_rabbit import stop, worker
from workers.analytics import AnalyticsClient
from workers.bus.client import RequestFailed
from workers.samples.route_scenes import make_route_scene, route_zone_set
from workers.samples.scenarios import write
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


async def test_routes_of_a_known_scene_reach_the_matrix(namespace: str, tmp_path: Path) -> None:
    from workers.bus.rabbit import RabbitBus

    scene, truth = make_route_scene(people=5, seed=1, size=(640, 360))
    video = tmp_path / write(scene, tmp_path / "hall.mp4").video
    zones = route_zone_set(640, 360, camera_id="hall")
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="routes-test")
    await bus.start()
    common = ["--broker", BROKER_URL, "--namespace", namespace]
    procs = {"analytics": worker("analytics", *common, "--db",
                                 f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")}
    client = AnalyticsClient(bus)
    since = datetime.now(UTC) - timedelta(minutes=1)
    try:
        async def save():
            try:
                return await client.save_zone_set(zones, base_version=0)
            except RequestFailed:
                return None  # analytics is still starting
        saved = await until_fetched(save, lambda r: r is not None, timeout=60)
        assert saved.saved, saved.error
        procs["detector"] = worker("detector", *common, "--detector", "hog", "--camera", "hall",
                                   "--worker-id", "det-routes")
        frame_queue = topology.frame_queue("hall").name
        deadline = time.monotonic() + 60
        while ((await bus.queue_depths([frame_queue])).get(frame_queue) is None
               or (await bus.queue_depths([frame_queue]))[frame_queue].consumers < 1):
            assert procs["detector"].poll() is None, stop(procs["detector"])
            assert time.monotonic() < deadline, "the detector never consumed the frame queue"
            await asyncio.sleep(0.3)
        # 5 frames/s: a detector on a machine shared with other work keeps up (frames older than
        # the detector's limit are dropped as stale, as live frames should be)
        procs["camera"] = worker("camera", *common, "--camera", f"hall={video}", "--fps", "5")
        want = {(a.title(), b.title()): n for (a, b), n in truth.matrix().items()}

        async def matrix():
            reply = await client.routes("hall", since=since, until=datetime.now(UTC))
            return {(r.origin_name, r.destination_name): r.count for r in reply.rows}, reply
        got, reply = await until_fetched(matrix, lambda m: m[0] == want,
                                         timeout=scene.truth.frames / 10 + 90, interval=0.5)
        # a route is a series like a line: people per hour, the mean transit as its dwell
        hour = await client.series(camera_id="hall", period="hourly", shape_id="west-east",
                                   start=since, end=datetime.now(UTC) + timedelta(minutes=1))
        everything = await client.series(camera_id="hall", period="hourly", start=since,
                                         end=datetime.now(UTC) + timedelta(minutes=1))
    finally:
        logs = {name: stop(p)[-1500:] for name, p in reversed(procs.items())}
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("hall").name])
        await bus.close()
    assert got == want, logs
    assert hour.total_in == want.get(("West", "East"), 0)
    # a camera's series counts its crossings, never the same people again as routes
    assert everything.total_in + everything.total_out == 2 * len(truth.people)
    # names from the stored zone set, the transit of a walk across the street
    assert {r.name for r in reply.rows} <= {r.name for r in zones.routes}
    assert all(1.0 < r.mean_transit_seconds < 20 for r in reply.rows)
