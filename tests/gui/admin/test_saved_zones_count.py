"""A line drawn in the editor and saved is stored by analytics and reaches a running detector,
which counts with it from its next frame, and the console's own overlay shows the new version
(in-process bus, real analytics and detector workers with the HOG detector, a generated video
whose counts are known)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop.console import Console
from tests.helpers.waiting import until
from tests.helpers.zone_editor import click, open_editor
from workers.bus import Delivery
from workers.contracts import DetectionResult, Frame
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate


def video_frame(image, frame_id: str) -> Frame:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return Frame(camera_id="door", frame_id=frame_id, width=image.shape[1], height=image.shape[0],
                 fps=10, quality=85, jpeg=buf.tobytes())


@pytest.mark.slow
async def test_a_saved_line_reaches_the_detector_and_changes_its_counts(
        qtbot, console: Console, analytics, tmp_path: Path) -> None:
    truth = generate(tmp_path / "walk.mp4", people=2, fps=10, seed=3)
    cap = cv2.VideoCapture(str(tmp_path / truth.video))
    images = []
    while (got := cap.read())[0]:
        images.append(got[1])
    cap.release()
    bus, t = console.bus, console.bus.topology
    detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"], worker_id="det-test")
    await detector.start(bus)
    results: asyncio.Queue[DetectionResult] = asyncio.Queue()

    async def on_result(r: DetectionResult, _: Delivery) -> None:
        results.put_nowait(r)

    await bus.subscribe(t.camera_events, [t.detection_key("door")], on_result,
                        model=DetectionResult, max_length=10_000)

    async def play(n: int) -> DetectionResult:
        await bus.publish(t.camera_events, t.frame_key("door"), video_frame(images[n], f"door:{n}"))
        while (r := await asyncio.wait_for(results.get(), 30)).frame_id != f"door:{n}":
            pass  # results of the frames the editor froze
        return r

    try:
        before = [await play(n) for n in range(5)]
        assert all(r.counting_data.lines == {} and r.counting_data.zones_version == 1
                   for r in before)

        editor = await open_editor(qtbot, console, make_frame=lambda k: video_frame(
            images[4], f"door:still-{k}"))
        x1, y1, x2, y2 = truth.line  # bottom to top through the middle: "in" is left to right
        editor.tool_actions["line"].trigger()
        click(editor.canvas, x1, min(y1, truth.height - 1))
        click(editor.canvas, x2, y2)
        assert editor.save_button.text() == "Save version 1"
        QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: editor.status.text().startswith("Saved version 1"), 5)
        # the console's overlay follows the announcement, as every open console does
        await until(lambda: console.wall.state("door").zones is not None
                    and console.wall.state("door").zones.version == 1
                    and console.wall.state("door").zones.lines, 5)
        line_id = console.wall.state("door").zones.lines[0].id

        for n in range(5, len(images)):
            last = await play(n)
    finally:
        await detector.stop()
    assert last.counting_data.zones_version == 1
    line = last.counting_data.lines[line_id]
    assert (line.count_in, line.count_out) == (truth.count_in, truth.count_out)
    assert truth.count_in + truth.count_out == 2
