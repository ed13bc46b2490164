"""Distributed mode on real RabbitMQ: a camera, an analytics worker and a (HOG) detector count a
clip; the detector is restarted (a new one starts counting from zero) and the clip plays again.
The console's tile goes on from what analytics stored instead of dropping to 0: the second run's
crossings are added to the first's."""

from __future__ import annotations

from pathlib import Path

import pytest

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics import FAST
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.analytics.worker import control_queue
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig, CameraControl, LineDef, ZoneSet
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


async def test_a_restarted_detector_never_sets_the_tile_back_to_zero(
        qtbot, settings: Settings, namespace: str, tmp_path: Path) -> None:
    truth = generate(tmp_path / "door.mp4", people=2, fps=10, size=(640, 360), seed=5)
    x1, y1, x2, y2 = truth.line
    once = truth.count_in + truth.count_out
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)
    bus = RabbitBus(BROKER_URL, topology, source="workers")
    await bus.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", settings=FAST,
                                reports_dir=tmp_path)
    await analytics.start(bus)
    client = AnalyticsClient(bus)
    assert (await client.save_zone_set(ZoneSet(
        camera_id="door", frame_width=truth.width, frame_height=truth.height,
        lines=[LineDef(id="door", name="Door", points=((x1, y1), (x2, y2)))]),
        base_version=0)).saved
    detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"], worker_id="det-1")
    await detector.start(bus)
    camera = CameraWorker([CameraConfig(camera_id="door", source=str(tmp_path / truth.video),
                                        analysis_fps=10)], timing=Timing(status_every=0.5))
    console = Console(BROKER_URL, settings, namespace=namespace, host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()

    def shown() -> int:
        result = console.wall.state("door").latest_result
        return 0 if result is None else result.counting_data.count_in + \
            result.counting_data.count_out

    try:
        await console.start()
        await until(lambda: console.started, 20, "the console connected")
        console.wall.show_camera("door")
        await camera.start(bus)
        await until(lambda: shown() == once, 120, f"the first run's {once} crossings shown")
        first_since = console.wall.state("door").latest_result.counting_data.counting_since
        await until(lambda: camera.stats()["cameras"]["door"]["state"] == "offline", 60,
                    "the clip played to its end")

        await detector.stop()  # a new detector counts from zero
        detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"],
                                  worker_id="det-2")
        await detector.start(bus)
        seen_after: list[int] = []  # what the tile showed once the stored counts were back
        await bus.publish(topology.camera_events, topology.control_key("door"),
                          CameraControl(camera_id="door", action="start"))

        def restarted() -> bool:
            result = console.wall.state("door").latest_result
            if (result is not None and result.counting_data.counting_since != first_since
                    and "door" in console.wall.counted_before):
                seen_after.append(shown())
            return shown() == 2 * once

        await until(restarted, 120, f"both runs' {2 * once} crossings shown")
        assert seen_after and min(seen_after) >= once, seen_after
        state = console.wall.state("door").latest_result.counting_data
        assert state.counting_since != first_since
        assert (state.count_in, state.count_out) == (2 * truth.count_in, 2 * truth.count_out)
        assert console.wall.counted_before["door"].count_in == truth.count_in
    finally:
        await console.stop()
        await camera.stop()
        await detector.stop()
        await analytics.stop()
        await bus.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("door").name,
                                                     control_queue(topology).name])
