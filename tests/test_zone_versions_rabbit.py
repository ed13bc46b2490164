"""One version number, one set of lines and zones (issue 12, part 4), on real RabbitMQ with the
real analytics and detector workers: a conflicting set under a used version is refused with the
reason (the error queue, the camera's errors, the requester) and never applied; zones sent while
analytics is down are applied only once it has stored them; a retired line's id is not reused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import pytest
import ultralytics

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsClient, AnalyticsSettings, AnalyticsWorker
from workers.analytics.worker import control_queue
from workers.bus import Delivery
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraControl, CameraError, DetectionResult, Frame, LineDef, ZoneSet
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.topology import ERROR_HEADER, Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]

IMAGE = cv2.resize(cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / "bus.jpg")),
                   (480, 640))


def zones(version: int, line_id: str, x: float) -> ZoneSet:
    return ZoneSet(camera_id="door", version=version, frame_width=480, frame_height=640,
                   lines=[LineDef(id=line_id, points=((x, 640), (x, 0)))])


async def test_one_version_names_one_zone_set(namespace: str, tmp_path: Path) -> None:
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)
    t = topology
    side = RabbitBus(BROKER_URL, topology, source="test")
    await side.start()
    results: asyncio.Queue[DetectionResult] = asyncio.Queue()
    errors: list[tuple[str, bytes]] = []
    camera_errors: list[CameraError] = []

    async def on_result(r: DetectionResult, _: Delivery) -> None:
        results.put_nowait(r)

    async def on_dead(d: Delivery, _: Delivery) -> None:
        errors.append((str(d.headers.get(ERROR_HEADER)), d.body))

    async def on_camera_error(e: CameraError, _: Delivery) -> None:
        camera_errors.append(e)

    await side.subscribe(t.camera_events, [t.detection_key("door")], on_result,
                         model=DetectionResult, max_length=10_000)
    await side.subscribe(t.camera_events, [t.error_key("door")], on_camera_error,
                         model=CameraError)
    await side.consume(t.error_queue, on_dead, retry=None)
    client = AnalyticsClient(side)
    n = 0

    async def lines_in_use() -> tuple[int, set[str]]:
        nonlocal n
        n += 1
        jpeg = cv2.imencode(".jpg", IMAGE)[1].tobytes()
        await side.publish(t.camera_events, t.frame_key("door"), Frame(
            camera_id="door", frame_id=f"door:{n}", width=480, height=640, fps=5, quality=90,
            jpeg=jpeg))
        while (r := await asyncio.wait_for(results.get(), 30)).frame_id != f"door:{n}":
            pass
        return r.counting_data.zones_version, set(r.counting_data.lines)

    async def until_counting_with(version: int, ids: set[str]) -> None:
        for _ in range(100):
            if await lines_in_use() == (version, ids):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"never counted with version {version} {ids}")

    async def start_analytics() -> tuple[RabbitBus, AnalyticsWorker]:
        bus = RabbitBus(BROKER_URL, topology, source="analytics")
        await bus.start()
        worker = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'z.db'}",
                                 reports_dir=tmp_path, settings=AnalyticsSettings(schedule=False))
        await worker.start(bus)
        return bus, worker

    abus, analytics = await start_analytics()
    dbus = RabbitBus(BROKER_URL, topology, source="detector")
    await dbus.start()
    detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"], worker_id="det-1")
    await detector.start(dbus)
    try:
        assert (await client.save_zone_set(zones(1, "a", 100), base_version=0)).saved
        await until_counting_with(1, {"a"})

        # another set under version 1, published straight to camera.control: refused everywhere
        await side.publish(t.camera_events, t.control_key("door"), CameraControl(
            camera_id="door", action="set_zones", zones=zones(1, "b", 300)))
        why = ("zones version 1 not stored: version 1 is stored already with other shapes, and "
               "the newest stored zones of camera door are version 1: load them and draw on them")
        for _ in range(100):
            if errors and camera_errors:
                break
            await asyncio.sleep(0.1)
        assert errors and errors[0][0] == f"PermanentError: {why}"
        assert [e.error for e in camera_errors] == [why]
        assert await lines_in_use() == (1, {"a"})
        assert await client.latest_zone_set("door") == zones(1, "a", 100)

        # a save drawn on an old version is refused, with what is stored now
        stale = await client.save_zone_set(zones(1, "c", 200), base_version=0)
        assert not stale.saved and stale.current == zones(1, "a", 100)
        assert "version 1 is stored already with other shapes" in (stale.error or "")

        # sent while analytics is down: not applied until analytics has stored it
        await analytics.stop()
        await abus.close()
        await side.publish(t.camera_events, t.control_key("door"), CameraControl(
            camera_id="door", action="set_zones", zones=zones(2, "d", 200)))
        for _ in range(5):
            assert await lines_in_use() == (1, {"a"})
        abus, analytics = await start_analytics()
        await until_counting_with(2, {"d"})

        # "a" was removed by version 2: a new line may not take its id (and its totals)
        reused = await client.save_zone_set(zones(3, "a", 50), base_version=2)
        assert not reused.saved
        assert reused.error == ("a: the id of a line or zone that an earlier version removed; a "
                                "new shape needs a new id, or it would carry on the old one's "
                                "totals")

        # a restarted detector counts with the stored version 2
        await detector.stop()
        detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"],
                                  worker_id="det-2")
        await detector.start(dbus)
        await until_counting_with(2, {"d"})
    finally:
        await detector.stop()
        await dbus.close()
        await analytics.stop()
        await abus.close()
        await side.close()
        await purge_namespace(BROKER_URL, topology, [t.frame_queue("door").name,
                                                     control_queue(topology).name])
