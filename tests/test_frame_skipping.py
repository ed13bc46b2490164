"""A detector slower than its camera skips frames, never queues them: the wall gets results on
frames a few frames old, however long the camera runs, and no frame is lost unaccounted."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import ultralytics

from workers.bus import Delivery, InProcessBus
from workers.contracts import DetectionResult, Frame
from workers.detector.base import Detections, Detector, DetectorConfig
from workers.detector.hog import HogDetector
from workers.detector.worker import DetectorWorker
from workers.topology import Topology

ASSETS = Path(ultralytics.__file__).parent / "assets"
FRAMES = 60
#: each inference lasts while the camera sends this many frames (at least)
SLOWER_BY = 3
#: frames sent but not yet handed to the detector worker when an analysis begins, at most (the
#: bus delivers them within the camera's pause between frames, unless the machine stalls)
IN_TRANSIT = 3


class SlowerThanTheCamera(Detector):
    """The real HOG detector, whose every inference lasts until the camera has sent
    ``SLOWER_BY`` more frames: slower than the camera by construction, however loaded the
    machine is (the fault this test injects)."""

    lanes = 1

    def __init__(self, sent: Callable[[], int]) -> None:
        self.hog = HogDetector()
        self.model_version = "slow " + self.hog.model_version
        self.frames_sent = threading.Semaphore(0)
        self._sent = sent
        #: frames the camera had sent when each inference began
        self.began: list[int] = []

    def detect(self, image_bgr: np.ndarray, classes: Sequence[str] | None = None) -> Detections:
        self.began.append(self._sent())
        for _ in range(SLOWER_BY):
            self.frames_sent.acquire()
        return self.hog.detect(image_bgr, classes)


async def test_a_detector_slower_than_its_camera_skips_frames_and_never_falls_behind() -> None:
    bus = InProcessBus(Topology("t."))
    await bus.start()
    sent = 0
    detector = SlowerThanTheCamera(lambda: sent)
    worker = DetectorWorker(DetectorConfig(kind="hog", motion_skip=False), cameras=["door"],
                            worker_id="det-slow", detector=detector)
    for _ in range(SLOWER_BY):  # the worker's warm-up frame at start
        detector.frames_sent.release()
    await worker.start(bus)
    detector.began.clear()
    t = bus.topology
    #: (frame the result was computed on, frames skipped before it)
    results: list[tuple[int, int]] = []
    all_in = asyncio.Event()

    async def on_result(r: DetectionResult, d: Delivery) -> None:
        if r.camera_id == "door":
            results.append((int(r.frame_id.rsplit(":", 1)[1]),
                            r.detection_results.frames_skipped))
            if results[-1][0] == FRAMES - 1:
                all_in.set()

    await bus.subscribe(t.camera_events, ["camera.detection.*"], on_result, model=DetectionResult,
                        max_length=10_000)
    image = cv2.resize(cv2.imread(str(ASSETS / "bus.jpg")), (480, 640))
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    try:
        for n in range(FRAMES):
            await bus.publish(t.camera_events, t.frame_key("door"), Frame(
                camera_id="door", frame_id=f"door:{n}", width=480, height=640, fps=10,
                quality=90, jpeg=jpeg.tobytes()))
            sent += 1
            detector.frames_sent.release()
            await asyncio.sleep(0.02)
        for _ in range(SLOWER_BY * FRAMES):  # the camera stops; the detector may finish
            detector.frames_sent.release()
        await asyncio.wait_for(all_in.wait(), 30)
        depth = (await bus.queue_depths([t.frame_queue("door").name]))[t.frame_queue("door").name]
    finally:
        await worker.stop()
        await bus.close()

    analysed = [frame for frame, _ in results]
    assert analysed == sorted(analysed), "frames analysed out of order"
    # each analysis began on the camera's newest frame (give or take the frames still on their
    # way to the detector), never on one that waited behind others: the picture the wall draws
    # boxes on is as old as one inference, however long the camera runs
    behind = [began - 1 - frame for frame, began in zip(analysed, detector.began, strict=True)]
    assert max(behind) <= IN_TRANSIT, f"analyses began up to {max(behind)} frames behind"
    # ... so the detector kept up by skipping: about one frame in SLOWER_BY was analysed
    assert len(results) <= FRAMES // SLOWER_BY + 3, f"{len(results)} of {FRAMES} frames analysed"
    # every frame is accounted for: analysed, or skipped and reported with the next result
    assert len(results) + sum(skipped for _, skipped in results) == FRAMES
    assert worker.stats()["frames_skipped"] == FRAMES - len(results)
    # and nothing waits in the broker
    assert depth.ready == 0
