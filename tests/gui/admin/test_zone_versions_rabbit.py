"""Issue 12, part 4, as an admin meets it on real RabbitMQ with the real zone editor, analytics and
detector workers: with analytics stopped the editor says it cannot save and publishes nothing, the
detector keeps counting with the stored line; with analytics back the new line is saved as the
next version, the detector counts with it from zero (not carrying on the old line's totals), and
a restarted detector counts with the same line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop.console import Console
from camcount_desktop.settings import Settings
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.helpers.zone_editor import click, open_editor
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsClient, AnalyticsSettings, AnalyticsWorker
from workers.analytics.worker import control_queue
from workers.bus import Delivery
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraControl, DetectionResult, Frame, LineDef, ZoneSet
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


def video_frame(image, frame_id: str) -> Frame:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return Frame(camera_id="door", frame_id=frame_id, width=image.shape[1], height=image.shape[0],
                 fps=10, quality=85, jpeg=buf.tobytes())


class Process:
    """A worker on its own connection, as a worker process has."""

    def __init__(self, topology: Topology, worker, name: str):
        self.bus = RabbitBus(BROKER_URL, topology, source=name)
        self.worker = worker
        self.running = False

    async def start(self) -> Process:
        await self.bus.start()
        self.running = True
        await self.worker.start(self.bus)
        return self

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.worker.stop()
            await self.bus.close()


async def test_zones_saved_while_analytics_is_down_never_diverge(
        qtbot, settings: Settings, namespace: str, tmp_path: Path) -> None:
    truth = generate(tmp_path / "walk.mp4", people=2, fps=10, seed=3)
    cap = cv2.VideoCapture(str(tmp_path / truth.video))
    images = []
    while (got := cap.read())[0]:
        images.append(got[1])
    cap.release()
    x1, y1, x2, y2 = truth.line
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'site.db'}"

    def analytics() -> Process:
        return Process(topology, AnalyticsWorker(
            db_url=db_url, reports_dir=tmp_path, settings=AnalyticsSettings(schedule=False)),
            "analytics")

    def detector(worker_id: str) -> Process:
        return Process(topology, DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"],
                                                worker_id=worker_id), worker_id)

    side = RabbitBus(BROKER_URL, topology, source="test")  # the camera, and what the test sees
    await side.start()
    results: asyncio.Queue[DetectionResult] = asyncio.Queue()
    zone_messages: list[CameraControl] = []

    async def on_result(r: DetectionResult, _: Delivery) -> None:
        results.put_nowait(r)

    async def on_control(c: CameraControl, _: Delivery) -> None:
        if c.action in ("set_zones", "zones_stored"):
            zone_messages.append(c)

    await side.subscribe(topology.camera_events, [topology.detection_key("door")], on_result,
                         model=DetectionResult, max_length=10_000)
    await side.subscribe(topology.camera_events, [topology.control_key("door")], on_control,
                         model=CameraControl)
    plays = 0

    async def play(n: int) -> DetectionResult:
        nonlocal plays
        plays += 1
        frame_id = f"door:{plays}:{n}"
        await side.publish(topology.camera_events, topology.frame_key("door"),
                           video_frame(images[n], frame_id))
        while (r := await asyncio.wait_for(results.get(), 30)).frame_id != frame_id:
            pass  # results of the frames the editor froze
        return r

    async def counting_with(version: int, line_ids: set[str]) -> None:
        for _ in range(100):
            r = await play(0)
            if r.counting_data.zones_version == version and set(r.counting_data.lines) == line_ids:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the detector counts with {r.counting_data.zones_version} "
                             f"{set(r.counting_data.lines)}, not {version} {line_ids}")

    store = await analytics().start()
    det = await detector("det-1").start()
    console = Console(BROKER_URL, settings, namespace=namespace, host_workers=False)
    editor = None
    try:
        # version 1, saved earlier: the door line, with the id an earlier editor gave it
        old = ZoneSet(camera_id="door", version=1, frame_width=truth.width,
                      frame_height=truth.height,
                      lines=[LineDef(id="line-1", name="Door", points=((x1, y1), (x2, y2)))])
        saved = await AnalyticsClient(side).save_zone_set(old, base_version=0)
        assert saved.saved, saved.error
        await counting_with(1, {"line-1"})
        for n in range(len(images)):
            last = await play(n)
        door = last.counting_data.lines["line-1"]
        assert door.count_in + door.count_out == truth.count_in + truth.count_out == 2

        # analytics stops; the admin opens the zone editor
        await store.stop()
        zone_messages.clear()  # version 1's announcement
        await console.start()
        await until(lambda: console.started, 20, "the console connected")
        editor = await open_editor(qtbot, console, make_frame=lambda k: video_frame(
            images[0], f"door:still-{k}"))
        assert editor.status.text().startswith(
            "Not saving: the analytics worker, which stores zone versions, did not answer")
        assert editor.save_button.text() == "Save (stored version unknown)"
        assert not editor.save_button.isEnabled()
        assert editor.load_stored_button.isVisible()
        editor.tool_actions["line"].trigger()
        click(editor.canvas, x1, min(y1, truth.height - 1))
        click(editor.canvas, x2, y2)
        assert not editor.save_button.isEnabled()
        assert not await editor.controller.save()  # Ctrl+S, or a script, is refused the same
        assert editor.status.text().startswith("Not saved: the analytics worker")
        await asyncio.sleep(0.5)
        assert zone_messages == [], "nothing about zones may be published without analytics"
        await counting_with(1, {"line-1"})

        # analytics is back: the editor loads what is stored, the admin redraws the door line
        store = await analytics().start()
        QTest.mouseClick(editor.load_stored_button, Qt.MouseButton.LeftButton)
        await until(lambda: editor.controller.base_known, 10, "the stored zones were read")
        assert editor.save_button.text() == "Save version 2"
        assert not editor.load_stored_button.isVisible()
        for shape in editor.draft.shapes:
            editor.draft.delete(shape.id)
        editor.tool_actions["line"].trigger()
        click(editor.canvas, x1, min(y1, truth.height - 1))
        click(editor.canvas, x2, y2)
        (new_line,) = editor.draft.shapes
        assert new_line.id != "line-1"
        QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: editor.status.text().startswith("Saved version 2"), 10)
        await until(lambda: any(c.action == "zones_stored" and c.zones.version == 2
                                for c in zone_messages), 10, "version 2 announced")
        assert [c.action for c in zone_messages] == ["zones_stored"]

        # the detector counts with the new line, from zero: it does not carry on line-1's totals
        await counting_with(2, {new_line.id})
        for n in range(len(images)):
            last = await play(n)
        line = last.counting_data.lines[new_line.id]
        assert (line.count_in, line.count_out) == (truth.count_in, truth.count_out)
        stored = await AnalyticsClient(side).latest_zone_set("door")
        assert stored is not None and stored.version == 2
        assert [ln.id for ln in stored.lines] == [new_line.id]

        # a detector restart keeps the same line
        await det.stop()
        det = await detector("det-2").start()
        await counting_with(2, {new_line.id})
    finally:  # the editor is closed by qtbot, which owns it
        await console.stop()
        await det.stop()
        await store.stop()
        await side.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("door").name,
                                                     control_queue(topology).name])
